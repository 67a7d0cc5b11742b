/** [ulid, minTime, maxTime) of a level-1 sidecar/receive block. */
export type Range = readonly [string, number, number];

/**
 * The blocks of one label set whose ranges overlap another's. Two Prometheus servers sharing one
 * label set upload blocks that cover the same hours; one healthy Prometheus never does.
 */
export function overlappingBlocks(ranges: readonly Range[]): Set<string> {
  const sorted = [...ranges].sort((a, b) => a[1] - b[1] || a[2] - b[2] || (a[0] < b[0] ? -1 : 1));
  const found = new Set<string>();
  // Blocks still open at the current start; ranges are half-open [min, max).
  let open: Range[] = [];
  for (const r of sorted) {
    open = open.filter((o) => o[2] > r[1]);
    if (open.length > 0) {
      found.add(r[0]);
      for (const o of open) found.add(o[0]);
    }
    open.push(r);
  }
  return found;
}
