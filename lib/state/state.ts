import { z } from "zod";
import { documentText, parseDocumentBytes } from "./document";
import type { Labels } from "../domain/labels";
import type { CorruptBlock, PendingPrefix } from "../domain/block";
import type { ClusterStatus } from "../health/status";
import { LedgerSchema, type Ledger } from "../alerts/ledger";
import { etlStateProblem, type EtlState } from "../federated/state";
import { checkStreamLifecycle, parseLifecycle, STREAM_LIFECYCLE_KEYS, type Lifecycle, type StreamLifecycle } from "./lifecycle-state";

/**
 * A block that may still decide a stream's freshness or last upload: [ulid, maxTime, resolution,
 * upload time (ms) or null when not shipped by a sidecar/receive].
 */
export type TopBlock = [string, number, number, number | null];

/** What one stream (full label set) needs to be judged without re-reading its old blocks. */
export interface StreamState extends StreamLifecycle {
  labels: Labels;
  cluster: string;
  /**
   * The blocks no other block beats on both counts: a newer ULID (stays in the lookback longer) and
   * a fresher maxTime (or a later upload). Whatever part of the lookback remains, the freshest block
   * in it is one of these, so a stream is judged as a run without state would judge it. Usually one.
   */
  tops: TopBlock[];
  /** Recent level-1 sidecar/receive ranges [ulid, minTime, maxTime] for overlap detection. */
  ranges: [string, number, number][];
  /**
   * The earliest minTime of the stream's blocks seen (not deletion-marked): where its data begins,
   * to tell two sources of one cluster (overlapping in time) from a label change (one ends, the
   * next begins). Absent in a state written before it existed: unknown, taken as its newest data.
   */
  dataFrom?: number;
  /** Merged [from, to) intervals (ms) of its resolution-0 data (rules/coverage.ts). */
  coverage: [number, number][];
}

export interface ClusterState {
  status: ClusterStatus;
  since: number;
}

export interface State {
  version: 1;
  /** Every ULID prefix at or before this name has been read (or is in `pending`). Null: never ran. */
  cursor: string | null;
  streams: Record<string, StreamState>;
  clusters: Record<string, ClusterState>;
  /** Prefixes without meta.json, re-checked each run until complete, deleted or out of the lookback. */
  pending: PendingPrefix[];
  /**
   * Every prefix in the lookback already read (meta.json found, valid or not), compact: see
   * lib/scan/seen.ts. "" in a state written before it existed: the next run reads the window again.
   */
  seen: string;
  corrupt: CorruptBlock[];
  unlabeled: { block: string; labels: Labels }[];
  /**
   * Active overlaps by stream key, with each block's range, so that the finding can be judged again
   * when some of its blocks are deleted, however old the others are.
   */
  overlaps: Record<string, { cluster: string; labels: Labels; ranges: [string, number, number][] }>;
  /** What subscribers have been told: updated only after a publish succeeded. Null: never published. */
  ledger: Ledger | null;
  /**
   * A notification claimed by a run and being published. Saved (conditionally) before publishing,
   * so a concurrent run sees it and does not send the same alert; cleared once published or failed.
   */
  outbox: Outbox | null;
  /** Kubecost 2.x Federated ETL source (lib/federated). Null or absent: that source never ran. */
  etl?: EtlState | null;
  /** The compactor's and retention's fleet-wide memory (lifecycle-state.ts); absent in older states. */
  lifecycle?: Lifecycle;
}

export interface Outbox {
  id: string;
  claimedAt: number;
  /** The ledger to save once the publish has succeeded. */
  ledgerAfter: Ledger;
}

export function emptyState(): State {
  return {
    version: 1,
    cursor: null,
    streams: {},
    clusters: {},
    pending: [],
    seen: "",
    corrupt: [],
    unlabeled: [],
    overlaps: {},
    ledger: null,
    outbox: null,
    etl: null,
  };
}

