// One generated Thanos bucket (> 1,000 block prefixes, every finding, junk at the top level)
// written to a directory and to a local S3 server: both readers must give the same, expected verdict.
//
// Time: the FILESYSTEM writer sets each file's mtime from the generator, while S3 stamps
// LastModified with the real clock at upload. The only verdict that reads LastModified here is a
// partial block's age (max of its ULID time and its newest object's time; every meta.json carries
// thanos.upload_time). So the fleet is generated and judged at N = 3.5h-5.5h after the real clock
// (1h30m past an even UTC hour, so verdicts do not depend on when the test runs), and its partial
// blocks have ULID times N-2h30m (aborted: reported) and N-30m (uploading: pending), both later than
// any upload: on both stores their age is decided by the ULID, to the second.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseObjstoreConfig } from "../lib/bucket/config";
import { openBucket } from "../lib/bucket/open";
import { checkBucket } from "../lib/engine/check";
import type { Report } from "../lib/health/report";
import { DEFAULT_POLICY, type Policy } from "../lib/policy/policy";
import { OLDEST_READ } from "../lib/scan/retention";
import { emptyState } from "../lib/state/state";
import { putS3Objects, underPrefix, writeFilesystemObjects } from "./support/buckets";
import {
  FLEET_SIZE,
  buildFleet,
  expectedClusters,
  horizonName,
  judgeTimeAheadOf,
  listedAfter,
  overlappingPairs,
  topLevel,
  type Fleet,
} from "./support/fleet";
import { filesystemObjstoreYaml, s3ObjstoreYaml, startLocalS3, type LocalS3 } from "./support/s3-server";

const BUCKET = "thanos";
const PREFIX = "tenant-a";

let s3: LocalS3;
let dir: string;
let fleet: Fleet;
let policy: Policy;
const reports: Record<"fs" | "s3" | "fsPrefix" | "s3Prefix", Report> = {} as never;
let uploadMs = 0;

const run = async (yaml: string) => {
  const bucket = openBucket(parseObjstoreConfig(yaml, "objstore.yaml"));
  const { report } = await checkBucket(bucket, emptyState(), fleet.now, policy, { concurrency: 16 });
  return report;
};
const withoutStats = ({ stats: _stats, ...rest }: Report) => rest;

beforeAll(async () => {
  fleet = buildFleet(judgeTimeAheadOf(Date.now()));
  policy = { ...DEFAULT_POLICY, expectedClusters: fleet.expectedClusters };
  dir = await mkdtemp(join(tmpdir(), "blockwatch-fleet-"));
  s3 = await startLocalS3();
  s3.createBucket(BUCKET);
  // The root of the bucket holds the fleet and, under tenant-a/, a second copy read with `prefix:`.
  const all = [...fleet.objects, ...underPrefix(fleet.objects, PREFIX)];
  const started = Date.now();
  await Promise.all([writeFilesystemObjects(dir, all), putS3Objects(s3.client, BUCKET, all)]);
  uploadMs = Date.now() - started;
  if (process.env.BLOCKWATCH_TEST_TIMINGS) console.log(`${all.length} objects written in ${uploadMs} ms`);

  const fsYaml = filesystemObjstoreYaml(dir);
  const s3Yaml = s3ObjstoreYaml({ endpoint: s3.endpoint, bucket: BUCKET });
  const checksStarted = Date.now();
  [reports.fs, reports.s3, reports.fsPrefix, reports.s3Prefix] = await Promise.all([
    run(fsYaml),
    run(s3Yaml),
    run(filesystemObjstoreYaml(dir, PREFIX)),
    // Thanos trims slashes around the prefix.
    run(s3ObjstoreYaml({ endpoint: s3.endpoint, bucket: BUCKET, prefix: `/${PREFIX}/` })),
  ]);
  if (process.env.BLOCKWATCH_TEST_TIMINGS) console.log(`4 checks in ${Date.now() - checksStarted} ms`);
}, 120_000);

