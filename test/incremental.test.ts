// A bucket that grows between runs: the run with state must reach the verdict a run without state
// reaches over the same bucket at the same moment, while reading only what is new.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseObjstoreConfig } from "../lib/bucket/config";
import { openBucket } from "../lib/bucket/open";
import { blockObjects, makeUlid, seededRandom, type BlockSpec, type BucketObject } from "../lib/demo/bucket-objects";
import { BLOCK_MS, HOUR, sidecarBlocks } from "../lib/demo/fleet";
import { checkBucket } from "../lib/engine/check";
import type { Report } from "../lib/health/report";
import { DEFAULT_POLICY, type Policy } from "../lib/policy/policy";
import { emptyState, parseState, serializeState, type State } from "../lib/state/state";
import { putS3Objects, writeFilesystemObjects, type TestStore } from "./support/buckets";
import { runCli } from "./support/cli";
import { judgeTimeAheadOf, ulidMs } from "./support/fleet";
import { filesystemObjstoreYaml, s3ObjstoreYaml, startLocalS3, type LocalS3 } from "./support/s3-server";

const MIN = 60_000;
const ULID_RE = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;
const EXPECTED = ["steady-a", "never-installed"];
const policy: Policy = { ...DEFAULT_POLICY, expectedClusters: EXPECTED };

/** The verdict of a report: everything but run statistics and what depends on the previous run. */
function verdict(r: Report) {
  const { stats: _s, newClusters: _n, ...rest } = r;
  return { ...rest, clusters: rest.clusters.map(({ since: _x, blocksUploaded: _b, bytesUploaded: _y, ...c }) => c) };
}
const statuses = (r: Report) => Object.fromEntries(r.clusters.map((c) => [c.cluster, c.status]));
const prefixOf = (key: string) => key.slice(0, key.indexOf("/"));

/**
 * Every object the bucket will ever hold up to t0+4h, each with the time it is written (its mtime).
 * The bucket at time t is every object written at or before t.
 */
