// Hostile bucket content, generated from a seed: every case is a function of (seed, index) alone, so
// `--seed S` replays a run and a failing case can be rebuilt by its index.
//
// A case is a handful of block prefixes (ULID times within the last 3h30m, so that a run with
// previous state lists them again) whose meta.json and labels are hostile, plus the names the
// channels must render safely. Each hostile value carries a marker (Q + 7 letters/digits) at most 6
// code units from its start: the "recognisable" checks look for it in every channel.
//
// `classify` is the oracle: DOMAIN.md section 4's corrupt / unlabeled rules written again from the
// spec, independently of lib/domain/meta.ts. One deliberate reading: `thanos.labels: null` is no
// labels (what Thanos's Go decoder makes of it), not a corrupt block. Two rules come from blockwatch
// rather than Thanos: times must fit a Date (<= 8.64e15 ms, year 275760), and a block whose data ends
// more than an hour after `now` (an uploading Prometheus whose clock is ahead) is corrupt: it is not
// evidence of a live sidecar and would hide a stall.
import { encodeTime } from "ulid";
import { blockObjects, makeUlid, seededRandom, type BucketObject } from "../../lib/demo/bucket-objects";

export const FUZZ_NOW = Date.UTC(2025, 10, 3, 15, 30);
export const BENIGN_CLUSTER = "benign-1";
const MIN = 60_000;
const HOUR = 60 * MIN;
const MiB = 1024 * 1024;

export type Expected = "corrupt" | "unlabeled" | "valid" | "ignored";

export interface HostileName {
  value: string;
  /** Null for names with nothing printable to recognise (only controls, blanks, zero-width). */
  marker: string | null;
}

export interface HostileBlock {
  ulid: string;
  kind: string;
  expect: Expected;
  /** Why the oracle calls it corrupt (see `classify`). */
  why?: string;
  /** The cluster it names: of a valid block, or of a future-data one (corrupt: its cluster must not appear from it). */
  cluster?: string;
  /** maxTime more than an hour after now: a corrupt finding, never freshness. */
  futureData?: boolean;
  /** The ULID's time is after now (clock skew on the uploader). */
  futureUlid?: boolean;
}

export interface FuzzCase {
  index: number;
  category: string;
  /** Cluster names carried by valid blocks or expected clusters. */
  names: HostileName[];
  /** Every marker placed in the case (names, label keys and values, reasons). */
  markers: string[];
  blocks: HostileBlock[];
  objects: BucketObject[];
  expectedClusters: string[];
}

export const CATEGORIES = ["names", "labels", "reasons", "types", "times", "size", "deep", "text", "future", "collisions"] as const;

const PIECES: Record<string, string[]> = {
  markdown: ["*bold*", "_it_", "~strike~", "[click](http://evil.example/x)", "> quote", "# H1", "```", "`", "||spoiler||", ":rotating_light:", "**", "\\*"],
  slack: ["<!channel>", "<!here>", "<!everyone>", "@here", "@channel", "@everyone", "<@U123ABC>", "<#C024BE7LR>", "<!subteam^S0123>", "<http://evil.example|click here>", "<mailto:x@y.z|mail>"],
  html: ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "&amp;", "&lt;b&gt;", "</code>", "<b>", "&#x3C;", '<a href="http://evil.example">x</a>'],
  control: ["\u0000", "\u0007", "\b", "\t", "\n", "\r\n", "\u000b", "\f", "\u001b[31m", "\u001b[2J", "\u001b]8;;http://evil.example\u0007link\u001b]8;;\u0007", "\u007f", "\u0085", "\u009b31m", "\u2028", "\u2029", "\r"],
  invisible: ["\u202e", "\u2066", "\u200b", "\ufeff", "\u2060", "\u200f", "\u061c"],
  forge: ["\nSTALLED (1)\n- prod: ok", "\n-- blockwatch run at 2025-01-01", "\r\nBcc: victim@example.com", "\n\nNEXT STEPS\n1. rm -rf /", "\n• `fake` recovered", "\n*Recovered (1)*"],
  unicode: ["é", "ü", "中文集群", "кластер", "🔥", "👨‍👩‍👧", "عنقود", "ｐｒｏｄ", "e\u0301", "ß", "İ"],
  surrogate: ["\ud800", "\udfff", "\ud83d"],
  inject: ['"}', "\\", "${jndi:ldap://evil.example/a}", "$(rm -rf /)", "'; DROP TABLE x;--", "%s%n", "{{7*7}}", "../../etc/passwd", '"""', "null"],
};
const ALL_PIECES = Object.values(PIECES).flat();
const SHORT_PIECES = ALL_PIECES.filter((p) => p.length <= 6);
const MARKERLESS = [" ", "  ", "\u0000\u0001", "\u200b", "\t\n", "\u202e\u200b", "\u001b[0m", "\ufeff"];

