import { decodeTime, encodeTime } from "ulid";

// Thanos keeps a top-level name only if it parses as a ULID. We accept the canonical upper-case
// Crockford form whose first character keeps the 48-bit time in range; `<ULID>-backup`, `debug`,
// `etl` and lower-case look-alikes are never blocks.
const ULID_RE = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

export function isUlid(name: string): boolean {
  return ULID_RE.test(name);
}

/** Milliseconds since the epoch encoded in the first 10 characters. */
export function ulidTime(id: string): number {
  return decodeTime(id);
}

/**
 * The smallest ULID string of a millisecond: every block created at or after `ms` sorts after it
 * (used as ListObjectsV2 StartAfter).
 */
export function ulidFloor(ms: number): string {
  return encodeTime(Math.max(0, Math.floor(ms)), 10) + "0".repeat(16);
}