function growingBucket(t0: number) {
  const random = seededRandom(42);
  const end = t0 + 4 * HOUR;
  const objects: BucketObject[] = [];
  const add = (specs: BlockSpec[]) => objects.push(...specs.flatMap((b) => blockObjects(b)));

  // Healthy all along. One block's upload stalls half way at t0 and completes at t0+1h.
  const steadyA = sidecarBlocks({ labels: { cluster_id: "steady-a" }, from: t0 - 2 * 24 * HOUR }, end, random);
  const resumed = steadyA.find((b) => ulidMs(b.ulid) > t0 - HOUR && ulidMs(b.ulid) <= t0)!;
  for (const b of steadyA) {
    if (b !== resumed) add([b]);
    else {
      const uploadTime = t0 + HOUR;
      objects.push(
        ...blockObjects({ ...b, uploadTime }).map((o) => (o.key.endsWith("meta.json") ? o : { ...o, mtime: ulidMs(b.ulid) })),
      );
    }
  }
  // Healthy; at t0+1h the compactor turns four of its old 2h blocks into one 8h block.
  const steadyB = sidecarBlocks({ labels: { cluster_id: "steady-b", prometheus_replica: "r0" }, from: t0 - 2 * 24 * HOUR }, end, random);
  add(steadyB);
  const w = Math.floor((t0 - 24 * HOUR) / (4 * BLOCK_MS)) * 4 * BLOCK_MS;
  const sources = steadyB.filter((b) => b.minTime >= w && b.maxTime <= w + 4 * BLOCK_MS);
  const compactAt = t0 + HOUR;
  const compacted: BlockSpec = {
    ulid: makeUlid(compactAt, random),
    minTime: w,
    maxTime: w + 4 * BLOCK_MS,
    labels: steadyB[0]!.labels,
    source: "compactor",
    level: 2,
    sources: sources.map((s) => s.ulid),
    uploadTime: compactAt + 5_000,
  };
  add([compacted]);
  for (const s of sources) objects.push(...blockObjects({ ...s, deletedAt: compactAt + 6_000 }).filter((o) => o.key.endsWith("deletion-mark.json")));

  // Its newest data ends 1h40m before t0 and it uploads nothing after t0: late at t0+2h, stalled at t0+4h.
  const lastEnd = t0 - HOUR - 40 * MIN;
  add(sidecarBlocks({ labels: { cluster_id: "stalls" }, from: t0 - 2 * 24 * HOUR, offsetMs: lastEnd % BLOCK_MS, stopAt: t0 }, end, random));

  // Stuck since t0-8h; at t0+1h40m its sidecar ships the backlog, oldest first: blocks whose ULIDs
  // (creation times) lie up to 6h before the cursor of the first run.
  const recovers = sidecarBlocks({ labels: { cluster_id: "recovers" }, from: t0 - 2 * 24 * HOUR }, end, random);
  const stuckFrom = t0 - 8 * HOUR;
  const shipAt = t0 + 2 * HOUR - 20 * MIN;
  const backlog = recovers.filter((b) => b.uploadTime > stuckFrom && b.uploadTime <= shipAt);
  add(recovers.filter((b) => !backlog.includes(b)));
  add(backlog.map((b, i) => ({ ...b, uploadTime: shipAt + i * 10_000 })));

  // A cluster installed meanwhile: its first block arrives between the first and second run.
  add(sidecarBlocks({ labels: { cluster_id: "newbie" }, from: t0 - HOUR - 30 * MIN }, end, random));

  // Two Prometheus servers on the chart's default cluster_id: overlapping blocks in every run.
  add(sidecarBlocks({ labels: { cluster_id: "cluster-one" }, from: t0 - 10 * HOUR }, end, random));
  add(sidecarBlocks({ labels: { cluster_id: "cluster-one" }, from: t0 - 10 * HOUR, offsetMs: 17 * MIN }, end, random));

  // A Prometheus without cluster_id.
  add(sidecarBlocks({ labels: { prometheus: "monitoring/k8s" }, from: t0 - 6 * HOUR }, end, random));

  // An upload aborted 3h before t0 (its objects no newer than its ULID, so S3 ages it the same).
  const aborted = makeUlid(t0 - 3 * HOUR, random);
  objects.push(...blockObjects({ ulid: aborted, minTime: t0 - 6 * HOUR, maxTime: t0 - 4 * HOUR, labels: {}, uploadTime: t0 - 3 * HOUR, withoutMeta: true }));

  // A block whose meta.json was cut short, uploaded between the second and third run.
  const corruptAt = t0 + 3 * HOUR;
  const corrupt = makeUlid(corruptAt, random);
  objects.push(...blockObjects({ ulid: corrupt, minTime: t0, maxTime: t0 + 2 * HOUR, labels: { cluster_id: "steady-a" }, uploadTime: corruptAt, metaText: `{"ulid":"${corrupt}","minT` }));

  // Junk that must never count.
  objects.push({ key: `debug/metas/${aborted}.json`, body: "{}", mtime: t0 - 24 * HOUR }, { key: `${corrupt}-backup/meta.json`, body: "{}", mtime: corruptAt });

  // Issue 11, added last so that the blocks above keep their ULIDs. A label added 20h before t0:
  // the old stream ends where the new one begins (no conflict). A second Prometheus on cluster_id
  // "shared" with another label, shipping from t0: two sources by the last run. steady-b's second
  // replica stops shipping an hour before t0: stalled, its twin ok, by the last run.
  const relabelAt = Math.floor((t0 - 20 * HOUR) / BLOCK_MS) * BLOCK_MS;
  add(sidecarBlocks({ labels: { cluster_id: "relabeled" }, from: t0 - 2 * 24 * HOUR }, end, random).filter((b) => b.maxTime <= relabelAt));
  add(sidecarBlocks({ labels: { cluster_id: "relabeled", team: "platform" }, from: relabelAt }, end, random));
  add(sidecarBlocks({ labels: { cluster_id: "shared" }, from: t0 - 2 * 24 * HOUR }, end, random));
  add(sidecarBlocks({ labels: { cluster_id: "shared", env: "dev" }, from: t0 }, end, random));
  add(sidecarBlocks({ labels: { cluster_id: "steady-b", prometheus_replica: "r1" }, from: t0 - 2 * 24 * HOUR, stopAt: t0 - HOUR }, end, random));

  return { objects, resumed: resumed.ulid, compacted: compacted.ulid, sources: sources.map((s) => s.ulid), backlog: backlog.map((b) => b.ulid), aborted, corrupt };
}

