// Kubecost 2.x Federated ETL in a real bucket, beside Thanos blocks: on FILESYSTEM and on the local S3
// server (fauxqs), through the engine (checkBucket) and the real CLI.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3Client } from "@aws-sdk/client-s3";
import { parseObjstoreConfig } from "../lib/bucket/config";
import { S3Bucket } from "../lib/bucket/s3";
import { boardFromState } from "../lib/board/model";
import { openBucket } from "../lib/bucket/open";
import { blockObjects, seededRandom, type BucketObject } from "../lib/demo/bucket-objects";
import { etlObjects } from "../lib/demo/etl-objects";
import { HOUR, sidecarBlocks } from "../lib/demo/fleet";
import { checkBucket, type CheckOptions } from "../lib/engine/check";
import type { Report } from "../lib/health/report";
import { DEFAULT_POLICY, type Policy } from "../lib/policy/policy";
import { emptyState, type State } from "../lib/state/state";
import { putS3Objects, underPrefix, writeFilesystemObjects } from "./support/buckets";
import { runCli } from "./support/cli";
import { filesystemObjstoreYaml, s3ObjstoreYaml, startLocalS3, type LocalS3 } from "./support/s3-server";

const NOW = Date.parse("2026-12-02T12:00:00Z");
const DAY = 24 * HOUR;
const BUCKET = "kubecost-federated";
const policy: Policy = { ...DEFAULT_POLICY, expectedClusters: ["etl-healthy", "never-installed"] };

/** A bucket mid-migration: Thanos blocks, Federated ETL clusters, one cluster in both, and the aggregator's combined/. */
function mixedBucket(now: number): BucketObject[] {
  const random = seededRandom(3);
  const objects: BucketObject[] = [
    ...sidecarBlocks({ labels: { cluster_id: "thanos-only" }, from: now - DAY }, now, random).flatMap((b) => blockObjects(b)),
    // Migrating: its sidecar was switched off 10 hours ago, its ETL uploads are fresh.
    ...sidecarBlocks({ labels: { cluster_id: "migrating" }, from: now - DAY, stopAt: now - 10 * HOUR }, now, random).flatMap((b) => blockObjects(b)),
    ...etlObjects({ cluster: "migrating", from: now - 12 * HOUR }, now),
    ...etlObjects({ cluster: "etl-healthy", from: now - 2 * DAY }, now),
    ...etlObjects({ cluster: "etl-stalled", from: now - 2 * DAY, stopAt: now - 9 * HOUR }, now),
    ...etlObjects({ cluster: "etl-gappy", from: now - DAY, skipHours: [Math.floor((now - 6 * HOUR) / HOUR) * HOUR], extension: ".gz" }, now),
    ...etlObjects({ cluster: "combined", from: now - DAY }, now),
    { key: "federated/etl-healthy/etl/bingen/assets/1h/latest", body: "", mtime: now - HOUR },
    { key: "etl/bingen/allocations/1d/backup.json", body: "{}", mtime: now - DAY },
  ];
  return objects;
}

const verdicts = (r: Report) => r.clusters.map(({ since: _s, ...c }) => c);
const strip = (r: Report) => {
  const { stats: _s, ...rest } = r;
  return { ...rest, clusters: rest.clusters.map(({ lastUploadAt: _l, sources, ...c }) => ({ ...c, sources: sources?.map(({ lastUploadAt: _x, ...s }) => s) })) };
};