// The small, rarely present parts are checked with zod; the large ones (streams, clusters, the
// prefix lists) by hand, in place: at 10,000 clusters the document is ~11 MB, and zod's parse kept
// a second, larger copy of it alive (42 MB beside JSON.parse's 27 MB) and took 0.3 s.
const ms = z.number().int();
const OutboxSchema = z.object({ id: z.string(), claimedAt: ms, ledgerAfter: LedgerSchema }).nullable();
const NullableLedger = LedgerSchema.nullable();

export class StateCorruptError extends Error {
  override name = "StateCorruptError";
}

type Path = (string | number)[];
type Obj = Record<string, unknown>;

function received(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
}
function fail(path: Path, expected: string, v: unknown): never {
  throw new StateCorruptError(`state ${path.join(".") || "document"}: Invalid input: expected ${expected}, received ${received(v)}`);
}
function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
function obj(v: unknown, path: Path): Obj {
  if (!isObj(v)) fail(path, "object", v);
  return v;
}
function str(v: unknown, path: Path): void {
  if (typeof v !== "string") fail(path, "string", v);
}
function strOrNull(v: unknown, path: Path): void {
  if (v !== null && typeof v !== "string") fail(path, "string or null", v);
}
// zod 4's int(): a safe integer.
function int(v: unknown, path: Path): void {
  if (!Number.isSafeInteger(v)) fail(path, "int", v);
}
function intOrNull(v: unknown, path: Path): void {
  if (v !== null && !Number.isSafeInteger(v)) fail(path, "int or null", v);
}
function arr(v: unknown, path: Path): unknown[] {
  if (!Array.isArray(v)) fail(path, "array", v);
  return v;
}
function labels(v: unknown, path: Path): void {
  const o = obj(v, path);
  for (const k in o) str(o[k], [...path, k]);
}
/** Keeps only `keys`, like zod's object(): a field we did not write is not carried forward. */
function strip(o: Obj, keys: readonly string[]): void {
  let n = 0;
  for (const k in o) n++;
  if (n === keys.length && keys.every((k) => k in o)) return; // exactly the keys we know: nothing else
  for (const k of Object.keys(o)) if (!keys.includes(k)) delete o[k];
}

const STREAM_KEYS = ["labels", "cluster", "tops", "ranges", "coverage", "dataFrom"] as const;
const STATE_KEYS = ["version", "cursor", "streams", "clusters", "pending", "seen", "corrupt", "unlabeled", "overlaps", "ledger", "outbox", "etl"] as const;
const STATUSES = new Set(["ok", "late", "stalled", "missing"]);

function checkStream(v: unknown, path: Path): void {
  const s = obj(v, path);
  labels(s.labels, [...path, "labels"]);
  str(s.cluster, [...path, "cluster"]);
  const tops = arr(s.tops, [...path, "tops"]);
  if (tops.length === 0) throw new StateCorruptError(`state ${[...path, "tops"].join(".")}: Too small: expected array to have >=1 items`);
  for (let i = 0; i < tops.length; i++) {
    const t = tops[i];
    if (!Array.isArray(t) || t.length !== 4) fail([...path, "tops", i], "[ulid, maxTime, resolution, uploadTime]", t);
    str(t[0], [...path, "tops", i, 0]);
    int(t[1], [...path, "tops", i, 1]);
    int(t[2], [...path, "tops", i, 2]);
    intOrNull(t[3], [...path, "tops", i, 3]);
  }
  const ranges = arr(s.ranges, [...path, "ranges"]);
  for (let i = 0; i < ranges.length; i++) {
    const r = ranges[i];
    if (!Array.isArray(r) || r.length !== 3) fail([...path, "ranges", i], "[ulid, minTime, maxTime]", r);
    str(r[0], [...path, "ranges", i, 0]);
    int(r[1], [...path, "ranges", i, 1]);
    int(r[2], [...path, "ranges", i, 2]);
  }
  if (s.dataFrom !== undefined) int(s.dataFrom, [...path, "dataFrom"]);
  // Streams saved before coverage was kept start with none: it fills from new blocks.
  if (s.coverage === undefined) s.coverage = [];
  const coverage = arr(s.coverage, [...path, "coverage"]);
  for (let i = 0; i < coverage.length; i++) {
    const c = coverage[i];
    if (!Array.isArray(c) || c.length !== 2) fail([...path, "coverage", i], "[from, to]", c);
    int(c[0], [...path, "coverage", i, 0]);
    int(c[1], [...path, "coverage", i, 1]);
  }
  checkStreamLifecycle(s, path, fail);
  strip(s, [...STREAM_KEYS, ...STREAM_LIFECYCLE_KEYS]);
  shareBlockNames(s);
}