type Step = { at: number; stateful: Report; stateless: Report; state: State; newPrefixes: string[]; prevCursor: string | null };

/** Grows the store phase by phase and runs the check with and without state at each step. */
async function growAndCheck(store: TestStore, t0: number, onStep?: (i: number, now: number) => Promise<void>) {
  const bucket = growingBucket(t0);
  const steps: Step[] = [];
  let state = emptyState();
  const written = new Set<string>();
  let before = -Infinity;
  for (const [i, at] of [t0, t0 + 2 * HOUR, t0 + 4 * HOUR].entries()) {
    const batch = bucket.objects.filter((o) => o.mtime > before && o.mtime <= at);
    const existing = new Set(written);
    for (const o of batch) written.add(prefixOf(o.key));
    await store.write(batch);
    before = at;
    const newPrefixes = [...new Set(batch.map((o) => prefixOf(o.key)))].filter((p) => ULID_RE.test(p) && !existing.has(p));
    const prevCursor = state.cursor;
    const read = () => openBucket(parseObjstoreConfig(store.config, "objstore.yaml"));
    const stateful = await checkBucket(read(), state, at, policy, { concurrency: 8 });
    const stateless = await checkBucket(read(), emptyState(), at, policy, { concurrency: 8 });
    state = stateful.state;
    steps.push({ at, stateful: stateful.report, stateless: stateless.report, state, newPrefixes, prevCursor });
    await onStep?.(i, at);
  }
  return { bucket, steps };
}

function expectSameVerdicts(steps: Step[]) {
  for (const s of steps) expect(verdict(s.stateful), new Date(s.at).toISOString()).toEqual(verdict(s.stateless));
}

