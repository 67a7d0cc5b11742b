import type { StreamState } from "../state/state";
import { clip, mergeIntervals, type Interval } from "./intervals";

/**
 * What the board reads of a saved stream, before and after the state records coverage: `coverage`
 * (merged [from, to) of its raw data in the lookback) when the state has it, else its recent
 * level-1 ranges (the last hours only), else nothing but its newest block's end.
 */
type SavedStream = StreamState & { coverage?: [number, number][]; gaps?: [number, number][] };

export function streamCoverage(stream: StreamState, from: number): Interval[] {
  const s = stream as SavedStream;
  if (Array.isArray(s.coverage)) return clip(mergeIntervals(s.coverage), from, Infinity);
  return clip(mergeIntervals(s.ranges.map((r) => [r[1], r[2]] as const)), from, Infinity);
}

/** Holes in a stream's data, once the state records them. */
export function streamGaps(stream: StreamState): Interval[] | undefined {
  const s = stream as SavedStream;
  return Array.isArray(s.gaps) ? mergeIntervals(s.gaps) : undefined;
}
