// Blocks uploaded late with old ULIDs (issue 9 part 1): a sidecar that recovers ships its backlog
// oldest first, blocks created hours or days before the run's cursor. A run with state must see
// every block a run without state sees, over a bucket that grows run by run, whenever each block
// was uploaded. Scheduled runs start seconds early or late, as EventBridge and Lambda do.
import { describe, expect, it } from "vitest";
import { blockObjects, makeUlid, seededRandom, type BlockSpec, type BucketObject } from "../lib/demo/bucket-objects";
import { BLOCK_MS, HOUR, sidecarBlocks } from "../lib/demo/fleet";
import { BLOCKS_PER_PART, checkBucket } from "../lib/engine/check";
import type { Report } from "../lib/health/report";
import { DEFAULT_POLICY, type Policy } from "../lib/policy/policy";
import { MemoryBucket } from "../lib/simulate/memory-bucket";
import { emptyState, parseState, serializeState, type State } from "../lib/state/state";
import { ulidMs } from "./support/fleet";

const MIN = 60_000;
const T0 = Date.parse("2025-11-10T00:05:00Z");
const policy: Policy = DEFAULT_POLICY;

/**
 * The verdict of a report: everything but run statistics and what depends on the previous run. The
 * retention reading is taken once a day (rules/retention.ts): a run with state shows the day's.
 */
function verdict(r: Report) {
  const { stats: _s, newClusters: _n, retention: _r, ...rest } = r;
  return { ...rest, clusters: rest.clusters.map(({ since: _x, blocksUploaded: _b, bytesUploaded: _y, ...c }) => c) };
}

interface Replay {
  reports: Report[];
  stateless: Report[];
  /** meta.json reads of each stateful run, and the prefixes that appeared since the run before. */
  reads: { metaRead: number; newPrefixes: number }[];
  /** The most blocks a stateful run held at once. */
  peakBlocks: number[];
}

/** A report without its run statistics (requests, time): what reading in parts must not change. */
function judged(r: Report) {
  const { stats: _s, ...rest } = r;
  return rest;
}

/** A state with each stream's remembered ranges in ULID order (the order they were folded in is no fact). */
function settled(state: State) {
  const streams = Object.fromEntries(Object.entries(state.streams).map(([k, v]) => [k, { ...v, ranges: [...v.ranges].sort((a, b) => (a[0] < b[0] ? -1 : 1)) }]));
  return { ...state, streams };
}

/**
 * Runs every 2h (±30 s of jitter) from T0 for `runs` runs over a bucket whose objects appear at
 * their mtime; each run with the state of the one before (saved and parsed, as the Lambda does)
 * and, beside it, a run without state over the same bucket.
 */
async function replay(objects: BucketObject[], runs: number, every = 2 * HOUR, partBlocks = 3): Promise<Replay> {
  const bucket = new MemoryBucket();
  const jitter = seededRandom(7);
  const sorted = [...objects].sort((a, b) => a.mtime - b.mtime);
  let next = 0;
  let state = emptyState();
  const out: Replay = { reports: [], stateless: [], reads: [], peakBlocks: [] };
  const seenPrefixes = new Set<string>();
  for (let i = 0; i < runs; i++) {
    const now = T0 + i * every + Math.round((jitter() - 0.5) * 60_000);
    let newPrefixes = 0;
    while (next < sorted.length && sorted[next]!.mtime <= now) {
      const o = sorted[next++]!;
      bucket.apply({ at: o.mtime, key: o.key, body: o.body });
      const prefix = o.key.slice(0, o.key.indexOf("/"));
      if (!seenPrefixes.has(prefix)) newPrefixes++, seenPrefixes.add(prefix);
    }
    const stateful = await checkBucket(bucket, state, now, policy, { concurrency: 8 });
    // Without state, the whole lookback folded at once: the reference the runs in parts must meet.
    const stateless = await checkBucket(bucket, emptyState(), now, policy, { concurrency: 8, maxBlocks: Infinity });
    // The same run read in parts of a few blocks, the state lent as the scheduled run lends it (the
    // engine lets go of it after the first part): the same report and the same state, block for block.
    const parted = await checkBucket(bucket, { lent: state }, now, policy, { concurrency: 8, maxBlocks: partBlocks });
    expect(judged(parted.report), `run ${i} in parts of ${partBlocks}`).toEqual(judged(stateful.report));
    expect(settled(parted.state), `run ${i} in parts of ${partBlocks}: state`).toEqual(settled(stateful.state));
    expect(parted.parts.peakBlocks).toBeLessThanOrEqual(partBlocks + 1000);
    out.peakBlocks.push(stateful.parts.peakBlocks);
    state = parseState(serializeState(stateful.state));
    out.reports.push(stateful.report);
    out.stateless.push(stateless.report);
    out.reads.push({ metaRead: stateful.report.stats.metaRead, newPrefixes });
  }
  return out;
}