function expectScenario(bucket: ReturnType<typeof growingBucket>, steps: Step[]) {
  const [one, two, three] = steps.map((s) => s.stateful) as [Report, Report, Report];
  expect(statuses(one)).toEqual({
    "never-installed": "missing",
    recovers: "stalled",
    "steady-a": "ok", // 3h30m exactly: ok up to and including the threshold
    "steady-b": "ok",
    stalls: "ok",
    "cluster-one": "ok",
    relabeled: "ok",
    shared: "ok",
  });
  expect(one.clusters.find((c) => c.cluster === "steady-a")!.dataLagSeconds).toBe(3.5 * 3600);
  expect(one.clusters.find((c) => c.cluster === "recovers")!.dataLagSeconds).toBe(9.5 * 3600);
  expect(statuses(two)).toEqual({
    "never-installed": "missing",
    stalls: "late",
    recovers: "ok",
    "steady-a": "ok",
    "steady-b": "ok",
    newbie: "ok",
    "cluster-one": "ok",
    relabeled: "ok",
    shared: "ok",
  });
  expect(two.clusters.find((c) => c.cluster === "stalls")!.dataLagSeconds).toBe(3 * 3600 + 40 * 60);
  expect(statuses(three)).toEqual({
    "never-installed": "missing",
    stalls: "stalled",
    recovers: "ok",
    "steady-a": "ok",
    "steady-b": "ok",
    newbie: "ok",
    "cluster-one": "ok",
    relabeled: "ok",
    shared: "ok",
  });
  // The state notices the new cluster; a run without state has nothing to compare with.
  expect(one.newClusters).toEqual([]);
  expect(two.newClusters).toEqual(["newbie"]);
  expect(three.newClusters).toEqual([]);
  for (const s of steps) expect(s.stateless.newClusters).toEqual([]);

  // The half-uploaded block is pending (not yet a finding) and then complete; the aborted one is reported.
  expect(one.partialBlocks).toEqual([{ block: bucket.aborted, ageSeconds: 3 * 3600 }]);
  expect(steps[0]!.state.pending.map((p) => p.block).sort()).toEqual([bucket.aborted, bucket.resumed].sort());
  expect(two.partialBlocks).toEqual([{ block: bucket.aborted, ageSeconds: 5 * 3600 }]);
  expect(steps[1]!.state.pending.map((p) => p.block)).toEqual([bucket.aborted]);
  expect(two.clusters.find((c) => c.cluster === "steady-a")!.lastUploadAt).not.toBeNull();
  expect(three.partialBlocks).toEqual([{ block: bucket.aborted, ageSeconds: 7 * 3600 }]);

  expect(one.corruptBlocks).toEqual([]);
  expect(two.corruptBlocks).toEqual([]);
  expect(three.corruptBlocks.map((c) => c.block)).toEqual([bucket.corrupt]);
  for (const r of [one, two, three]) {
    expect(r.unlabeledBlocks.length).toBeGreaterThan(0);
    expect(r.overlaps.map((o) => o.cluster)).toEqual(["cluster-one"]);
  }
  expect(three.overlaps[0]!.blocks.length).toBeGreaterThan(one.overlaps[0]!.blocks.length);
  // A label added is no conflict; the second source is one once its first block arrived; the
  // replica that stopped is degraded once stalled, its cluster ok.
  expect(one.conflicts).toEqual([]);
  expect(three.conflicts).toEqual([{ cluster: "shared", streams: [{ cluster_id: "shared", env: "dev" }, { cluster_id: "shared" }], differingLabels: ["env"] }]);
  expect(three.degraded).toEqual([{ cluster: "steady-b", labels: { cluster_id: "steady-b", prometheus_replica: "r1" }, dataLagSeconds: expect.any(Number) }]);
  expect(three.degraded![0]!.dataLagSeconds).toBeGreaterThan(4 * 3600);
  // The recovered cluster's freshest data is the newest block of its backlog, created before the cursor.
  const recovered = two.clusters.find((c) => c.cluster === "recovers")!;
  expect(recovered.newestBlock).toBe(bucket.backlog.at(-1));
  expect(bucket.backlog.filter((u) => u < steps[0]!.state.cursor!).length).toBeGreaterThanOrEqual(3);
}

function expectReadsOnlyWhatIsNew(bucket: ReturnType<typeof growingBucket>, steps: Step[]) {
  for (const [i, s] of steps.entries()) {
    if (i === 0) {
      expect(s.stateful.stats.metaRead).toBe(s.stateless.stats.metaRead);
      continue;
    }
    // Every new prefix is read once, old backlog ULIDs too; nothing read before is read again.
    const fresh = s.newPrefixes;
    const completed = i === 1 ? 1 : 0; // the block whose meta.json arrived at t0+1h
    expect(s.stateful.stats.metaRead).toBe(fresh.length + completed);
    expect(s.stateful.stats.metaRead).toBeLessThan(s.stateless.stats.metaRead / 5);
  }
  // The compaction between runs 1 and 2 was read as a new block; its sources were not read again.
  expect(steps[1]!.newPrefixes).toContain(bucket.compacted);
  for (const u of bucket.sources) expect(steps[1]!.newPrefixes).not.toContain(u);
}