let dir: string;
let s3: LocalS3;
const configs: Record<string, string> = {};
const run = (name: string, prev: State = emptyState(), opts: Partial<CheckOptions> = {}, now = NOW) =>
  checkBucket(openBucket(parseObjstoreConfig(configs[name]!, name)), prev, now, policy, { concurrency: 8, ...opts });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "blockwatch-etl-"));
  s3 = await startLocalS3();
  s3.createBucket(BUCKET);
  const objects = mixedBucket(NOW);
  await writeFilesystemObjects(join(dir, "fs"), objects);
  await putS3Objects(s3.client, BUCKET, underPrefix(objects, "kubecost"));
  configs.fs = filesystemObjstoreYaml(join(dir, "fs"));
  configs.s3 = s3ObjstoreYaml({ endpoint: s3.endpoint, bucket: BUCKET, prefix: "kubecost" });
}, 120_000);
afterAll(async () => {
  await s3?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("a Kubecost bucket with Thanos blocks and Federated ETL", () => {
  it("judges each cluster by its source, the fresher one deciding a cluster in both", async () => {
    const { report } = await run("fs");
    const by = Object.fromEntries(report.clusters.map((c) => [c.cluster, c]));
    expect(Object.keys(by).sort()).toEqual(["etl-gappy", "etl-healthy", "etl-stalled", "migrating", "never-installed", "thanos-only"]);
    expect(by["etl-healthy"]).toMatchObject({ status: "ok", source: "federated-etl" });
    expect(by["etl-stalled"]).toMatchObject({ status: "stalled", source: "federated-etl", dataLagSeconds: 10 * 3600 });
    expect(by["thanos-only"]).toMatchObject({ status: "ok", source: "thanos" });
    expect(by["never-installed"]).toMatchObject({ status: "missing", source: "thanos" });
    expect(by.migrating).toMatchObject({ status: "ok", source: "federated-etl" });
    expect(by.migrating!.sources!.map((s) => `${s.source}:${s.status}`)).toEqual(["federated-etl:ok", "thanos:stalled"]);
    expect(report.sources).toEqual(["thanos", "federated-etl"]);
    // combined/ is the aggregator's output; 1d files and the top-level etl/ are not hourly files.
    expect(report.corruptFiles).toEqual([{ cluster: "etl-healthy", file: "federated/etl-healthy/etl/bingen/assets/1h/latest", reason: expect.stringContaining("not <start>-<end>") }]);
    const hole = Math.floor((NOW - 6 * HOUR) / HOUR) * HOUR;
    expect(report.dataGaps).toEqual(
      ["allocations", "assets"].map((kind) => ({ cluster: "etl-gappy", kind, from: new Date(hole).toISOString(), to: new Date(hole + HOUR).toISOString(), seconds: 3600 })),
    );
  });

  it("reads the same on S3 under a prefix as on FILESYSTEM, at one delimiter LIST plus one LIST a cluster", async () => {
    const [fs, s3r, thanosOnly] = [await run("fs"), await run("s3"), await run("s3", emptyState(), { source: "thanos" })];
    expect(strip(s3r.report)).toEqual(strip(fs.report));
    const etlClusters = 4; // etl-healthy, etl-stalled, etl-gappy, migrating (combined/ is not one)
    expect(s3r.report.stats.listRequests - thanosOnly.report.stats.listRequests).toBe(1 + etlClusters);
    expect(s3r.report.stats.getRequests).toBe(thanosOnly.report.stats.getRequests);
    expect(thanosOnly.report.clusters.every((c) => c.source === "thanos")).toBe(true);
    expect(thanosOnly.state.etl).toBeNull();
  });

  it("--source federated-etl reads no Thanos block and reports expected clusters itself", async () => {
    const { report } = await run("s3", emptyState(), { source: "federated-etl" });
    expect(report.stats.prefixesListed).toBe(0);
    expect(report.stats.listRequests).toBe(1 + 4);
    expect(report.clusters.every((c) => c.source === "federated-etl")).toBe(true);
    expect(report.clusters.find((c) => c.cluster === "never-installed")?.status).toBe("missing");
    expect(report.clusters.find((c) => c.cluster === "migrating")?.sources).toBeUndefined();
  });

  it("with state, lists from each cluster's newest file: a steady run lists two files per folder", async () => {
    const first = await run("s3", emptyState(), { source: "federated-etl" });
    const { report } = await run("s3", first.state, { source: "federated-etl" }, NOW + 10 * 60_000);
    expect(report.stats.listRequests).toBe(1 + 4);
    // The newest file of each folder is listed again (it may have been rewritten), plus etl-healthy's bad name.
    expect(report.stats.hourlyFilesListed).toBe(2 * 4 + 1);
    expect(first.report.stats.hourlyFilesListed).toBeGreaterThan(100);
  });

  it("makes one LIST a cluster a run on S3, two when a page ends before the new assets files", async () => {
    // Every ListObjectsV2 the local S3 server is sent, by the cluster folder it lists.
    const lists: string[] = [];
    const client = new S3Client({ endpoint: s3.endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    client.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { Prefix?: string };
        if ((args as { input: object }).input && "Prefix" in input && input.Prefix !== undefined) lists.push(input.Prefix);
        return next(args);
      },
      { step: "initialize", name: "countLists" },
    );
    const perCluster = () => {
      const n: Record<string, number> = {};
      for (const p of lists) {
        const m = /^kubecost\/federated\/([^/]+)\/etl\/bingen\/$/.exec(p);
        if (m) n[m[1]!] = (n[m[1]!] ?? 0) + 1;
      }
      lists.length = 0;
      return n;
    };
    const clusters = ["etl-gappy", "etl-healthy", "etl-stalled", "migrating"];
    const each = (x: number) => Object.fromEntries(clusters.map((c) => [c, x]));
    const bucket = (pageSize?: number) => new S3Bucket(client, BUCKET, "kubecost", pageSize ? { listPageSize: pageSize } : {});
    const opts = { concurrency: 4, source: "federated-etl" as const };

    const first = await checkBucket(bucket(), emptyState(), NOW, policy, opts);
    expect(perCluster()).toEqual(each(1));
    const steady = await checkBucket(bucket(), first.state, NOW + 10 * 60_000, policy, opts);
    expect(perCluster()).toEqual(each(1));

    // Pages of 2 keys: the newest allocations file and a daily assets file fill the first page, so the
    // listing starts again at the newest assets file instead of paging through the daily files.
    const small = await checkBucket(bucket(2), first.state, NOW + 10 * 60_000, policy, opts);
    expect(perCluster()).toEqual(each(2));
    expect(verdicts(small.report)).toEqual(verdicts(steady.report));
    expect(small.report.corruptFiles).toEqual(steady.report.corruptFiles);
  });

  it("shows the source in the CLI table and JSON", async () => {
    const file = join(dir, "s3.yaml");
    await writeFile(file, configs.s3!);
    const args = ["check", "--objstore.config-file", file, "--now", new Date(NOW).toISOString()];
    const table = await runCli(args);
    expect(table.code).toBe(2);
    expect(table.stdout).toMatch(/etl-stalled\s+stalled\s.*federated-etl/);
    expect(table.stdout).toMatch(/thanos-only\s+ok\s.*thanos/);
    expect(table.stdout).toContain("data gap");
    const json = await runCli([...args, "--output", "json", "--source", "thanos"]);
    expect((JSON.parse(json.stdout) as Report).clusters.map((c) => c.source)).not.toContain("federated-etl");
    const bad = await runCli([...args, "--source", "etl"]);
    expect(bad.code).toBe(2); // a usage error
    expect(bad.stderr).toContain("--source must be one of thanos, federated-etl, auto");
  });
});

describe("Federated ETL over a growing bucket", () => {
  /** The bucket as of `t`: every object written by then. Clusters start, stop, skip hours and misname files. */
  function bucketAt(t: number, t0: number): BucketObject[] {
    const all = [
      ...etlObjects({ cluster: "steady", from: t0 - 3 * DAY }, t),
      ...etlObjects({ cluster: "stops", from: t0 - DAY, stopAt: t0 + 3 * HOUR }, t),
      ...etlObjects({ cluster: "assets-only-later", from: t0 - DAY, kinds: ["assets"] }, t),
      ...etlObjects({ cluster: "assets-only-later", from: t0 - DAY, kinds: ["allocations"], stopAt: t0 + 2 * HOUR }, t),
      ...etlObjects({ cluster: "arrives", from: t0 + 4 * HOUR }, t),
      ...etlObjects({ cluster: "holes", from: t0 - DAY, skipHours: [t0 + HOUR, t0 + 2 * HOUR, t0 - 5 * HOUR].map((h) => Math.floor(h / HOUR) * HOUR) }, t),
      { key: "federated/holes/etl/bingen/allocations/1h/zz-broken", body: "", mtime: t0 + 5 * HOUR },
      { key: "federated/steady/etl/bingen/assets/1h/9999999999-x", body: "", mtime: t0 + 2 * HOUR },
    ];
    return all.filter((o) => o.mtime <= t);
  }
  const verdict = (r: Report) => {
    const { stats: _s, newClusters: _n, ...rest } = r;
    return { ...rest, clusters: rest.clusters.map(({ since: _x, blocksUploaded: _b, bytesUploaded: _y, ...c }) => c) };
  };

  it("run by run with state reaches what one run without state reaches, reading only what is new", async () => {
    const t0 = NOW;
    const root = join(dir, "growing");
    const config = filesystemObjstoreYaml(root);
    const short: Policy = { ...DEFAULT_POLICY, lookbackMs: 2 * DAY };
    let state = emptyState();
    const written = new Set<string>();
    const seenStatuses = new Set<string>();
    for (let t = t0; t <= t0 + 16 * HOUR; t += 37 * 60_000) {
      const fresh = bucketAt(t, t0).filter((o) => !written.has(o.key));
      await writeFilesystemObjects(root, fresh);
      for (const o of fresh) written.add(o.key);
      const read = () => openBucket(parseObjstoreConfig(config, "growing"));
      const stateful = await checkBucket(read(), state, t, short, { concurrency: 4, source: "federated-etl" });
      const stateless = await checkBucket(read(), emptyState(), t, short, { concurrency: 4, source: "federated-etl" });
      expect(verdict(stateful.report), new Date(t).toISOString()).toEqual(verdict(stateless.report));
      if (t > t0) expect(stateful.report.stats.hourlyFilesListed!).toBeLessThan(stateless.report.stats.hourlyFilesListed! / 5);
      for (const c of stateful.report.clusters) seenStatuses.add(`${c.cluster}:${c.status}`);
      // The board draws the same hourly coverage and gaps from either state; only its left edge may
      // differ, by less than an hour (a state that slid past its oldest file clips it to the lookback).
      const drawn = (j: typeof stateful) =>
        boardFromState({ report: j.report, policy: short, state: j.state, location: "x" }).clusters.map((c) => ({
          cluster: c.verdict.cluster,
          streams: c.streams.map((st) => ({ labels: st.labels, gaps: st.gaps, coverage: st.coverage.map(([a, b], i) => [i === 0 ? Math.floor(a / HOUR) : a, b]) })),
        }));
      const [a, b] = [drawn(stateful), drawn(stateless)];
      for (let i = 0; i < a.length; i++) {
        for (let k = 0; k < a[i]!.streams.length; k++) {
          const [x, y] = [a[i]!.streams[k]!.coverage[0], b[i]!.streams[k]!.coverage[0]];
          if (x && y && x[0] !== y[0]) expect(Math.abs(x[0]! - y[0]!), a[i]!.cluster).toBeLessThanOrEqual(1);
          if (x && y) x[0] = y[0]!;
        }
      }
      expect(a, new Date(t).toISOString()).toEqual(b);
      if (t > t0) expect(stateful.report.newClusters).toEqual(t >= t0 + 5 * HOUR + 8 * 60_000 && !state.etl?.clusters.arrives ? ["arrives"] : []);
      state = stateful.state;
    }
    // The walk went through the situations it is meant to check.
    expect(seenStatuses).toContain("stops:stalled");
    expect(seenStatuses).toContain("assets-only-later:late");
    expect(seenStatuses).toContain("arrives:ok");
    expect(state.etl!.clusters.holes!.gaps.length).toBeGreaterThanOrEqual(4);
    const holes = boardFromState({ report: (await checkBucket(openBucket(parseObjstoreConfig(config, "growing")), state, t0 + 16 * HOUR, short, { concurrency: 4, source: "federated-etl" })).report, policy: short, state, location: "x" }).clusters.find((c) => c.verdict.cluster === "holes")!;
    expect(holes.streams.every((st) => (st.gaps ?? []).length >= 2 && st.coverage.length >= 3)).toBe(true);
  }, 120_000);
});
