// The benchmark's bucket: a fleet of clusters whose sidecars ship 2h blocks, a compactor that turns
// every complete 8h window into a level-2 block and marks its sources for deletion (deleted 48h
// later), HA pairs, stalled and late clusters, expected clusters that never uploaded, and the junk
// Thanos and Kubecost leave at the top level. Built as a timeline (each object appears, and may
// disappear, at a known time) so the bucket at T0 and at T1 = T0 + 2h, and the difference between
// them, come from one deterministic history.
import { blockObjects, makeUlid, seededRandom, type BlockSpec } from "../lib/demo/bucket-objects";
import { BLOCK_MS, DELETE_DELAY_MS, HOUR, compactedBlock, sidecarBlocks } from "../lib/demo/fleet";
import type { BenchObject } from "./server";

const DAY = 24 * HOUR;
const WINDOW = 4 * BLOCK_MS;
const COMPACT_DELAY = 4 * HOUR;

export type ClusterKind = "healthy" | "ha" | "stalled" | "late" | "long-stalled";

export interface TimedBlock {
  spec: BlockSpec;
  /** When its meta.json (and so the whole block) is in the bucket. */
  appear: number;
  /** deletion-mark.json written at this time (compacted sources). */
  markedAt: number | null;
  /** Gone from the bucket (every object) at this time. */
  until: number;
}

export interface Fleet {
  t1: number;
  clusters: { name: string; kind: ClusterKind; streams: number }[];
  /** Every cluster that should report, including `missing` ones that never uploaded. */
  expected: string[];
  blocks: TimedBlock[];
  junk: BenchObject[];
}

/** FNV-1a: a stable seed from a name. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function kindOf(i: number): ClusterKind {
  if (i % 10 === 0) return "ha";
  if (i % 40 === 1) return "stalled";
  if (i % 40 === 2) return "late";
  if (i % 100 === 3) return "long-stalled";
  return "healthy";
}

/**
 * `clusters` clusters with `days` days of history ending at `t1`. Kinds by index: every 10th an HA
 * pair (two streams), every 40th (+1) stalled 5-48h before T1, every 40th (+2) late at T1 (its
 * newest block ended 3h45m before T1, ok at T0), every 100th (+3) stalled for days; one expected
 * cluster in a hundred (at least one) never uploaded anything.
 */
export function generateFleet(clusters: number, days: number, t1: number): Fleet {
  const from = t1 - days * DAY;
  const out: Fleet = { t1, clusters: [], expected: [], blocks: [], junk: [] };
  for (let i = 0; i < clusters; i++) {
    const name = `kc-${String(i).padStart(5, "0")}`;
    const kind = kindOf(i);
    const streams = kind === "ha" ? [{ cluster_id: name, prometheus_replica: "r0" }, { cluster_id: name, prometheus_replica: "r1" }] : [{ cluster_id: name }];
    out.clusters.push({ name, kind, streams: streams.length });
    out.expected.push(name);
    for (const labels of streams) {
      const key = JSON.stringify(labels);
      const random = seededRandom(hash(key));
      let stopAt: number | undefined;
      let offsetMs: number | undefined;
      if (kind === "stalled") stopAt = t1 - (5 + (Math.floor(i / 40) % 44)) * HOUR;
      if (kind === "long-stalled") stopAt = t1 - Math.min(3 * DAY, Math.max(6 * HOUR, days * DAY - 6 * HOUR));
      if (kind === "late") {
        // The block ending 3h45m before T1 is the last one shipped: ok at T0, late at T1.
        const lateEnd = t1 - 3 * HOUR - 45 * 60_000;
        offsetMs = lateEnd - Math.floor(lateEnd / BLOCK_MS) * BLOCK_MS;
        stopAt = t1 - 2 * HOUR;
      }
      const blocks = sidecarBlocks({ labels, from, stopAt, offsetMs }, t1, random);
      out.blocks.push(...compact(blocks, key, t1));
    }
  }
  for (let i = 0; i < Math.max(1, Math.round(clusters / 100)); i++) out.expected.push(`kc-absent-${String(i).padStart(3, "0")}`);
  // Thanos <= 0.24 debug metas and Kubecost ETL files: top-level names that are not blocks.
  const junkRandom = seededRandom(hash("junk"));
  for (let i = 0; i < 3; i++) {
    out.junk.push({ key: `debug/metas/${makeUlid(from + i * HOUR, junkRandom)}.json`, body: "{}", mtime: from + i * HOUR });
  }
  out.junk.push({ key: "etl/bingen/daily/2025.json", body: "{}", mtime: from }, { key: "federated/cluster-one/1.json", body: "{}", mtime: from });
  return out;
}