describe("a growing FILESYSTEM bucket, runs at t0, t0+2h, t0+4h", () => {
  const t0 = Date.parse("2025-11-03T13:30:00Z");
  let dir: string;
  let result: Awaited<ReturnType<typeof growAndCheck>>;
  const cli: Report[] = [];
  const cliCodes: number[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "blockwatch-incr-"));
    const bucketDir = join(dir, "bucket");
    const config = filesystemObjstoreYaml(bucketDir);
    const configFile = join(dir, "objstore.yaml");
    await writeFile(configFile, config);
    const stateFile = join(dir, "state.json");
    const store: TestStore = { kind: "FILESYSTEM", config, write: (objs) => writeFilesystemObjects(bucketDir, objs) };
    // The same growth seen through the real CLI, with --state FILE between runs.
    result = await growAndCheck(store, t0, async (_i, now) => {
      const r = await runCli([
        "check",
        "--objstore.config-file",
        configFile,
        "--state",
        stateFile,
        "--now",
        new Date(now).toISOString(),
        "--expected-clusters",
        EXPECTED.join(","),
        "--output",
        "json",
      ]);
      cliCodes.push(r.code);
      cli.push(JSON.parse(r.stdout) as Report);
    });
    expect(JSON.parse(await readFile(stateFile, "utf8")).cursor).toBe(result.steps[2]!.state.cursor);
  }, 60_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("reaches the same verdict with state as without, at every step", () => expectSameVerdicts(result.steps));
  it("judges each step as expected", () => expectScenario(result.bucket, result.steps));
  it("reads only the new prefixes when it has state", () => expectReadsOnlyWhatIsNew(result.bucket, result.steps));

  it("gives the same report through the CLI with --state FILE as through the engine", () => {
    expect(cliCodes).toEqual([2, 2, 2]); // never-installed is missing throughout
    for (const [i, r] of cli.entries()) {
      const engine = result.steps[i]!.stateful;
      expect({ ...r, stats: { ...r.stats, durationMs: 0 } }).toEqual({ ...engine, stats: { ...engine.stats, durationMs: 0 } });
    }
  });
});

describe("a growing S3 bucket (local server), runs at t0, t0+2h, t0+4h", () => {
  let s3: LocalS3;
  let result: Awaited<ReturnType<typeof growAndCheck>>;

  beforeAll(async () => {
    s3 = await startLocalS3();
    s3.createBucket("grow");
    // S3 stamps LastModified with the real clock: judge ahead of it, as in s3-filesystem.test.ts.
    const t0 = judgeTimeAheadOf(Date.now());
    const store: TestStore = {
      kind: "S3",
      config: s3ObjstoreYaml({ endpoint: s3.endpoint, bucket: "grow" }),
      write: (objs) => putS3Objects(s3.client, "grow", objs),
    };
    result = await growAndCheck(store, t0);
  }, 60_000);

  afterAll(async () => {
    await s3?.stop();
  });

  it("reaches the same verdict with state as without, at every step", () => expectSameVerdicts(result.steps));
  it("judges each step as expected", () => expectScenario(result.bucket, result.steps));
  it("reads only the new prefixes when it has state", () => expectReadsOnlyWhatIsNew(result.bucket, result.steps));
});