function expectStatefulEqualsStateless(r: Replay) {
  for (const [i, report] of r.reports.entries()) expect(verdict(report), `run ${i} at ${report.now}`).toEqual(verdict(r.stateless[i]!));
}

const objectsOf = (specs: BlockSpec[]) => specs.flatMap((b) => blockObjects(b));

/** A healthy stream for context, and a stream whose sidecar is stuck from `stuckFrom` and ships at `shipAt`. */
function outage(opts: { stuckFrom: number; shipAt: number; seed: number; firstUploadDies?: boolean; spacing?: number }) {
  const random = seededRandom(opts.seed);
  const end = T0 + 3 * 24 * HOUR;
  const healthy = sidecarBlocks({ labels: { cluster_id: "healthy" }, from: T0 - 3 * 24 * HOUR }, end, random);
  const blocks = sidecarBlocks({ labels: { cluster_id: "recovers" }, from: T0 - 3 * 24 * HOUR }, end, random);
  const backlog = blocks.filter((b) => b.uploadTime > opts.stuckFrom && b.uploadTime <= opts.shipAt);
  const objects = [...objectsOf(healthy), ...objectsOf(blocks.filter((b) => !backlog.includes(b)))];
  const shipped = backlog.map((b, i) => ({ ...b, uploadTime: opts.shipAt + i * (opts.spacing ?? 10_000) }));
  let died: string | null = null;
  if (opts.firstUploadDies) {
    // The first backlog upload dies half way (IAM or KMS denied mid-upload): chunks, no meta.json.
    const first = shipped.shift()!;
    died = first.ulid;
    objects.push(...blockObjects({ ...first, withoutMeta: true }));
  }
  objects.push(...objectsOf(shipped));
  return { objects, backlog: backlog.map((b) => b.ulid), died };
}

describe("a run with state sees blocks uploaded late with old ULIDs", () => {
  it("a backlog after an 8h outage whose first upload died half way: the partial block is reported, the backlog counted", async () => {
    const o = outage({ stuckFrom: T0 - 8 * HOUR, shipAt: T0 + 3 * HOUR, seed: 1, firstUploadDies: true });
    expect(ulidMs(o.died!)).toBeLessThan(T0 - 6 * HOUR); // created hours before the first run's cursor
    const r = await replay(o.objects, 6);
    expectStatefulEqualsStateless(r);
    expect(r.reports[0]!.clusters.find((c) => c.cluster === "recovers")!.status).toBe("stalled");
    expect(r.reports[3]!.partialBlocks.map((p) => p.block)).toContain(o.died);
    expect(r.reports[3]!.clusters.find((c) => c.cluster === "recovers")!.status).toBe("ok");
    // One GET per new block, old ULIDs too; nothing read twice.
    for (const x of r.reads.slice(1)) expect(x.metaRead).toBe(x.newPrefixes);
  });

  it("a backlog after a 30h outage (ULIDs a day and more before the cursor)", async () => {
    const o = outage({ stuckFrom: T0 - 30 * HOUR, shipAt: T0 + HOUR, seed: 2 });
    expect(o.backlog.length).toBeGreaterThanOrEqual(14);
    const r = await replay(o.objects, 4);
    expectStatefulEqualsStateless(r);
    const after = r.reports[1]!.clusters.find((c) => c.cluster === "recovers")!;
    expect(after.status).toBe("ok");
    expect(after.blocksUploaded).toBeGreaterThanOrEqual(o.backlog.length);
    for (const x of r.reads.slice(1)) expect(x.metaRead).toBe(x.newPrefixes);
  });

  it("a backlog arriving across several runs, one block every 40 minutes", async () => {
    const o = outage({ stuckFrom: T0 - 12 * HOUR, shipAt: T0 + HOUR, seed: 3, spacing: 40 * MIN });
    const r = await replay(o.objects, 6);
    expectStatefulEqualsStateless(r);
    const lags = r.reports.map((x) => x.clusters.find((c) => c.cluster === "recovers")!.dataLagSeconds!);
    // The lag shrinks run by run as the backlog lands, oldest first.
    expect(lags[1]!).toBeLessThan(lags[0]!);
    expect(lags[3]!).toBeLessThan(lags[1]!);
  });

  it("a retried upload of a block created 6 days ago is read (the whole lookback is listed)", async () => {
    const random = seededRandom(4);
    const healthy = sidecarBlocks({ labels: { cluster_id: "healthy" }, from: T0 - 3 * 24 * HOUR }, T0 + 12 * HOUR, random);
    const old = makeUlid(T0 - 6 * 24 * HOUR, random);
    const late: BlockSpec = { ulid: old, minTime: T0 - 6 * 24 * HOUR - 3 * HOUR, maxTime: T0 - 6 * 24 * HOUR - HOUR, labels: { cluster_id: "old-backfill" }, uploadTime: T0 + 3 * HOUR };
    const r = await replay([...objectsOf(healthy), ...objectsOf([late])], 3);
    expectStatefulEqualsStateless(r);
    expect(r.reports[2]!.clusters.map((c) => c.cluster)).toContain("old-backfill");
  });
});

