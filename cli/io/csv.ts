/** One CSV record's cells, or why the line is not one. */
export type CsvCells =
  | { readonly ok: true; readonly cells: string[] }
  | { readonly ok: false; readonly reason: string };

/**
 * Splits one CSV line (RFC 4180 quoting: `"a, b"`, `""` for a quote) into trimmed cells.
 *
 * A record never spans lines here: office lists have no multi-line values, and a line number
 * per record keeps error messages exact.
 */
export function splitCsvLine(line: string): CsvCells {
  const cells: string[] = [];
  let index = 0;
  while (true) {
    while (line[index] === ' ' || line[index] === '\t') index += 1;
    if (line[index] === '"') {
      let value = '';
      index += 1;
      while (true) {
        const quote = line.indexOf('"', index);
        if (quote === -1) return { ok: false, reason: 'has a quoted value without its closing quote' };
        value += line.slice(index, quote);
        index = quote + 1;
        if (line[index] === '"') {
          value += '"';
          index += 1;
          continue;
        }
        break;
      }
      while (line[index] === ' ' || line[index] === '\t') index += 1;
      if (index < line.length && line[index] !== ',') {
        return { ok: false, reason: `has text after a closing quote at column ${index + 1}` };
      }
      cells.push(value);
    } else {
      const comma = line.indexOf(',', index);
      const end = comma === -1 ? line.length : comma;
      cells.push(line.slice(index, end).trim());
      index = end;
    }
    if (index >= line.length) return { ok: true, cells };
    index += 1;
  }
}