const BLOCK_TUPLES = ["tops", "ranges", ...STREAM_LIFECYCLE_KEYS] as const;

/**
 * One string per block name in a stream: a stream's newest block is in its tops, ranges and
 * backlog, and JSON.parse makes each occurrence a string of its own (~190 bytes a stream, 2 MB at
 * 10,000 clusters, of a state held in memory twice while it is judged).
 */
function shareBlockNames(s: Obj): void {
  const names = new Map<string, string>();
  for (const key of BLOCK_TUPLES) {
    const items = s[key] as [string, ...unknown[]][] | undefined;
    if (!items) continue;
    for (const t of items) {
      const known = names.get(t[0]);
      if (known === undefined) names.set(t[0], t[0]);
      else t[0] = known;
    }
  }
}

function checkRecords(v: unknown, path: Path, check: (item: Obj, path: Path) => void, keys: readonly string[]): void {
  const o = obj(v, path);
  for (const k in o) {
    const item = obj(o[k], [...path, k]);
    check(item, [...path, k]);
    strip(item, keys);
  }
}

function checkItems(v: unknown, path: Path, check: (item: Obj, path: Path) => void, keys: readonly string[]): void {
  const a = arr(v, path);
  for (let i = 0; i < a.length; i++) {
    const item = obj(a[i], [...path, i]);
    check(item, [...path, i]);
    strip(item, keys);
  }
}

function small<T>(schema: z.ZodType<T>, v: unknown, path: Path): T {
  const parsed = schema.safeParse(v);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new StateCorruptError(`state ${[...path, ...issue.path].join(".") || "document"}: ${issue.message}`);
  }
  return parsed.data;
}

/** Reads a saved state document; a document that is not one we wrote is refused, never half-used. */
export function parseState(text: string | Uint8Array): State {
  let raw: unknown;
  try {
    raw = typeof text === "string" ? JSON.parse(text) : parseBytes(text);
  } catch (err) {
    throw new StateCorruptError(`state is not JSON: ${(err as Error).message}`);
  }
  const s = obj(raw, []);
  if (s.version !== 1) throw new StateCorruptError(`state version: Invalid input: expected 1`);
  strOrNull(s.cursor, ["cursor"]);
  const streams = obj(s.streams, ["streams"]);
  for (const k in streams) checkStream(streams[k], ["streams", k]);
  checkRecords(
    s.clusters,
    ["clusters"],
    (c, p) => {
      if (typeof c.status !== "string" || !STATUSES.has(c.status)) fail([...p, "status"], `one of "ok"|"late"|"stalled"|"missing"`, c.status);
      int(c.since, [...p, "since"]);
    },
    ["status", "since"],
  );
  checkItems(s.pending, ["pending"], (x, p) => (str(x.block, [...p, "block"]), int(x.lastActivity, [...p, "lastActivity"])), ["block", "lastActivity"]);
  // A state of 0.1 had `recent` instead: its blocks are read once more, which changes no verdict.
  if (s.seen === undefined) s.seen = "";
  if (typeof s.seen !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(s.seen)) fail(["seen"], "base64 string", s.seen);
  checkItems(s.corrupt, ["corrupt"], (x, p) => (str(x.block, [...p, "block"]), str(x.reason, [...p, "reason"])), ["block", "reason"]);
  checkItems(s.unlabeled, ["unlabeled"], (x, p) => (str(x.block, [...p, "block"]), labels(x.labels, [...p, "labels"])), ["block", "labels"]);
  checkRecords(
    s.overlaps,
    ["overlaps"],
    (o, p) => {
      str(o.cluster, [...p, "cluster"]);
      labels(o.labels, [...p, "labels"]);
      const ranges = arr(o.ranges, [...p, "ranges"]);
      for (let i = 0; i < ranges.length; i++) {
        const r = ranges[i];
        if (!Array.isArray(r) || r.length !== 3) fail([...p, "ranges", i], "[ulid, minTime, maxTime]", r);
        str(r[0], [...p, "ranges", i, 0]);
        int(r[1], [...p, "ranges", i, 1]);
        int(r[2], [...p, "ranges", i, 2]);
      }
    },
    ["cluster", "labels", "ranges"],
  );
  s.ledger = small(NullableLedger, s.ledger, ["ledger"]);
  s.outbox = s.outbox === undefined ? null : small(OutboxSchema, s.outbox, ["outbox"]);
  if (s.etl === undefined) s.etl = null;
  else if (s.etl !== null) {
    const problem = etlStateProblem(s.etl);
    if (problem) throw new StateCorruptError(`state ${problem}`);
  }
  s.lifecycle = parseLifecycle(s.lifecycle, fail);
  strip(s, [...STATE_KEYS, "lifecycle"]);
  return s as unknown as State;
}

