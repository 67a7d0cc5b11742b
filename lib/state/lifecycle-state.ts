// The compactor's half of the bucket's life in state: optional per-stream fields and one top-level
// key, so that a state written before them still parses (and one written after them, by an older
// reader, loses only these).

/** Per stream, what the compactor rule keeps (every field optional: absent means empty). */
export interface StreamLifecycle {
  /**
   * Level-1 raw blocks no compactor block lists as a source yet: [ulid, minTime, uploadTime], oldest
   * first, at most BACKLOG_MAX (a stream with more is far behind whatever the exact count).
   */
  backlog?: [string, number, number][];
  /** The level >= 2 raw blocks that may still decide how far the stream is compacted: [ulid, maxTime]. */
  compacted?: [string, number][];
  /** The 5m blocks that may still decide how far the stream is downsampled: [ulid, maxTime]. */
  downsampled?: [string, number][];
  /** Raw blocks of 40h or more (the ones Thanos downsamples): [ulid, maxTime, uploadTime], at most AWAITING_MAX. */
  rawLong?: [string, number, number][];
}

export const BACKLOG_MAX = 64;
export const AWAITING_MAX = 8;
export const STREAM_LIFECYCLE_KEYS = ["backlog", "compacted", "downsampled", "rawLong"] as const;

/** What one daily look at the bucket's oldest prefixes found (lib/scan/retention.ts). */
export interface RetentionReading {
  /** When the bucket's start was last listed (ms). */
  checkedAt: number;
  /** The retention it was read for (the overdue count depends on it); null without --retention. */
  retentionMs: number | null;
  /** The oldest prefixes' meta.json: [ulid, maxTime, cluster or null]. */
  oldest: [string, number, string | null][];
  /** Prefixes whose ULID time alone proves their data older than retention + 2 days. */
  overdueByUlid: number;
}

/** The fleet-wide part: the top-level `lifecycle` key of the state. */
export interface Lifecycle {
  /** The newest compactor block within the lookback: [ulid, upload time]. */
  lastCompaction: [string, number] | null;
  retention: RetentionReading | null;
}

export function emptyLifecycle(): Lifecycle {
  return { lastCompaction: null, retention: null };
}

type Path = (string | number)[];
export type Fail = (path: Path, expected: string, v: unknown) => never;

function tuples(v: unknown, path: Path, fail: Fail, shape: string, items: ("str" | "int" | "strOrNull")[]): void {
  if (v === undefined) return;
  if (!Array.isArray(v)) fail(path, "array", v);
  for (let i = 0; i < v.length; i++) {
    const t = v[i];
    if (!Array.isArray(t) || t.length !== items.length) fail([...path, i], shape, t);
    items.forEach((kind, j) => {
      const x = t[j];
      const ok = kind === "str" ? typeof x === "string" : kind === "int" ? Number.isSafeInteger(x) : x === null || typeof x === "string";
      if (!ok) fail([...path, i, j], kind === "strOrNull" ? "string or null" : kind === "str" ? "string" : "int", x);
    });
  }
}

/** Checks a stream's lifecycle fields in place (absent ones are fine). */
export function checkStreamLifecycle(s: Record<string, unknown>, path: Path, fail: Fail): void {
  tuples(s.backlog, [...path, "backlog"], fail, "[ulid, minTime, uploadTime]", ["str", "int", "int"]);
  tuples(s.compacted, [...path, "compacted"], fail, "[ulid, maxTime]", ["str", "int"]);
  tuples(s.downsampled, [...path, "downsampled"], fail, "[ulid, maxTime]", ["str", "int"]);
  tuples(s.rawLong, [...path, "rawLong"], fail, "[ulid, maxTime, uploadTime]", ["str", "int", "int"]);
}

/** Checks the top-level `lifecycle` key; an older state without it gets an empty one. */
export function parseLifecycle(v: unknown, fail: Fail): Lifecycle {
  if (v === undefined || v === null) return emptyLifecycle();
  if (typeof v !== "object" || Array.isArray(v)) fail(["lifecycle"], "object", v);
  const o = v as Record<string, unknown>;
  let lastCompaction: Lifecycle["lastCompaction"] = null;
  if (o.lastCompaction !== null && o.lastCompaction !== undefined) {
    tuples([o.lastCompaction], ["lifecycle", "lastCompaction"], fail, "[ulid, uploadTime]", ["str", "int"]);
    lastCompaction = o.lastCompaction as [string, number];
  }
  let retention: RetentionReading | null = null;
  const r = o.retention;
  if (r !== null && r !== undefined) {
    if (typeof r !== "object" || Array.isArray(r)) fail(["lifecycle", "retention"], "object", r);
    const x = r as Record<string, unknown>;
    const p = ["lifecycle", "retention"];
    if (!Number.isSafeInteger(x.checkedAt)) fail([...p, "checkedAt"], "int", x.checkedAt);
    if (x.retentionMs !== null && !Number.isSafeInteger(x.retentionMs)) fail([...p, "retentionMs"], "int or null", x.retentionMs);
    if (!Number.isSafeInteger(x.overdueByUlid)) fail([...p, "overdueByUlid"], "int", x.overdueByUlid);
    if (!Array.isArray(x.oldest)) fail([...p, "oldest"], "array", x.oldest);
    tuples(x.oldest, [...p, "oldest"], fail, "[ulid, maxTime, cluster]", ["str", "int", "strOrNull"]);
    retention = {
      checkedAt: x.checkedAt as number,
      retentionMs: x.retentionMs as number | null,
      oldest: x.oldest as RetentionReading["oldest"],
      overdueByUlid: x.overdueByUlid as number,
    };
  }
  return { lastCompaction, retention };
}