// Findings are remembered in the state; a block that leaves them later (marked for deletion by the
// compactor or an operator, or deleted outright) must leave the stateful report too, as it leaves
// the report of a run without state.
describe("findings whose blocks are deleted between runs", () => {
  const t0 = Date.parse("2025-11-03T13:30:00Z");
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "blockwatch-deleted-"));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Writes `before`, runs with state at t0, applies `change`, then compares both runs at t0+2h. */
  async function across(name: string, before: BucketObject[], change: (bucketDir: string) => Promise<void>) {
    const bucketDir = join(dir, name);
    await writeFilesystemObjects(bucketDir, before);
    const read = () => openBucket(parseObjstoreConfig(filesystemObjstoreYaml(bucketDir), "objstore.yaml"));
    const first = await checkBucket(read(), emptyState(), t0, DEFAULT_POLICY, { concurrency: 4 });
    await change(bucketDir);
    const stateful = await checkBucket(read(), first.state, t0 + 2 * HOUR, DEFAULT_POLICY, { concurrency: 4 });
    const stateless = await checkBucket(read(), emptyState(), t0 + 2 * HOUR, DEFAULT_POLICY, { concurrency: 4 });
    return { first: first.report, stateful: stateful.report, stateless: stateless.report };
  }
  const healthy = (random: () => number) =>
    sidecarBlocks({ labels: { cluster_id: "healthy" }, from: t0 - 12 * HOUR }, t0 + 2 * HOUR, random).flatMap((b) => blockObjects(b));
  const markObject = (ulid: string, at: number): BucketObject => ({
    key: `${ulid}/deletion-mark.json`,
    body: JSON.stringify({ id: ulid, deletion_time: Math.floor(at / 1000), version: 1 }),
    mtime: at,
  });

  it("forgets a corrupt block once an operator marks it for deletion", async () => {
    const random = seededRandom(5);
    const bad = makeUlid(t0 - 5 * HOUR, random);
    const objects = [
      ...healthy(random),
      ...blockObjects({ ulid: bad, minTime: t0 - 8 * HOUR, maxTime: t0 - 6 * HOUR, labels: { cluster_id: "healthy" }, uploadTime: t0 - 5 * HOUR, metaText: "{" }),
    ];
    const r = await across("corrupt-marked", objects, (d) => writeFilesystemObjects(d, [markObject(bad, t0 + HOUR)]));
    expect(r.first.corruptBlocks.map((c) => c.block)).toEqual([bad]);
    expect(r.stateless.corruptBlocks).toEqual([]);
    expect(r.stateful.corruptBlocks).toEqual(r.stateless.corruptBlocks);
  });

  it("forgets a corrupt block once it is deleted outright", async () => {
    const random = seededRandom(6);
    const bad = makeUlid(t0 - 5 * HOUR, random);
    const objects = [
      ...healthy(random),
      ...blockObjects({ ulid: bad, minTime: t0 - 8 * HOUR, maxTime: t0 - 6 * HOUR, labels: {}, uploadTime: t0 - 5 * HOUR, metaText: '{"version": 2}' }),
    ];
    const r = await across("corrupt-deleted", objects, (d) => rm(join(d, bad), { recursive: true }));
    expect(r.first.corruptBlocks.map((c) => c.block)).toEqual([bad]);
    expect(r.stateful.corruptBlocks).toEqual(r.stateless.corruptBlocks);
  });

  it("forgets unlabeled blocks once the compactor marks them (the compacted block stays unlabeled)", async () => {
    const random = seededRandom(7);
    const labels = { prometheus: "monitoring/k8s" };
    const specs = sidecarBlocks({ labels, from: t0 - 20 * HOUR }, t0, random);
    const w = Math.floor((t0 - 20 * HOUR) / (4 * BLOCK_MS)) * 4 * BLOCK_MS + 4 * BLOCK_MS;
    const sources = specs.filter((b) => b.minTime >= w && b.maxTime <= w + 4 * BLOCK_MS);
    expect(sources).toHaveLength(4);
    const compactAt = t0 + HOUR;
    const compacted = blockObjects({
      ulid: makeUlid(compactAt, random),
      minTime: w,
      maxTime: w + 4 * BLOCK_MS,
      labels,
      source: "compactor",
      level: 2,
      sources: sources.map((s) => s.ulid),
      uploadTime: compactAt,
    });
    const r = await across("unlabeled-compacted", [...healthy(random), ...specs.flatMap((b) => blockObjects(b))], (d) =>
      writeFilesystemObjects(d, [...compacted, ...sources.map((s) => markObject(s.ulid, compactAt + 6_000))]),
    );
    expect(r.first.unlabeledBlocks.length).toBe(specs.length);
    expect(r.stateless.unlabeledBlocks.map((u) => u.block)).not.toContain(sources[0]!.ulid);
    expect(r.stateful.unlabeledBlocks).toEqual(r.stateless.unlabeledBlocks);
  });

  it("forgets an overlap once the duplicate's blocks are marked for deletion", async () => {
    const random = seededRandom(8);
    const labels = { cluster_id: "cluster-one" };
    const keep = sidecarBlocks({ labels, from: t0 - 10 * HOUR }, t0 + 2 * HOUR, random);
    const dup = sidecarBlocks({ labels, from: t0 - 10 * HOUR, offsetMs: 17 * MIN }, t0, random);
    const r = await across("overlap-cleaned", [...keep, ...dup].flatMap((b) => blockObjects(b)).filter((o) => o.mtime <= t0), (d) =>
      writeFilesystemObjects(d, [
        ...keep.flatMap((b) => blockObjects(b)).filter((o) => o.mtime > t0),
        ...dup.map((b) => markObject(b.ulid, t0 + HOUR)),
      ]),
    );
    expect(r.first.overlaps.map((o) => o.cluster)).toEqual(["cluster-one"]);
    expect(r.stateless.overlaps).toEqual([]);
    expect(r.stateful.overlaps).toEqual(r.stateless.overlaps);
  });
});

