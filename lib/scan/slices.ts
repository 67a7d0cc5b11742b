import { ulidFloor, ulidTime } from "../domain/ulid";
import type { SeenPrefixes } from "./seen";

/** Prefixes a slice should hold: about 8 LIST pages, each listed one after the other. */
const PER_SLICE = 8_000;
const MAX_SLICES = 16;

export interface Slice {
  /** ListObjectsV2 StartAfter. */
  after: string;
  /** The first name of the next slice (exclusive); null: to the end of the listing. */
  until: string | null;
}

/**
 * Splits the lookback window into ULID-time slices of about equal counts, by the previous run's
 * record, so that a large bucket's listing runs in parallel. A small bucket (or a first run,
 * which reads every meta.json anyway) lists in one slice: every extra slice costs a LIST.
 */
export function planSlices(seen: SeenPrefixes, horizon: string, end: string | null): Slice[] {
  const count = Math.min(MAX_SLICES, Math.floor(seen.size / PER_SLICE));
  const from = ulidTime(horizon);
  const bounds: string[] = [];
  for (let i = 1; i < count; i++) {
    const t = seen.timeAt(Math.floor((seen.size * i) / count));
    const b = ulidFloor(t);
    if (t > from && (end === null || b < end) && (bounds.length === 0 || b > bounds.at(-1)!)) bounds.push(b);
  }
  const starts = [horizon, ...bounds];
  return starts.map((after, i) => ({ after, until: bounds[i] ?? end }));
}