afterAll(async () => {
  await s3?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the same bucket on FILESYSTEM and on S3", () => {
  it("is big enough to paginate, and was uploaded in bounded parallel", () => {
    const { prefixes } = topLevel(fleet.objects);
    expect(prefixes.length).toBeGreaterThan(1000);
    expect(reports.s3.stats.prefixesListed).toBeGreaterThan(1000);
    expect(uploadMs).toBeLessThan(60_000);
  });

  it("gives identical verdicts through both readers, with and without a prefix", () => {
    for (const r of Object.values(reports)) expect(r.complete).toBe(true);
    expect(withoutStats(reports.s3)).toEqual(withoutStats(reports.fs));
    expect(withoutStats(reports.fsPrefix)).toEqual(withoutStats(reports.fs));
    expect(withoutStats(reports.s3Prefix)).toEqual(withoutStats(reports.fs));
    // Only the junk `tenant-a` directory at the root separates the two listings.
    expect(reports.fs.stats.prefixesListed).toBe(reports.fsPrefix.stats.prefixesListed + 1);
    expect(reports.s3.stats.prefixesListed).toBe(reports.fs.stats.prefixesListed);
    expect(reports.s3Prefix.stats.prefixesListed).toBe(reports.fsPrefix.stats.prefixesListed);
    expect(reports.s3.stats.metaRead).toBe(reports.fs.stats.metaRead);
    expect(reports.s3.stats.getRequests).toBe(reports.fs.stats.getRequests);
  });

  it("judges every cluster as expected", () => {
    const statuses = Object.fromEntries(reports.s3.clusters.map((c) => [c.cluster, c.status]));
    const fleetNames = Array.from({ length: FLEET_SIZE }, (_, i) => `fleet-${String(i).padStart(2, "0")}`);
    expect(statuses).toEqual({
      ...Object.fromEntries(fleetNames.map((n) => [n, "ok"])),
      "prod-us-east-1": "ok",
      "staging-ap-south-1": "stalled",
      "dev-us-west-2": "late",
      "cluster-one": "ok",
      "shared-cleaned": "ok",
      "big-meta": "ok",
      ancient: "missing",
      "prod-ap-northeast-1": "missing",
    });
    // Worst first.
    expect(reports.s3.clusters.slice(0, 4).map((c) => c.cluster)).toEqual(["ancient", "prod-ap-northeast-1", "staging-ap-south-1", "dev-us-west-2"]);
  });

  it("matches the oracle computed from the generated blocks (lag, newest block, upload, streams)", () => {
    const oracle = expectedClusters(fleet, fleet.now);
    expect(reports.s3.clusters.map((c) => c.cluster).sort()).toEqual([...oracle.keys()].sort());
    for (const c of reports.s3.clusters) {
      const want = oracle.get(c.cluster)!;
      expect({ cluster: c.cluster, status: c.status, dataLagSeconds: c.dataLagSeconds, newestMaxTime: c.newestMaxTime, newestBlock: c.newestBlock, lastUploadAt: c.lastUploadAt }).toEqual({
        cluster: c.cluster,
        status: want.status,
        dataLagSeconds: want.dataLagSeconds,
        newestMaxTime: want.newestMaxTime,
        newestBlock: want.newestBlock,
        lastUploadAt: want.lastUploadAt,
      });
      const sortStreams = <T extends { labels: Record<string, string> }>(s: T[]) => [...s].sort((a, b) => (JSON.stringify(a.labels) < JSON.stringify(b.labels) ? -1 : 1));
      expect(sortStreams(c.streams.map((s) => ({ ...s, labels: { ...s.labels } })))).toEqual(sortStreams(want.streams));
    }
  });

  it("reports the specific situations: HA pair, stall hidden by the compactor, late, missing", () => {
    const by = (name: string) => reports.s3.clusters.find((c) => c.cluster === name)!;
    expect(by("prod-us-east-1").streams.map((s) => s.labels.prometheus_replica).sort()).toEqual(["r0", "r1"]);
    expect(by("prod-us-east-1").streams.every((s) => s.status === "ok")).toBe(true);
    // Fresh compactor ULIDs exist for the stalled cluster, but its newest data is 11h30m old.
    const staging = by("staging-ap-south-1");
    const compactorUlids = fleet.blocks.filter((b) => b.labels.cluster_id === "staging-ap-south-1" && b.source === "compactor").map((b) => b.ulid);
    expect(compactorUlids.length).toBeGreaterThan(0);
    expect(compactorUlids.some((u) => u > staging.newestBlock!)).toBe(true);
    expect(staging.dataLagSeconds).toBe(11.5 * 3600);
    expect(by("dev-us-west-2").dataLagSeconds).toBe(3.75 * 3600);
    for (const name of ["ancient", "prod-ap-northeast-1"]) {
      expect(by(name)).toMatchObject({ status: "missing", dataLagSeconds: null, newestMaxTime: null, newestBlock: null, lastUploadAt: null, streams: [] });
    }
    // The meta.json of exactly 1 MiB was read.
    expect(by("big-meta").newestBlock).toBe(fleet.blocks.filter((b) => b.labels.cluster_id === "big-meta").at(-1)!.ulid);
  });

  it("reports the partial, corrupt, unlabeled and overlapping blocks, and nothing deletion-marked or junk", () => {
    const r = reports.s3;
    const aborted = fleet.withoutMeta.find((p) => p.kind === "aborted")!;
    // Aged by its ULID on both stores: 2h30m.
    expect(r.partialBlocks).toEqual([{ block: aborted.ulid, ageSeconds: 9000 }]);

    const corrupt = fleet.corrupt.filter((c) => !c.deleted);
    expect(r.corruptBlocks.map((c) => c.block)).toEqual(corrupt.map((c) => c.ulid).sort());
    for (const c of corrupt) expect(r.corruptBlocks.find((x) => x.block === c.ulid)!.reason).toMatch(c.reason);

    const unlabeled = fleet.blocks.filter((b) => !b.labels.cluster_id && b.deletedAt === undefined);
    expect(unlabeled.length).toBeGreaterThan(1);
    expect(r.unlabeledBlocks).toEqual(unlabeled.map((b) => ({ block: b.ulid, labels: b.labels })).sort((a, b) => (a.block < b.block ? -1 : 1)));

    const live = fleet.blocks.filter((b) => b.deletedAt === undefined);
    const pairs = overlappingPairs(live);
    // cluster-one only: shared-cleaned's duplicate is marked for deletion, the HA replicas differ in a label.
    expect([...pairs.keys()]).toEqual([JSON.stringify([["cluster_id", "cluster-one"]])]);
    const overlapping = [...pairs.values()][0]!;
    expect(overlapping.size).toBeGreaterThan(4);
    expect(r.overlaps).toEqual([{ cluster: "cluster-one", labels: { cluster_id: "cluster-one" }, blocks: [...overlapping].sort() }]);

    const everything = JSON.stringify(r);
    for (const name of ["backup-ghost", "lower-ghost", "debug", "etl", "FOO", "README", PREFIX]) expect(everything).not.toContain(name);
    expect(r.newClusters).toEqual([]);
  });

  it("costs on S3 one LIST per 1,000 listed names plus one per prefix without meta.json, and one GET per meta.json read or deletion mark looked up", () => {
    const horizon = horizonName(fleet.now, fleet.lookbackMs);
    const { prefixes, files } = topLevel(fleet.objects);
    const listedPrefixes = listedAfter(prefixes, horizon);
    const listedNames = listedPrefixes.length + listedAfter(files, horizon).length;
    const ulidPrefixes = listedPrefixes.filter((p) => /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/.test(p));
    // The ancient cluster's prefixes sort before the horizon: never listed (StartAfter).
    expect(prefixes.length - listedPrefixes.length).toBe(fleet.blocks.filter((b) => b.labels.cluster_id === "ancient").length);

    // Deletion marks are looked up only for blocks about to become a finding.
    const overlapSuspects = [...overlappingPairs(fleet.blocks.filter((b) => b.labels.cluster_id !== "ancient")).values()].reduce((n, s) => n + s.size, 0);
    const unlabeledAll = fleet.blocks.filter((b) => !b.labels.cluster_id).length;
    const deletionLookups = overlapSuspects + unlabeledAll + fleet.corrupt.length;

    // At the root the `tenant-a` directory is one more (junk) name; under the prefix it is absent.
    // `federated/cluster-one/` makes the Federated ETL half read too: one delimiter LIST of
    // federated/, then one LIST of its one cluster folder's etl/bingen/.
    const etlLists = 1 + 1;
    for (const [r, junk] of [[reports.s3, 1], [reports.s3Prefix, 0]] as const) {
      expect(r.stats.prefixesListed).toBe(listedPrefixes.length + junk);
      expect(r.stats.metaRead).toBe(ulidPrefixes.length);
      // A run without state also looks at the bucket's start (retention, once a day): the first
      // page holds the oldest prefixes, and their meta.json are read.
      expect(r.stats.listRequests).toBe(Math.ceil((listedNames + junk) / 1000) + fleet.withoutMeta.length + etlLists + 1);
      expect(r.stats.getRequests).toBe(ulidPrefixes.length + deletionLookups + OLDEST_READ);
    }
    expect(Math.ceil(listedNames / 1000)).toBe(2);
  });
});
