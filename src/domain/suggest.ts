/**
 * The known name a mistyped one most likely meant: the same name in another case (`cidrIP` for
 * `cidrIp`), else the closest by edit distance (insertions, deletions, substitutions and swaps of two
 * neighbours), when close enough to be a typo rather than another word: at most one edit for names of
 * up to four characters, two up to eight, beyond that three or a quarter of the length (a long name
 * missing its last word, `clusterSecurityGroup`). Ties go to the earlier known name.
 *
 * @returns the known name, or undefined when none is close
 */
export function nearestKnown(name: string, known: Iterable<string>): string | undefined {
  const candidates = [...known];
  const lower = name.toLowerCase();
  const sameLetters = candidates.find((candidate) => candidate.toLowerCase() === lower);
  if (sameLetters !== undefined) return sameLetters;
  const limit = name.length <= 4 ? 1 : name.length <= 8 ? 2 : Math.max(3, Math.floor(name.length / 4));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Optimal string alignment distance: Levenshtein plus a swap of two neighbouring characters as one edit. */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const columns = b.length + 1;
  const table: number[][] = Array.from({ length: rows }, (_, row) =>
    Array.from({ length: columns }, (_, column) => (row === 0 ? column : column === 0 ? row : 0)),
  );
  const at = (row: number, column: number): number => table[row]?.[column] ?? 0;
  for (let row = 1; row < rows; row += 1) {
    for (let column = 1; column < columns; column += 1) {
      const cost = a[row - 1] === b[column - 1] ? 0 : 1;
      let distance = Math.min(
        at(row - 1, column) + 1,
        at(row, column - 1) + 1,
        at(row - 1, column - 1) + cost,
      );
      if (row > 1 && column > 1 && a[row - 1] === b[column - 2] && a[row - 2] === b[column - 1])
        distance = Math.min(distance, at(row - 2, column - 2) + 1);
      (table[row] as number[])[column] = distance;
    }
  }
  return at(rows - 1, columns - 1);
}
