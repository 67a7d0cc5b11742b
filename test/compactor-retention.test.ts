// The compactor's and retention's findings through both real readers (a directory and the local S3
// server), on a bucket that grows between runs: a run with state says what a run without state says.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseObjstoreConfig } from "../lib/bucket/config";
import { openBucket } from "../lib/bucket/open";
import { blockObjects, makeUlid, seededRandom, type BlockSpec, type BucketObject } from "../lib/demo/bucket-objects";
import { HOUR, compactStream, sidecarBlocks } from "../lib/demo/fleet";
import { checkBucket } from "../lib/engine/check";
import type { Report } from "../lib/health/report";
import { DEFAULT_POLICY, type Policy } from "../lib/policy/policy";
import { emptyState, parseState, serializeState, type State } from "../lib/state/state";
import { putS3Objects, writeFilesystemObjects } from "./support/buckets";
import { filesystemObjstoreYaml, s3ObjstoreYaml, startLocalS3, type LocalS3 } from "./support/s3-server";

const DAY = 24 * HOUR;
const NOW = Date.parse("2025-11-03T13:30:00Z");
const HALTED = NOW - 2 * DAY;
const RUNS = [NOW - 60 * HOUR, NOW - 36 * HOUR, NOW - 12 * HOUR, NOW - 2 * HOUR, NOW];
const policy: Policy = { ...DEFAULT_POLICY, retentionMs: 30 * DAY };

/** A fleet whose compactor kept up until a duplicate cluster_id appeared, then halted 2 days before NOW. */
function bucketObjects(): BucketObject[] {
  const random = seededRandom(5);
  // On an 8h boundary: the demo compactor compacts whole windows only.
  const from = Math.floor((NOW - 5 * DAY) / (8 * HOUR)) * 8 * HOUR;
  const blocks: BlockSpec[] = [
    ...compactStream(sidecarBlocks({ labels: { cluster_id: "alpha" }, from }, NOW, random), HALTED, random),
    ...compactStream(sidecarBlocks({ labels: { cluster_id: "beta" }, from }, NOW, random), HALTED, random),
    ...compactStream(sidecarBlocks({ labels: { cluster_id: "cluster-one" }, from }, NOW, random), HALTED, random),
    ...sidecarBlocks({ labels: { cluster_id: "cluster-one" }, from: HALTED - 6 * HOUR, offsetMs: 17 * 60_000 }, NOW, random),
  ];
  // Data retention should have removed: 40 days old (ULIDs too), and a 2-day block of it compacted late.
  for (let i = 0; i < 3; i++) {
    const t = NOW - 41 * DAY + i * 2 * HOUR;
    blocks.push({ ulid: makeUlid(t + 3 * HOUR, random), minTime: t, maxTime: t + 2 * HOUR, labels: { cluster_id: "alpha" }, uploadTime: t + 3 * HOUR });
  }
  const late = NOW - 25 * DAY;
  blocks.push({ ulid: makeUlid(late, random), minTime: NOW - 36 * DAY, maxTime: NOW - 34 * DAY, labels: { cluster_id: "beta" }, source: "compactor", level: 3, uploadTime: late });
  return blocks.flatMap((b) => blockObjects(b));
}

type Step = { at: number; stateful: Report; stateless: Report; state: State };
const lifecycle = (r: Report) => ({
  compactor: r.compactor,
  retention: r.retention,
  compactedUntil: Object.fromEntries(r.clusters.map((c) => [c.cluster, c.compactedUntil])),
  overlaps: r.overlaps.length,
});

async function grow(write: (objs: BucketObject[]) => Promise<void>, yaml: string): Promise<Step[]> {
  const objects = bucketObjects();
  let before = -Infinity;
  let state: State = emptyState();
  const steps: Step[] = [];
  for (const at of RUNS) {
    await write(objects.filter((o) => o.mtime > before && o.mtime <= at));
    before = at;
    const open = () => openBucket(parseObjstoreConfig(yaml, "objstore.yaml"));
    const stateful = await checkBucket(open(), state, at, policy, { concurrency: 8 });
    const stateless = await checkBucket(open(), emptyState(), at, policy, { concurrency: 8 });
    state = parseState(serializeState(stateful.state));
    steps.push({ at, stateful: stateful.report, stateless: stateless.report, state });
  }
  return steps;
}

let s3: LocalS3;
let dir: string;
const results: Record<"fs" | "s3", Step[]> = {} as never;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "blockwatch-compactor-"));
  s3 = await startLocalS3();
  s3.createBucket("thanos");
  [results.fs, results.s3] = await Promise.all([
    grow((objs) => writeFilesystemObjects(dir, objs), filesystemObjstoreYaml(dir)),
    grow((objs) => putS3Objects(s3.client, "thanos", objs), s3ObjstoreYaml({ endpoint: s3.endpoint, bucket: "thanos" })),
  ]);
}, 120_000);

afterAll(async () => {
  await s3?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.each(["fs", "s3"] as const)("a growing bucket whose compactor halts (%s)", (store) => {
  it("gives the same compactor and retention findings with state as without, at every run", () => {
    for (const s of results[store]) expect(lifecycle(s.stateful), new Date(s.at).toISOString()).toEqual(lifecycle(s.stateless));
  });

  it("sees the compactor ok, then stalled, halted on the overlaps", () => {
    const statuses = results[store].map((s) => s.stateful.compactor!.status);
    expect(statuses[0]).toBe("ok");
    expect(statuses.at(-1)).toBe("stalled");
    const last = results[store].at(-1)!.stateful;
    expect(last.compactor).toMatchObject({ haltedOnOverlaps: true, lastCompactionAt: expect.any(String) });
    expect(Date.parse(last.compactor!.lastCompactionAt!)).toBeLessThanOrEqual(HALTED + 5_000);
    expect(last.compactor!.backlogBlocks).toBeGreaterThan(40);
    expect(Date.parse(last.clusters.find((c) => c.cluster === "alpha")!.compactedUntil!)).toBeLessThan(HALTED);
    expect(Date.parse(last.clusters.find((c) => c.cluster === "cluster-one")!.compactedUntil!)).toBeLessThan(HALTED);
  });

  it("reads retention once a day and counts the overdue blocks", () => {
    const last = results[store].at(-1)!;
    expect(last.stateful.retention).toMatchObject({ expected: "30d", oldestMaxTime: new Date(NOW - 41 * DAY + 2 * HOUR).toISOString() });
    // Three 40-day-old blocks by their ULID, and the late 2-day block by its data.
    expect(last.stateful.retention!.overdueBlocks).toBe(4);
    expect(last.stateful.retention!.oldestByCluster.map((c) => c.cluster).slice(0, 2)).toEqual(["alpha", "beta"]);
    // Read at the runs a day apart; the last run came 2h after the one before and did not read again.
    const checked = results[store].map((s) => s.state.lifecycle!.retention!.checkedAt);
    expect(checked).toEqual([RUNS[0], RUNS[1], RUNS[2], RUNS[2], RUNS[2]]);
  });
});
