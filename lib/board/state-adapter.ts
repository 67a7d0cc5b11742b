import type { StreamState } from "../state/state";
import { clip, mergeIntervals, type Interval } from "./intervals";

/**
 * What the board reads of a saved stream: its `coverage` (merged [from, to) of its raw data in the
 * lookback, rules/coverage.ts); a state saved before coverage was kept has none yet, so its recent
 * level-1 ranges (the last hours only) stand in, else nothing but its newest block's end.
 */
type SavedStream = StreamState & { gaps?: [number, number][] };

export function streamCoverage(stream: StreamState, from: number): Interval[] {
  const s = stream as SavedStream;
  if (s.coverage.length > 0) return clip(mergeIntervals(s.coverage), from, Infinity);
  return clip(mergeIntervals(s.ranges.map((r) => [r[1], r[2]] as const)), from, Infinity);
}

/** Holes in a stream's data, once the state records them. */
export function streamGaps(stream: StreamState): Interval[] | undefined {
  const s = stream as SavedStream;
  return Array.isArray(s.gaps) ? mergeIntervals(s.gaps) : undefined;
}
