/** A half-open time interval [from, to) in ms. */
export type Interval = [number, number];

/** Sorted, with overlapping and touching intervals merged: [[0, 2], [2, 5], [7, 9]] -> [[0, 5], [7, 9]]. */
export function mergeIntervals(intervals: readonly (readonly [number, number])[]): Interval[] {
  const sorted = intervals.filter(([a, b]) => b > a).map(([a, b]): Interval => [a, b]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const out: Interval[] = [];
  for (const iv of sorted) {
    const last = out[out.length - 1];
    if (last && iv[0] <= last[1]) last[1] = Math.max(last[1], iv[1]);
    else out.push(iv);
  }
  return out;
}

/** The merged intervals from `from` on: what a run sees within its lookback. */
export function clipFrom(merged: readonly Interval[], from: number): Interval[] {
  return merged.filter(([, b]) => b > from).map(([a, b]): Interval => [Math.max(a, from), b]);
}

/**
 * The holes between merged intervals longer than `toleranceMs`: data before and after each, none
 * within. Time before the first interval and after the last is no hole (not begun, or not yet shipped).
 */
export function holes(merged: readonly Interval[], toleranceMs: number): Interval[] {
  const out: Interval[] = [];
  for (let i = 1; i < merged.length; i++) {
    const [from, to] = [merged[i - 1]![1], merged[i]![0]];
    if (to - from > toleranceMs) out.push([from, to]);
  }
  return out;
}