/**
 * The compactor over one stream, as a timeline: a complete 8h window is compacted once its delay
 * has passed, provided a newer block already existed then (it never compacts the newest block).
 */
function compact(blocks: BlockSpec[], streamKey: string, t1: number): TimedBlock[] {
  const out: TimedBlock[] = [];
  const groups = new Map<number, BlockSpec[]>();
  for (const b of blocks) {
    const w = Math.floor(b.minTime / WINDOW) * WINDOW;
    groups.set(w, [...(groups.get(w) ?? []), b]);
  }
  for (const [w, members] of groups) {
    const random = seededRandom(hash(`${streamKey}@${w}`));
    const compactAt = w + WINDOW + COMPACT_DELAY + Math.floor(random() * 600_000);
    const lastEnd = Math.max(...members.map((m) => m.maxTime));
    const ready =
      members.length === 4 &&
      compactAt <= t1 &&
      members.every((m) => m.uploadTime <= compactAt) &&
      blocks.some((b) => b.minTime >= lastEnd && b.uploadTime <= compactAt);
    if (!ready) {
      for (const m of members) out.push({ spec: m, appear: m.uploadTime, markedAt: null, until: Infinity });
      continue;
    }
    const level2 = compactedBlock(members, compactAt, random);
    out.push({ spec: level2, appear: level2.uploadTime, markedAt: null, until: Infinity });
    const markedAt = compactAt + 6_000;
    for (const m of members) out.push({ spec: m, appear: m.uploadTime, markedAt, until: markedAt + DELETE_DELAY_MS });
  }
  return out;
}

const visible = (b: TimedBlock, t: number) => b.appear <= t && t < b.until;

/** The objects of one block as they are at time `t`. */
function objectsOf(b: TimedBlock, t: number): BenchObject[] {
  const objects: BenchObject[] = blockObjects(b.spec);
  if (b.markedAt !== null && b.markedAt <= t) {
    objects.push({
      key: `${b.spec.ulid}/deletion-mark.json`,
      body: JSON.stringify({ id: b.spec.ulid, deletion_time: Math.floor(b.markedAt / 1000), version: 1 }),
      mtime: b.markedAt,
    });
  }
  return objects;
}

/** The whole bucket at time `t`. */
export function* bucketAt(fleet: Fleet, t: number): Generator<BenchObject> {
  for (const o of fleet.junk) if (o.mtime <= t) yield o;
  for (const b of fleet.blocks) if (visible(b, t)) yield* objectsOf(b, t);
}

export interface Delta {
  put: BenchObject[];
  remove: string[];
  /** Block prefixes that appeared in (t0, t1]. */
  newPrefixes: number;
  /** Of which shipped by a sidecar (the rest: compactor). */
  newSidecarPrefixes: number;
}

/** What changed between `t0` and `t1`: new blocks and deletion marks, deleted blocks. */
export function delta(fleet: Fleet, t0: number, t1: number): Delta {
  const d: Delta = { put: [], remove: [], newPrefixes: 0, newSidecarPrefixes: 0 };
  for (const b of fleet.blocks) {
    const before = visible(b, t0);
    const after = visible(b, t1);
    if (!before && after) {
      d.put.push(...objectsOf(b, t1));
      d.newPrefixes++;
      if ((b.spec.source ?? "sidecar") === "sidecar") d.newSidecarPrefixes++;
    } else if (before && !after) {
      d.remove.push(...objectsOf(b, t0).map((o) => o.key));
    } else if (before && after && b.markedAt !== null && b.markedAt > t0 && b.markedAt <= t1) {
      d.put.push(...objectsOf(b, t1).filter((o) => o.key.endsWith("/deletion-mark.json")));
    }
  }
  return d;
}

/** Block prefixes in the bucket at `t`. */
export function prefixCount(fleet: Fleet, t: number): number {
  let n = 0;
  for (const b of fleet.blocks) if (visible(b, t)) n++;
  return n;
}
