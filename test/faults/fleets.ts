// Buckets for the scenarios, built with the lib/demo generators. Every stream draws from its own
// seeded random stream, so the blocks shipped by `now` are the same whichever later `now` a bucket is
// rebuilt for: a scenario can "ship" more blocks between runs without rewriting the old ones.
import { blockObjects, makeUlid, seededRandom, type BlockSpec, type BucketObject } from "../../lib/demo/bucket-objects";
import { BLOCK_MS, HOUR, sidecarBlocks } from "../../lib/demo/fleet";
import type { Expectation } from "./alerts";

export const MIN = 60_000;
export const DAY = 24 * HOUR;
/** 1h30m past an even UTC hour: 2h blocks were cut about 30 minutes ago. */
export const NOW = Date.UTC(2025, 10, 3, 15, 30);

function seedOf(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

export interface SmallFleet {
  objects: BucketObject[];
  expectedClusters: string[];
  /** What a first run (no ledger) announces: the clusters already down and the findings already there. */
  firstRunAlerts: Expectation[];
  /** Every cluster with blocks, and its status at `now`. */
  statuses: Record<string, string>;
}

/**
 * Six clusters (three healthy, one stalled 9h ago, one late, one expected but missing), a corrupt
 * meta.json, an aborted upload and a Prometheus without cluster_id: about 130 prefixes.
 */
export function smallFleet(now: number, opts: { stalledBack?: boolean } = {}): SmallFleet {
  const from = now - 2 * DAY;
  const blocks: BlockSpec[] = [];
  const stream = (cluster: string, extra: Partial<Parameters<typeof sidecarBlocks>[0]> = {}) =>
    blocks.push(...sidecarBlocks({ labels: { cluster_id: cluster }, from, ...extra }, now, seededRandom(seedOf(cluster))));
  for (const c of ["prod-us-east-1", "prod-eu-west-1", "dev-us-west-2"]) stream(c);
  stream("staging-ap-south-1", opts.stalledBack ? {} : { stopAt: now - 9 * HOUR });
  // Late by 3h40m: it turns stalled 20 minutes after `now`, so scenarios keep their runs within minutes.
  const lateEnd = now - 3 * HOUR - 40 * MIN;
  stream("qa-late", { from: now - DAY, offsetMs: lateEnd - Math.floor(lateEnd / BLOCK_MS) * BLOCK_MS, stopAt: now - 2 * HOUR });
  blocks.push(
    ...sidecarBlocks({ labels: { prometheus: "monitoring/k8s" }, from: now - 6 * HOUR }, now, seededRandom(seedOf("unlabeled"))),
  );
  const objects = blocks.flatMap((b) => blockObjects(b));
  const r = seededRandom(99);
  const corrupt = makeUlid(now - 20 * HOUR, r);
  objects.push(...blockObjects({ ulid: corrupt, minTime: now - 23 * HOUR, maxTime: now - 21 * HOUR, labels: {}, uploadTime: now - 20 * HOUR, metaText: `{"ulid":"${corrupt}","minTime":` }));
  const aborted = makeUlid(now - 2 * HOUR - 30 * MIN, r);
  objects.push(...blockObjects({ ulid: aborted, minTime: now - 5 * HOUR, maxTime: now - 3 * HOUR, labels: {}, uploadTime: now - 2 * HOUR - 30 * MIN, withoutMeta: true }));
  const statuses: Record<string, string> = {
    "prod-us-east-1": "ok",
    "prod-eu-west-1": "ok",
    "dev-us-west-2": "ok",
    "staging-ap-south-1": opts.stalledBack ? "ok" : "stalled",
    "qa-late": "late",
    "prod-ap-northeast-1": "missing",
  };
  return {
    objects,
    expectedClusters: ["prod-us-east-1", "staging-ap-south-1", "prod-ap-northeast-1"],
    firstRunAlerts: [
      ...(opts.stalledBack ? [] : [{ section: "stalled" as const, name: "staging-ap-south-1" }]),
      { section: "missing", name: "prod-ap-northeast-1" },
      { section: "corrupt", name: corrupt },
      { section: "partial", name: aborted },
      { section: "unlabeled", name: '{prometheus="monitoring/k8s"}' },
    ],
    statuses,
  };
}

/** The same sidecar stream as smallFleet's, as shipped by `now` when its sidecar never stopped. */
export function resumedStream(cluster: string, fleetNow: number, now: number): BucketObject[] {
  return sidecarBlocks({ labels: { cluster_id: cluster }, from: fleetNow - 2 * DAY }, now, seededRandom(seedOf(cluster))).flatMap((b) => blockObjects(b));
}

/** One fresh sidecar block of `cluster` (a new upload between runs). */
export function freshBlock(cluster: string, now: number, seed = 1): BucketObject[] {
  const r = seededRandom(seedOf(cluster) ^ seed);
  const ulid = makeUlid(now - 2 * MIN, r);
  // Starts where smallFleet's last 2h block ended (NOW - 1h30m): no overlap with it.
  return blockObjects({ ulid, minTime: now - 90 * MIN, maxTime: now - 30 * MIN, labels: { cluster_id: cluster }, uploadTime: now - MIN });
}

/** A corrupt block created just now (a new finding between runs). */
export function corruptBlock(now: number, seed = 3): { ulid: string; objects: BucketObject[] } {
  const ulid = makeUlid(now - 3 * MIN, seededRandom(seed));
  return { ulid, objects: blockObjects({ ulid, minTime: now - 3 * HOUR, maxTime: now - HOUR, labels: {}, uploadTime: now - 2 * MIN, metaText: '{"version": 2}' }) };
}