type Rng = () => number;
const int = (rng: Rng, n: number) => Math.floor(rng() * n);
const oneOf = <T>(rng: Rng, items: readonly T[]): T => items[int(rng, items.length)]!;

function markerOf(rng: Rng): string {
  const alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
  let m = "Q";
  for (let i = 0; i < 7; i++) m += alphabet[int(rng, alphabet.length)];
  return m;
}

/** A hostile value: an optional short hostile prefix, the marker, then hostile text (sometimes 2 KB). */
export function hostileValue(rng: Rng, marker: string): string {
  const prefix = rng() < 0.5 ? oneOf(rng, SHORT_PIECES) : "";
  let suffix = "";
  const n = 1 + int(rng, 4);
  for (let i = 0; i < n; i++) suffix += oneOf(rng, ALL_PIECES);
  if (rng() < 0.12) {
    const filler = oneOf(rng, ["x", "é", "<!here>", "\u0000", "中", "🔥", "a b "]);
    while (suffix.length < 2048) suffix += filler;
  }
  return prefix + marker + suffix;
}

const ulidAt = (ms: number, rng: Rng) => makeUlid(ms, rng);

function metaDoc(ulid: string, labels: unknown, minTime: number, maxTime: number, uploadTime: number): Record<string, unknown> {
  return {
    ulid,
    minTime,
    maxTime,
    stats: { numSamples: 1000, numSeries: 10, numChunks: 10 },
    compaction: { level: 1, sources: [ulid] },
    version: 1,
    thanos: {
      labels,
      downsample: { resolution: 0 },
      source: "sidecar",
      segment_files: ["000001"],
      files: [{ rel_path: "chunks/000001", size_bytes: 64 }, { rel_path: "index", size_bytes: 32 }, { rel_path: "meta.json" }],
      index_stats: {},
      upload_time: new Date(uploadTime).toISOString(),
    },
  };
}

/** The objects of one block prefix whose meta.json is exactly `text` (null: no meta.json). */
function prefixObjects(ulid: string, text: string | null, mtime: number, deleted = false): BucketObject[] {
  const objects: BucketObject[] = [
    { key: `${ulid}/chunks/000001`, body: "c".repeat(64), mtime: mtime - 2_000 },
    { key: `${ulid}/index`, body: "i".repeat(32), mtime: mtime - 1_000 },
  ];
  if (text !== null) objects.push({ key: `${ulid}/meta.json`, body: text, mtime });
  if (deleted) objects.push({ key: `${ulid}/deletion-mark.json`, body: JSON.stringify({ id: ulid, deletion_time: Math.floor(mtime / 1000) + 60, version: 1 }), mtime: mtime + 60_000 });
  return objects;
}

function deep(shape: "array" | "object", depth: number): string {
  return shape === "array" ? "[".repeat(depth) + "1" + "]".repeat(depth) : '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
}

