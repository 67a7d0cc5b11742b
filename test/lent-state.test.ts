// The scheduled run lends the state it read to the engine (lib/engine/check.ts LentState): in a run
// of several parts the engine lets go of it once the first part is folded, so the previous streams
// are not held beside the new ones for the rest of the run. A run whose bucket fails after that
// must still save the state it began with, unchanged: it reads the document again.
import { describe, expect, it } from "vitest";
import { BucketError, type BucketReader } from "../lib/bucket/bucket";
import { blockObjects, seededRandom } from "../lib/demo/bucket-objects";
import { HOUR, sidecarBlocks } from "../lib/demo/fleet";
import { checkBucket, type LentState } from "../lib/engine/check";
import { runMonitor, type MonitorDeps } from "../lib/monitor/run";
import { DEFAULT_POLICY } from "../lib/policy/policy";
import { MemoryBucket } from "../lib/simulate/memory-bucket";
import { MemoryStateStore } from "../lib/simulate/replay";
import { emptyState, parseState } from "../lib/state/state";

const T1 = Date.parse("2025-11-10T00:05:00Z");
const T2 = T1 + 2 * HOUR;
const CLUSTERS = 12;

/** 12 clusters shipping 2h blocks for a day: the blocks up to T1 now, the rest by T2 (one each). */
function fleet() {
  const bucket = new MemoryBucket();
  const later: Parameters<MemoryBucket["apply"]>[0][] = [];
  const random = seededRandom(9);
  for (let c = 0; c < CLUSTERS; c++) {
    for (const b of sidecarBlocks({ labels: { cluster_id: `c${c}` }, from: T1 - 24 * HOUR }, T2, random)) {
      for (const o of blockObjects(b)) (o.mtime <= T1 ? bucket.apply({ at: o.mtime, key: o.key, body: o.body }) : later.push({ at: o.mtime, key: o.key, body: o.body }));
    }
  }
  return { bucket, landLater: () => later.forEach((e) => bucket.apply(e)) };
}

/** The bucket, failing every listing from the `failAt`-th on (counted from `arm()`): a part's first request is a listing. */
function failingAfter(bucket: MemoryBucket, failAt: number): BucketReader & { arm(): void } {
  let lists: number | null = null;
  return {
    get location() {
      return bucket.location;
    },
    get requests() {
      return bucket.requests;
    },
    arm: () => void (lists = 0),
    listTopLevel: (startAfter) => {
      if (lists !== null && ++lists >= failAt) throw new BucketError("access-denied", "Access Denied on ListObjectsV2");
      return bucket.listTopLevel(startAfter);
    },
    readMeta: (block, maxBytes) => bucket.readMeta(block, maxBytes),
    listBlock: (block) => bucket.listBlock(block),
    hasDeletionMark: (block) => bucket.hasDeletionMark(block),
    hasMeta: (block) => bucket.hasMeta(block),
  };
}

function deps(bucket: BucketReader, store: MemoryStateStore, now: number): MonitorDeps {
  return {
    bucket,
    store,
    alerts: { publish: async () => {} },
    metrics: { put: async (_ns, d) => ({ sent: d.length, failed: 0, errors: [] }) },
    log: { log: () => {} },
    clock: () => now,
  };
}

const opts = (blocksPerPart: number) => ({ policy: DEFAULT_POLICY, metricNamespace: "Blockwatch", perClusterMetrics: false, concurrency: 1, blocksPerPart });

describe("the state lent to the engine", () => {
  it("is let go of after the first of several parts, and kept by a run of one part", async () => {
    const { bucket, landLater } = fleet();
    const first = await checkBucket(bucket, emptyState(), T1, DEFAULT_POLICY, { concurrency: 4 });
    landLater();
    const many: LentState = { lent: first.state };
    const parted = await checkBucket(bucket, many, T2, DEFAULT_POLICY, { concurrency: 1, maxBlocks: 4 });
    expect(parted.parts.parts).toBeGreaterThan(1);
    expect(many.lent).toBeNull();
    const one: LentState = { lent: first.state };
    const whole = await checkBucket(bucket, one, T2, DEFAULT_POLICY, { concurrency: 1 });
    expect(whole.parts.parts).toBe(1);
    expect(one.lent).toBe(first.state);
    // Letting go changes nothing judged.
    expect(parted.report.clusters).toEqual(whole.report.clusters);
    expect(Object.keys(parted.state.streams).sort()).toEqual(Object.keys(whole.state.streams).sort());
  });

  it("collects garbage where the run lets go of much: after the load, after each part's scan and fold, around the save", async () => {
    const { bucket, landLater } = fleet();
    const store = new MemoryStateStore();
    await runMonitor(deps(bucket, store, T1), T1, opts(4_000));
    landLater();
    const points: string[] = [];
    const [lists, saves] = [bucket.requests.listRequests, store.saves];
    const where = () => (store.saves > saves ? "after the save" : bucket.requests.listRequests === lists ? "after the load" : "in the check, or before the save");
    await runMonitor({ ...deps(bucket, store, T2), collect: () => void points.push(where()) }, T2, opts(4));
    // Two parts: after the load; before each part's judgement (2); between the parts; before the save; after it.
    expect(points).toEqual(["after the load", ...Array(4).fill("in the check, or before the save"), "after the save"]);
  });

  for (const [where, failAt] of [
    ["the first part", 1],
    ["a later part, after the engine let go of the state", 2],
  ] as const) {
    it(`a bucket failing in ${where} leaves the saved engine state as it was`, async () => {
      const { bucket: memory, landLater } = fleet();
      const bucket = failingAfter(memory, failAt);
      const store = new MemoryStateStore();
      await runMonitor(deps(bucket, store, T1), T1, opts(4_000));
      const before = parseState(store.peek()!);
      expect(Object.keys(before.streams)).toHaveLength(CLUSTERS);
      landLater();
      bucket.arm();
      const loads = store.loads;
      await expect(runMonitor(deps(bucket, store, T2), T2, opts(4))).rejects.toThrow(BucketError);
      const after = parseState(store.peek()!);
      expect(after.streams).toEqual(before.streams);
      expect(after.seen).toBe(before.seen);
      expect(after.cursor).toBe(before.cursor);
      expect(after.clusters).toEqual(before.clusters);
      // Only a run that let go of the state reads it a second time.
      expect(store.loads - loads).toBe(failAt > 1 ? 2 : 1);
    });
  }
});
