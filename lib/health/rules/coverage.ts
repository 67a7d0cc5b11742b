import type { StreamState } from "../../state/state";
import type { Rule } from "../rule";

/** Merged, sorted, half-open [from, to) intervals (ms). */
export type Intervals = [number, number][];

/** How long coverage is kept past the lookback: a block's data ends before its ULID time. */
const KEEP_PAST_LOOKBACK_MS = 24 * 3_600_000;

/** Adds [from, to) to merged intervals, in place order; returns a new array. */
export function addInterval(list: readonly (readonly [number, number])[], from: number, to: number): Intervals {
  const out: Intervals = [];
  let [a, b] = [from, to];
  let placed = false;
  for (const [x, y] of list) {
    if (y < a) out.push([x, y]);
    else if (x > b) {
      if (!placed) out.push([a, b]), (placed = true);
      out.push([x, y]);
    } else [a, b] = [Math.min(a, x), Math.max(b, y)];
  }
  if (!placed) out.push([a, b]);
  return out;
}

/** The parts of [from, to) inside the intervals, as a length in ms. */
export function overlapMs(list: readonly (readonly [number, number])[], from: number, to: number): number {
  let ms = 0;
  for (const [x, y] of list) ms += Math.max(0, Math.min(y, to) - Math.max(x, from));
  return ms;
}

function covers(list: readonly (readonly [number, number])[], t: number): boolean {
  return list.some(([x, y]) => x <= t && t < y);
}

/**
 * Coverage: per stream, the time its resolution-0 data covers within the lookback, as merged
 * intervals of every source's blocks (a compacted block covers its sources' time). A healthy stream
 * keeps one interval. Read by the overlap rule (a late duplicate compared with the whole lookback),
 * and by what draws or measures a stream's holes. Reports nothing itself.
 */
export const coverage: Rule<null> = {
  id: "coverage",

  carryStream(s: StreamState, run) {
    const from = run.now - run.policy.lookbackMs - KEEP_PAST_LOOKBACK_MS;
    return s.coverage.every(([, to]) => to > from) ? null : { coverage: s.coverage.filter(([, to]) => to > from) };
  },

  carry: () => null,

  fold(_draft, item, run) {
    if (item.kind !== "stream" || item.block.resolution !== 0) return;
    // A compacted block's meta keeps only its outer range, hiding any hole between its sources. A
    // stream whose saved coverage holds the block's start saw its first source, and every later one
    // the scan read: it keeps their holes, and the gaps rule reports them until they leave the
    // lookback. Otherwise (a stream new to this run, a state begun later or written before coverage
    // was kept) the outer range is all a run can know, as without state.
    if (item.block.level > 1 && Object.hasOwn(run.prev.streams, item.key)) {
      const start = Math.max(item.block.minTime, run.now - run.policy.lookbackMs - KEEP_PAST_LOOKBACK_MS);
      if (covers(run.prev.streams[item.key]!.coverage ?? [], start)) return;
    }
    item.stream.coverage = addInterval(item.stream.coverage, item.block.minTime, item.block.maxTime);
  },

  report() {},
};