/** The document's bytes, parsed member by member; what that reader does not take is parsed whole, for JSON.parse's own error. */
function parseBytes(bytes: Uint8Array): unknown {
  try {
    return parseDocumentBytes(bytes, LARGE_RECORDS);
  } catch {
    return JSON.parse(documentText(bytes));
  }
}

/** The records written and read entry by entry (serializeStateBytes, parseDocumentBytes). */
const LARGE_RECORDS: ReadonlySet<string> = new Set(["streams", "clusters"]);

export function serializeState(state: State): string {
  return JSON.stringify(state);
}

/**
 * The bytes of `serializeState(state)`, written stream by stream into one buffer: at 10,000
 * clusters the document is 13 MB, and its text as one string (built by a growing JSON.stringify,
 * then copied into a buffer by the SDK for its checksum and again for the socket) held three to
 * four times that. `sizeHint`: the expected length (the document read at the start of the run).
 */
export function serializeStateBytes(state: State, sizeHint = 0): Buffer {
  const out = new ByteWriter(Math.max(64 * 1024, Math.ceil(sizeHint * 1.125)));
  const record = (o: Record<string, unknown>) => {
    out.write("{");
    let first = true;
    for (const k of Object.keys(o)) {
      const v = o[k];
      const text = v === undefined ? undefined : JSON.stringify(v);
      if (text === undefined) continue; // as JSON.stringify: undefined and functions are left out
      out.write(first ? JSON.stringify(k) + ":" : "," + JSON.stringify(k) + ":");
      out.write(text);
      first = false;
    }
    out.write("}");
  };
  const top = state as unknown as Record<string, unknown>;
  out.write("{");
  let first = true;
  for (const k of Object.keys(top)) {
    const v = top[k];
    if (v === undefined) continue;
    out.write(first ? JSON.stringify(k) + ":" : "," + JSON.stringify(k) + ":");
    first = false;
    // The large records, entry by entry; the rest whole.
    if (LARGE_RECORDS.has(k) && v !== null && typeof v === "object") record(v as Record<string, unknown>);
    else out.write(JSON.stringify(v));
  }
  out.write("}");
  return out.bytes();
}

/** A buffer grown by half when full, written with UTF-8 text. */
class ByteWriter {
  private buf: Buffer;
  private n = 0;
  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafe(capacity);
  }
  write(text: string): void {
    // UTF-8 takes at most 3 bytes a UTF-16 unit: counted exactly only near the end of the buffer.
    if (this.n + text.length * 3 > this.buf.length && this.n + Buffer.byteLength(text) > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(Math.ceil(this.buf.length * 1.5), this.n + Buffer.byteLength(text)));
      this.buf.copy(next, 0, 0, this.n);
      this.buf = next;
    }
    this.n += this.buf.write(text, this.n, "utf8");
  }
  /** The bytes written (a view of the buffer: no copy). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.n);
  }
}
