/**
 * Lays rows out in columns as wide as their widest cell, two spaces apart, with a header row.
 * The last column is not padded, so long details never push trailing spaces.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const render = (cells: readonly string[]): string =>
    headers
      .map((_, column) => {
        const cell = cells[column] ?? '';
        return column === headers.length - 1 ? cell : cell.padEnd(widths[column] as number);
      })
      .join('  ')
      .trimEnd();
  return [render(headers), ...rows.map(render)].join('\n');
}
