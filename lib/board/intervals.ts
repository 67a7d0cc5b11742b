/** A half-open time range [from, to) in ms. */
export type Interval = [number, number];

/** Sorted, merged, non-empty intervals: touching ones ([a, b) and [b, c)) become one. */
export function mergeIntervals(items: readonly (readonly [number, number])[]): Interval[] {
  const sorted = items.filter((i) => i[1] > i[0]).map((i): Interval => [i[0], i[1]]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i[0] <= last[1]) last[1] = Math.max(last[1], i[1]);
    else out.push(i);
  }
  return out;
}

/** The parts of `items` within [from, to). */
export function clip(items: readonly Interval[], from: number, to: number): Interval[] {
  return items.map((i): Interval => [Math.max(i[0], from), Math.min(i[1], to)]).filter((i) => i[1] > i[0]);
}