describe("state written after reading a FILESYSTEM bucket", () => {
  it("is readable by the next run when file times have sub-millisecond precision (as written by Thanos)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "blockwatch-mtime-"));
    try {
      const t0 = Date.parse("2025-11-03T13:30:00Z");
      const random = seededRandom(9);
      // A complete block from a Thanos < 0.40 (no upload_time: its meta.json's time is the upload
      // time) and an upload in progress (its newest file's time is its last activity).
      const old = sidecarBlocks({ labels: { cluster_id: "old-thanos" }, from: t0 - 6 * HOUR }, t0, random).map((b) => ({ ...b, writeUploadTime: false }));
      const uploading = makeUlid(t0 - 40 * MIN, random);
      const objects = [
        ...old.flatMap((b) => blockObjects(b)),
        ...blockObjects({ ulid: uploading, minTime: t0 - 3 * HOUR, maxTime: t0 - HOUR, labels: {}, uploadTime: t0 - 5 * MIN, withoutMeta: true }),
      ];
      // Nanosecond file times, like any file a process writes: not whole milliseconds.
      await writeFilesystemObjects(dir, objects.map((o) => ({ ...o, mtime: o.mtime + 0.4375 })));
      const bucket = openBucket(parseObjstoreConfig(filesystemObjstoreYaml(dir), "objstore.yaml"));
      const { state, report } = await checkBucket(bucket, emptyState(), t0, DEFAULT_POLICY, { concurrency: 4 });
      expect(state.pending.map((p) => p.block)).toEqual([uploading]);
      expect(report.clusters.map((c) => c.cluster)).toEqual(["old-thanos"]);
      expect(() => parseState(serializeState(state))).not.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("a stream whose newest sidecar block leaves the lookback between runs", () => {
  it("is judged by the blocks still inside the lookback, as a run without state judges it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "blockwatch-lookback-"));
    try {
      const t0 = Date.parse("2025-11-03T13:30:00Z");
      const DAY = 24 * HOUR;
      const random = seededRandom(10);
      const labels = { cluster_id: "decommissioned" };
      // Its last sidecar block was created 7d - 1h before t0; a day later the compactor rewrote
      // older data of it into a block with a newer ULID (and an older maxTime).
      const lastSidecar = makeUlid(t0 - 7 * DAY + HOUR, random);
      const compacted = makeUlid(t0 - 6 * DAY, random);
      await writeFilesystemObjects(dir, [
        ...blockObjects({ ulid: lastSidecar, minTime: t0 - 7 * DAY - 2 * HOUR, maxTime: t0 - 7 * DAY, labels, uploadTime: t0 - 7 * DAY + HOUR + 30_000 }),
        ...blockObjects({ ulid: compacted, minTime: t0 - 8 * DAY, maxTime: t0 - 7 * DAY - 2 * HOUR, labels, source: "compactor", level: 2, uploadTime: t0 - 6 * DAY }),
        ...sidecarBlocks({ labels: { cluster_id: "healthy" }, from: t0 - 6 * HOUR }, t0 + 2 * HOUR, random).flatMap((b) => blockObjects(b)),
      ]);
      const read = () => openBucket(parseObjstoreConfig(filesystemObjstoreYaml(dir), "objstore.yaml"));
      const first = await checkBucket(read(), emptyState(), t0, DEFAULT_POLICY, { concurrency: 4 });
      expect(first.report.clusters.find((c) => c.cluster === "decommissioned")!.newestBlock).toBe(lastSidecar);
      const stateful = await checkBucket(read(), first.state, t0 + 2 * HOUR, DEFAULT_POLICY, { concurrency: 4 });
      const stateless = await checkBucket(read(), emptyState(), t0 + 2 * HOUR, DEFAULT_POLICY, { concurrency: 4 });
      expect(stateless.report.clusters.find((c) => c.cluster === "decommissioned")).toMatchObject({ status: "stalled", newestBlock: compacted, lastUploadAt: null });
      expect(verdict(stateful.report)).toEqual(verdict(stateless.report));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("a late upload the compactor takes and marks before a run reads it (FILESYSTEM)", () => {
  // Seen in the simulator: an upload fails half way (chunks, no meta.json), completes 44h later,
  // and the compactor compacts and marks it within the hour. The run with state re-inspects the
  // prefix it held as pending and must read its meta.json although it is marked, as a run without
  // state does; skipping it left a hole the compacted block could not fill (the state had seen the
  // block's first source) and reported data lost that was shipped.
  const t0 = Date.parse("2025-11-05T13:30:00Z");
  const labels = { cluster_id: "kms" };
  const window = Math.floor((t0 - 12 * HOUR) / (4 * BLOCK_MS)) * 4 * BLOCK_MS;
  const random = seededRandom(7);
  const blocks = sidecarBlocks({ labels, from: t0 - 2 * 24 * HOUR }, t0 + 2 * HOUR, random);
  const late = blocks.find((b) => b.minTime === window + BLOCK_MS)!;
  const sources = blocks.filter((b) => b.minTime >= window && b.maxTime <= window + 4 * BLOCK_MS);
  const completeAt = t0 + 30 * MIN;
  const compactAt = t0 + HOUR;
  const objects: BucketObject[] = [
    ...blocks.filter((b) => b !== late).flatMap((b) => blockObjects(b)),
    // Half uploaded at its ULID time, completed after the first run.
    ...blockObjects({ ...late, uploadTime: completeAt }).map((o) => (o.key.endsWith("meta.json") ? o : { ...o, mtime: ulidMs(late.ulid) })),
    ...blockObjects({ ulid: makeUlid(compactAt, random), minTime: window, maxTime: window + 4 * BLOCK_MS, labels, source: "compactor", level: 2, sources: sources.map((s) => s.ulid), uploadTime: compactAt + 5_000 }),
    ...sources.flatMap((s) => blockObjects({ ...s, deletedAt: compactAt + 6_000 }).filter((o) => o.key.endsWith("deletion-mark.json"))),
  ];
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "blockwatch-late-compacted-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads the completed block although marked, and reports no data lost, with state as without", async () => {
    const bucketDir = join(dir, "bucket");
    const read = () => openBucket(parseObjstoreConfig(filesystemObjstoreYaml(bucketDir), "objstore.yaml"));
    await writeFilesystemObjects(bucketDir, objects.filter((o) => o.mtime <= t0));
    const first = await checkBucket(read(), emptyState(), t0, DEFAULT_POLICY, { concurrency: 8 });
    // The first run sees the hole the half-uploaded block leaves: data lost, as far as it can tell.
    expect(first.state.pending.map((p) => p.block)).toEqual([late.ulid]);
    expect(first.report.clusters[0]!.gapSeconds).toBe(2 * 3600);
    await writeFilesystemObjects(bucketDir, objects.filter((o) => o.mtime > t0));
    const now = t0 + 2 * HOUR;
    const stateful = await checkBucket(read(), parseState(serializeState(first.state)), now, DEFAULT_POLICY, { concurrency: 8 });
    const stateless = await checkBucket(read(), emptyState(), now, DEFAULT_POLICY, { concurrency: 8 });
    expect(stateless.report.gaps).toEqual([]);
    expect(stateful.report.gaps).toEqual([]);
    expect(stateful.report.clusters[0]!.gapSeconds).toBe(0);
  });
});
