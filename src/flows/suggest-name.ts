/** Edit distance (insert, delete, substitute, and swap of neighbours count 1), for "did you mean" hints. */
export function editDistance(from: string, to: string): number {
  const rows = from.length + 1;
  const cols = to.length + 1;
  const table: Uint16Array[] = [];
  for (let row = 0; row < rows; row++) {
    const line = new Uint16Array(cols);
    line[0] = row;
    if (row === 0) for (let col = 0; col < cols; col++) line[col] = col;
    table.push(line);
  }
  for (let row = 1; row < rows; row++) {
    for (let col = 1; col < cols; col++) {
      const cost = from[row - 1] === to[col - 1] ? 0 : 1;
      let best = Math.min(table[row - 1][col] + 1, table[row][col - 1] + 1, table[row - 1][col - 1] + cost);
      // A swapped pair ("aks" for "ask") is one typo, not two.
      if (row > 1 && col > 1 && from[row - 1] === to[col - 2] && from[row - 2] === to[col - 1]) {
        best = Math.min(best, table[row - 2][col - 2] + 1);
      }
      table[row][col] = best;
    }
  }
  return table[rows - 1][cols - 1];
}

/**
 * The candidate closest to `word`, when it is close enough to be a plausible typo (at most a third of the
 * word's length, minimum 1) or the only candidate that contains it or is contained in it; otherwise undefined.
 */
export function suggestName(word: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    // The distance is at least the difference in length: skip the work for names that cannot win.
    if (Math.abs(candidate.length - word.length) > Math.min(limit, bestDistance)) continue;
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (bestDistance <= limit) return best;
  // "lookup_order" for "lookup": a name inside the other is a likely mix-up even when many letters differ.
  const lower = word.toLowerCase();
  const containing = [...candidates].filter((candidate) => candidate.length >= 4 && (lower.includes(candidate.toLowerCase()) || candidate.toLowerCase().includes(lower)));
  return containing.length === 1 ? containing[0] : undefined;
}

/** `" Did you mean "ask"?"` or the empty string. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const suggestion = suggestName(word, candidates);
  return suggestion === undefined ? '' : ` Did you mean "${suggestion}"?`;
}

/** A short readable list: `a, b, c, ... (12 in all)`. */
export function listNames(names: readonly string[], max = 8): string {
  if (names.length === 0) return '(none)';
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')}, ... (${names.length} in all)`;
}