/** A benign, healthy cluster: the state and ledger of the run before the hostile blocks arrive. */
export function benignObjects(now: number): BucketObject[] {
  const rng = seededRandom(7);
  const ulid = ulidAt(now - 50 * MIN, rng);
  return blockObjects({ ulid, minTime: now - 3 * HOUR, maxTime: now - HOUR, labels: { cluster_id: BENIGN_CLUSTER }, uploadTime: now - 50 * MIN + 20_000 });
}

export function fuzzCase(seed: number, index: number, now = FUZZ_NOW): FuzzCase {
  const rng = seededRandom((Math.imul(seed >>> 0, 2654435761) ^ Math.imul(index + 1, 40503)) >>> 0);
  const category = CATEGORIES[index % CATEGORIES.length]!;
  const c: FuzzCase = { index, category, names: [], markers: [], blocks: [], objects: [], expectedClusters: [] };
  // ULID times inside the re-list window of the benign run's cursor, each one distinct.
  let clock = now - 3 * HOUR - 30 * MIN;
  const nextUlidTime = () => (clock += 1 + int(rng, 10 * MIN));

  const newName = (markerless = false): HostileName => {
    if (markerless) return { value: oneOf(rng, MARKERLESS), marker: null };
    const marker = markerOf(rng);
    c.markers.push(marker);
    return { value: hostileValue(rng, marker), marker };
  };
  /** A valid sidecar block of cluster `name`: fresh (ok) or 6h old data (stalled). */
  const validBlock = (name: HostileName, extra: Record<string, string> = {}, fresh = rng() < 0.5) => {
    const t = nextUlidTime();
    const ulid = ulidAt(t, rng);
    const maxTime = fresh ? t - 30 * MIN : now - 6 * HOUR;
    const doc = metaDoc(ulid, { ...extra, cluster_id: name.value }, maxTime - 2 * HOUR, maxTime, t + 20_000);
    c.objects.push(...prefixObjects(ulid, JSON.stringify(doc, null, "\t"), t + 20_000));
    if (name.value === "") c.blocks.push({ ulid, kind: "empty-cluster", expect: "unlabeled" });
    else {
      c.blocks.push({ ulid, kind: "hostile-name", expect: "valid", cluster: name.value });
      if (!c.names.some((n) => n.value === name.value)) c.names.push(name);
    }
    return ulid;
  };
  /** A prefix whose meta.json is `text`, judged by the oracle. */
  const rawBlock = (kind: string, make: (ulid: string, t: number) => string, opts: { ulidTime?: number; deleted?: boolean; futureData?: boolean } = {}) => {
    const t = opts.ulidTime ?? nextUlidTime();
    const ulid = opts.ulidTime !== undefined ? encodeTime(Math.min(opts.ulidTime, 2 ** 48 - 1), 10) + makeUlid(0, rng).slice(10) : ulidAt(t, rng);
    const text = make(ulid, t);
    c.objects.push(...prefixObjects(ulid, text, Math.min(t, now) + 20_000, opts.deleted));
    const verdict = classify(ulid, text, "cluster_id", now);
    c.blocks.push({
      ulid,
      kind,
      expect: opts.deleted ? "ignored" : verdict.kind,
      ...(verdict.kind === "corrupt" ? { why: verdict.why } : {}),
      ...(verdict.kind === "valid" ? { cluster: verdict.cluster } : {}),
      ...(verdict.kind === "corrupt" && verdict.futureCluster !== undefined ? { cluster: verdict.futureCluster } : {}),
      ...(verdict.kind === "corrupt" && verdict.why === "future data" ? { futureData: true } : {}),
      ...(ulidTimeOf(ulid) > now ? { futureUlid: true } : {}),
    });
    return ulid;
  };
  const docText = (ulid: string, t: number, patch: (d: Record<string, unknown>) => void, labels: unknown = { cluster_id: primary.value }) => {
    const d = metaDoc(ulid, labels, t - 3 * HOUR, t - HOUR, t + 20_000);
    patch(d);
    return JSON.stringify(d, null, "\t");
  };

  // Every case has at least one hostile cluster name on a valid block: the channels always get some.
  const primary = newName(rng() < 0.05);
  validBlock(primary);

  switch (category) {
    case "names": {
      for (let i = int(rng, 3); i > 0; i--) validBlock(newName(rng() < 0.1));
      if (rng() < 0.4) {
        // An expected cluster (from the deployment's config) that never uploaded: missing, by name.
        const missing = newName();
        c.expectedClusters.push(missing.value);
        c.names.push(missing);
      }
      if (rng() < 0.1) validBlock({ value: "", marker: null }); // empty cluster_id: unlabeled
      // Names that are also Object.prototype's: a cluster must not vanish into an object's prototype.
      if (rng() < 0.15) validBlock({ value: oneOf(rng, ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"]), marker: null });
      break;
    }
    case "labels": {
      const key = `k${markerOf(rng)}${oneOf(rng, SHORT_PIECES)}`;
      c.markers.push(key.slice(1, 9));
      const value = newName();
      // A Prometheus without cluster_id, with hostile label names and values: an unlabeled finding.
      const t = nextUlidTime();
      const ulid = ulidAt(t, rng);
      c.objects.push(...prefixObjects(ulid, JSON.stringify(metaDoc(ulid, { [key]: value.value, prometheus: oneOf(rng, ALL_PIECES) }, t - 3 * HOUR, t - HOUR, t + 20_000)), t + 20_000));
      c.blocks.push({ ulid, kind: "hostile-labels", expect: "unlabeled" });
      // Two Prometheus servers sharing one hostile label set: an overlap finding.
      const shared = newName();
      const extra = { replica: value.value };
      for (let i = 0; i < 2; i++) {
        const tt = nextUlidTime();
        const u = ulidAt(tt, rng);
        c.objects.push(...prefixObjects(u, JSON.stringify(metaDoc(u, { ...extra, cluster_id: shared.value }, now - 3 * HOUR + i * 17 * MIN, now - HOUR + i * 17 * MIN, tt + 20_000)), tt + 20_000));
        c.blocks.push({ ulid: u, kind: "overlap", expect: "valid", cluster: shared.value });
      }
      c.names.push(shared);
      break;
    }
    case "reasons": {
      const v = newName();
      const which = int(rng, 4);
      rawBlock("hostile-reason", (u, t) =>
        docText(u, t, (d) => {
          if (which === 0) d.version = v.value;
          else if (which === 1) d.ulid = v.value;
          else if (which === 2) d.minTime = v.value;
          else d.maxTime = { nested: v.value };
        }),
      );
      break;
    }
    case "types": {
      const variants: ((d: Record<string, unknown>) => void)[] = [
        (d) => (d.version = "1"),
        (d) => (d.version = true),
        (d) => (d.version = null),
        (d) => (d.version = [1]),
        (d) => (d.version = 2),
        (d) => (d.version = 1.5),
        (d) => delete d.version,
        (d) => (d.ulid = 42),
        (d) => (d.ulid = null),
        (d) => (d.ulid = String(d.ulid).toLowerCase()),
        (d) => (d.ulid = `${String(d.ulid)} `),
        (d) => ((d.thanos as Record<string, unknown>).labels = []),
        (d) => ((d.thanos as Record<string, unknown>).labels = "cluster_id=x"),
        (d) => ((d.thanos as Record<string, unknown>).labels = 5),
        (d) => ((d.thanos as Record<string, unknown>).labels = null),
        (d) => ((d.thanos as Record<string, unknown>).labels = { cluster_id: 5 }),
        (d) => ((d.thanos as Record<string, unknown>).labels = { cluster_id: null }),
        (d) => ((d.thanos as Record<string, unknown>).labels = { cluster_id: ["a"] }),
        (d) => ((d.thanos as Record<string, unknown>).labels = { cluster_id: { x: 1 } }),
        (d) => ((d.thanos as Record<string, unknown>).labels = {}),
        (d) => ((d.thanos as Record<string, unknown>).labels = { cluster_id: "" }),
        (d) => (d.thanos = "sidecar"),
        (d) => (d.thanos = []),
        (d) => (d.thanos = null),
        (d) => delete d.thanos,
        (d) => (d.compaction = "x"),
        (d) => (d.compaction = { level: -1, hints: "from-out-of-order" }),
        (d) => ((d.thanos as Record<string, unknown>).downsample = { resolution: -5 }),
        (d) => ((d.thanos as Record<string, unknown>).downsample = { resolution: "300000" }),
        (d) => ((d.thanos as Record<string, unknown>).files = [{ size_bytes: -1 }, "x"]),
        (d) => ((d.thanos as Record<string, unknown>).upload_time = 5),
        (d) => ((d.thanos as Record<string, unknown>).upload_time = "not a time"),
        (d) => ((d.thanos as Record<string, unknown>).source = { evil: true }),
        (d) => ((d.thanos as Record<string, unknown>).labels = { __proto__: "x", cluster_id: primary.value, constructor: "y" }),
      ];
      for (let i = 1 + int(rng, 2); i > 0; i--) {
        const v = oneOf(rng, variants);
        rawBlock("wrong-type", (u, t) => docText(u, t, v), { deleted: rng() < 0.05 });
      }
      break;
    }
    case "times": {
      const texts: ((u: string, t: number) => string)[] = [
        (u, t) => docText(u, t, (d) => (d.minTime = -1)),
        (u, t) => docText(u, t, (d) => (d.maxTime = -5)),
        (u, t) => docText(u, t, (d) => ([d.minTime, d.maxTime] = [d.maxTime, d.minTime])),
        (u, t) => docText(u, t, (d) => (d.maxTime = d.minTime)),
        (u, t) => docText(u, t, (d) => (d.minTime = 1.5)),
        (u, t) => docText(u, t, (d) => (d.minTime = "0")),
        (u, t) => docText(u, t, (d) => (d.maxTime = null)),
        (u, t) => docText(u, t, () => {}).replace(/"maxTime": \d+/, '"maxTime": NaN'),
        (u, t) => docText(u, t, () => {}).replace(/"maxTime": \d+/, '"maxTime": Infinity'),
        (u, t) => docText(u, t, () => {}).replace(/"minTime": \d+/, '"minTime": -Infinity'),
        (u, t) => docText(u, t, () => {}).replace(/"maxTime": \d+/, '"maxTime": 1e400'),
        (u, t) => docText(u, t, () => {}).replace(/"maxTime": \d+/, '"maxTime": 9007199254740993'),
        (u, t) => docText(u, t, (d) => (d.maxTime = Number.MAX_SAFE_INTEGER)),
        (u, t) => docText(u, t, (d) => (d.maxTime = 8.64e15)),
        (u, t) => docText(u, t, (d) => (d.maxTime = 8.64e15 + 1)),
        (u, t) => docText(u, t, (d) => ([d.minTime, d.maxTime] = [8.64e15 - 1, 8.64e15])),
        (u, t) => docText(u, t, (d) => (d.maxTime = now + HOUR)),
        (u, t) => docText(u, t, (d) => (d.maxTime = now + HOUR + 1)),
        (u, t) => docText(u, t, (d) => (d.maxTime = Date.UTC(3000, 0, 1))),
        (u, t) => docText(u, t, (d) => (d.maxTime = now + 10 * 365 * 24 * HOUR)),
        (u, t) => docText(u, t, (d) => ([d.minTime, d.maxTime] = [0, 1])),
        (u, t) => docText(u, t, (d) => (d.minTime = (d.maxTime as number) - 1)),
        (u, t) => docText(u, t, () => {}).replace(/"minTime": (\d+)/, '"minTime": $1.0'),
      ];
      for (let i = 1 + int(rng, 2); i > 0; i--) rawBlock("bad-time", oneOf(rng, texts));
      break;
    }
    case "size": {
      const pad = (text: string, bytes: number) => text + " ".repeat(Math.max(0, bytes - Buffer.byteLength(text)));
      const sizes = [MiB, MiB + 1, MiB + 1 + int(rng, 2 * MiB), MiB - 1];
      const size = oneOf(rng, sizes);
      rawBlock("size", (u, t) => pad(docText(u, t, () => {}), size));
      if (rng() < 0.5) {
        // Huge, and hostile inside: a 1 MiB label value.
        rawBlock("size", (u, t) => docText(u, t, (d) => ((d.thanos as Record<string, unknown>).labels = { cluster_id: primary.value, blob: "<!channel>".repeat(110_000) })));
      }
      break;
    }
    case "deep": {
      const field = oneOf(rng, ["version", "minTime", "maxTime", "ulid", "labels", "labelValue", "compaction", "files", "stats", "extra", "thanos"] as const);
      const shape = oneOf(rng, ["array", "object"] as const);
      const depth = oneOf(rng, [500, 5_000, 50_000, 150_000]);
      const nest = deep(shape, depth);
      rawBlock(`deep-${field}-${shape}-${depth}`, (u, t) => {
        const text = docText(u, t, (d) => {
          const th = d.thanos as Record<string, unknown>;
          if (field === "labels") th.labels = "@@DEEP@@";
          else if (field === "labelValue") th.labels = { cluster_id: "@@DEEP@@" };
          else if (field === "files") th.files = "@@DEEP@@";
          else if (field === "extra") d.extra = "@@DEEP@@";
          else d[field] = "@@DEEP@@";
        });
        return text.replace('"@@DEEP@@"', nest);
      });
      break;
    }
    case "text": {
      const texts: ((u: string, t: number) => string)[] = [
        () => "",
        () => "   \n\t",
        () => "{",
        (u, t) => docText(u, t, () => {}).slice(0, 40 + int(rng, 200)),
        (u, t) => "\ufeff" + docText(u, t, () => {}),
        (u, t) => "// comment\n" + docText(u, t, () => {}),
        (u, t) => docText(u, t, () => {}).replace(/\}\s*$/, ",}"),
        (u, t) => docText(u, t, () => {}).replace('"version": 1', '"version": 2, "version": 1'),
        () => "null",
        () => "[]",
        () => '"meta"',
        () => "42",
        () => "true",
        (u, t) => docText(u, t, () => {}).replace(/"/g, "'"),
        (u, t) => Buffer.from(docText(u, t, () => {}), "utf16le").toString("latin1"),
        () => "\u0000".repeat(64),
      ];
      for (let i = 1 + int(rng, 2); i > 0; i--) rawBlock("malformed", oneOf(rng, texts));
      if (rng() < 0.5) {
        // A prefix without meta.json, idle for over 2h: a partial upload.
        const t = now - 3 * HOUR;
        const ulid = ulidAt(t + int(rng, 20 * MIN), rng);
        c.objects.push(...prefixObjects(ulid, null, t));
        c.blocks.push({ ulid, kind: "partial", expect: "ignored" });
      }
      break;
    }
    case "future": {
      const ahead = oneOf(rng, [HOUR, 24 * HOUR, 30 * 24 * HOUR, 365 * 24 * HOUR, 2 ** 48]);
      // A ULID from the future (uploader's clock ahead): a valid block, but it must not move the cursor.
      rawBlock("future-ulid", (u) => docText(u, now, () => {}, { cluster_id: primary.value }), { ulidTime: now + ahead });
      if (rng() < 0.6) {
        // Data from the future: a Prometheus whose clock ran ahead uploaded maxTime = now + ahead.
        // More than an hour ahead it is a corrupt finding and its cluster is absent; an hour exactly is
        // within the slack (valid, a cluster of its own). Its name is hostile either way.
        rawBlock("future-data", (u, t) => docText(u, t, (d) => ([d.minTime, d.maxTime] = [now - HOUR, Math.min(now + ahead, Number.MAX_SAFE_INTEGER)]), { cluster_id: newName().value }));
        const last = c.blocks.at(-1)!;
        if (last.expect === "valid" && !c.names.some((n) => n.value === last.cluster)) c.names.push({ value: last.cluster!, marker: c.markers.at(-1)! });
      }
      break;
    }
    case "collisions": {
      const marker = markerOf(rng);
      c.markers.push(marker);
      const base = `${marker}-prod`;
      const pairs: [string, string][] = [
        [`${base}-é`, `${base}-è`],
        [`${base}\u0000`, `${base}\u0001`],
        [`${base}\u200b`, base],
        [`${base}?`, `${base}é`],
        [`${base}${"a".repeat(1030)}x`, `${base}${"a".repeat(1030)}y`],
        [`${base}  x`, `${base} x`],
        [`${base}\t`, `${base} `],
        [`${base}🔥`, `${base}🌊`],
        [`${base}\ud800`, `${base}\udc00`],
      ];
      const [a, b] = oneOf(rng, pairs);
      validBlock({ value: a, marker });
      validBlock({ value: b, marker });
      break;
    }
  }
  return c;
}

function ulidTimeOf(ulid: string): number {
  let t = 0;
  for (const ch of ulid.slice(0, 10)) t = t * 32 + "0123456789ABCDEFGHJKMNPQRSTVWXYZ".indexOf(ch);
  return t;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export type Verdict =
  | { kind: "corrupt"; why: string; /** A future-data block's cluster label, if any. */ futureCluster?: string }
  | { kind: "unlabeled" }
  | { kind: "valid"; cluster: string; maxTime: number };

/** The largest time a JavaScript Date can hold: 8.64e15 ms after the epoch (year 275760). */
export const MAX_DATE_MS = 8.64e15;

/**
 * DOMAIN.md section 4, from the spec: what a meta.json under prefix `ulid` is. With `now`, also
 * blockwatch's freshness rule: data ending more than an hour after `now` is corrupt (whatever its
 * labels: it is judged before its cluster).
 */
export function classify(ulid: string, body: string, clusterLabel = "cluster_id", now?: number): Verdict {
  if (Buffer.byteLength(body, "utf8") > MiB) return { kind: "corrupt", why: "over 1 MiB" };
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return { kind: "corrupt", why: "not JSON" };
  }
  if (!isObject(raw)) return { kind: "corrupt", why: "not an object" };
  if (raw.version !== 1) return { kind: "corrupt", why: "version" };
  if (raw.ulid !== ulid) return { kind: "corrupt", why: "ulid" };
  const { minTime, maxTime } = raw;
  const time = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= MAX_DATE_MS;
  if (!time(minTime) || !time(maxTime) || !(minTime < maxTime)) return { kind: "corrupt", why: "times" };
  if (raw.thanos !== undefined && !isObject(raw.thanos)) return { kind: "corrupt", why: "thanos" };
  let labels = isObject(raw.thanos) ? raw.thanos.labels : undefined;
  if (labels === undefined || labels === null) labels = {};
  if (!isObject(labels) || !Object.values(labels).every((v) => typeof v === "string")) return { kind: "corrupt", why: "labels" };
  const cluster = Object.prototype.hasOwnProperty.call(labels, clusterLabel) ? (labels[clusterLabel] as string) : "";
  if (now !== undefined && maxTime > now + HOUR) return { kind: "corrupt", why: "future data", ...(cluster !== "" ? { futureCluster: cluster } : {}) };
  if (cluster === "") return { kind: "unlabeled" };
  return { kind: "valid", cluster, maxTime };
}