describe("a duplicate cluster_id whose blocks arrive late", () => {
  it("10h late: compared with the whole lookback's coverage, the overlap names the same blocks as a run without state", async () => {
    const random = seededRandom(5);
    const end = T0 + 24 * HOUR;
    const labels = { cluster_id: "cluster-one" };
    const first = sidecarBlocks({ labels, from: T0 - 3 * 24 * HOUR }, end, random);
    // A second Prometheus on the same cluster_id, its sidecar unable to upload until T0+3h: its
    // blocks (created on time) arrive 10h and more after their data.
    const second = sidecarBlocks({ labels, from: T0 - 14 * HOUR, offsetMs: 17 * MIN }, end, random);
    const late = second.map((b) => (b.uploadTime <= T0 + 3 * HOUR ? { ...b, uploadTime: T0 + 3 * HOUR + 1000 } : b));
    const r = await replay([...objectsOf(first), ...objectsOf(late)], 4);
    expectStatefulEqualsStateless(r);
    const overlap = r.reports[2]!.overlaps.find((x) => x.cluster === "cluster-one")!;
    // The oldest of the second server's blocks overlaps first-server blocks older than the 8h memory.
    const oldPartner = first.find((b) => b.maxTime > second[0]!.minTime && b.minTime < second[0]!.maxTime)!;
    expect(r.reports[2]!.now > new Date(oldPartner.maxTime + policy.overlapMemoryMs).toISOString()).toBe(true);
    expect(overlap.blocks).toContain(oldPartner.ulid);
    expect(overlap.blocks).toContain(second[0]!.ulid);
  });
});

describe("blocks in a growing bucket: the edge of the lookback", () => {
  it("a stream whose only blocks are old keeps being judged until they leave the window, then is forgotten", async () => {
    const random = seededRandom(6);
    const last = Math.floor((T0 - 6 * 24 * HOUR) / BLOCK_MS) * BLOCK_MS;
    const specs = sidecarBlocks({ labels: { cluster_id: "gone" }, from: last - 6 * HOUR, stopAt: last + 2 * HOUR + 30 * MIN }, T0, random);
    const r = await replay(objectsOf(specs), 14);
    expectStatefulEqualsStateless(r);
    expect(r.reports[0]!.clusters.map((c) => c.cluster)).toEqual(["gone"]);
    expect(r.reports.at(-1)!.clusters).toEqual([]);
  });
});

describe("a large bucket listed in parallel slices", () => {
  it("late blocks in every slice are read once; the verdict equals a run without state", async () => {
    const random = seededRandom(8);
    const specs: BlockSpec[] = [];
    // 220 clusters x 7 days of 2h blocks: ~18,500 prefixes, three slices.
    for (let c = 0; c < 220; c++) specs.push(...sidecarBlocks({ labels: { cluster_id: `c${c}` }, from: T0 - 7 * 24 * HOUR + HOUR }, T0 + 4 * HOUR, random));
    // Three clusters stuck 2, 3 and 4 days, shipping their backlog at T0+3h.
    const stuck = ["c1", "c2", "c3"];
    const objects = objectsOf(
      specs.map((b) => {
        const i = stuck.indexOf(b.labels.cluster_id!);
        return i >= 0 && b.uploadTime > T0 - (i + 2) * 24 * HOUR && b.uploadTime <= T0 + 3 * HOUR ? { ...b, uploadTime: T0 + 3 * HOUR + 1000 } : b;
      }),
    );
    const r = await replay(objects, 3, 2 * HOUR, 1_500);
    expectStatefulEqualsStateless(r);
    // The first run folds the lookback in parts: it never holds every block (a page past the budget at most).
    expect(r.reads[0]!.metaRead).toBeGreaterThan(3 * BLOCKS_PER_PART);
    expect(r.peakBlocks[0]).toBeLessThan(BLOCKS_PER_PART + 1000);
    const [first, , third] = r.reports;
    expect(first!.clusters.filter((c) => c.status === "stalled").map((c) => c.cluster).sort()).toEqual(stuck);
    expect(third!.clusters.filter((c) => c.status !== "ok")).toEqual([]);
    for (const x of r.reads.slice(1)) expect(x.metaRead).toBe(x.newPrefixes);
    // Every page of the window, plus at most one page past its end for each slice but the last.
    const pages = Math.ceil(third!.stats.prefixesListed / 1000);
    expect(third!.stats.listRequests).toBeGreaterThanOrEqual(pages);
    expect(third!.stats.listRequests).toBeLessThanOrEqual(pages + 2);
  }, 60_000);
});
