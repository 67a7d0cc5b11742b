// The backtest on buckets the simulator produced, where the true history is known: what it rebuilds,
// what it must find (stalls with exact upload times, gaps, overlaps, decommissions) and what it
// says it cannot see (a sidecar stall caught up before compaction).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backtest, type BacktestResult } from "../lib/backtest/backtest";
import { parseLineage } from "../lib/backtest/meta";
import { DEFAULT_POLICY } from "../lib/policy/policy";
import { standardScenario } from "../lib/simulate/fleet";
import { FilesystemWriter, MemoryBucket } from "../lib/simulate/memory-bucket";
import { DAY, HOUR, type Timeline } from "../lib/simulate/model";
import { metaJson } from "../lib/simulate/objects";
import { freshnessSteps, lagPeriods } from "../lib/simulate/oracle";
import { buildTimeline } from "../lib/simulate/timeline";
import { runCli } from "./support/cli";

const policy = DEFAULT_POLICY;
// Eight days monitored after ten of history; `now` is the end of the simulation.
const scenario = standardScenario({
  clusters: 8,
  days: 8,
  historyDays: 10,
  seed: 3,
  planned: [
    { kind: "sidecar-down", cluster: 1, at: 1 * DAY, durationMs: 9 * HOUR },
    { kind: "sidecar-down", cluster: 2, at: 6.6 * DAY, durationMs: 7 * HOUR },
    { kind: "prometheus-restart", cluster: 3, at: 2 * DAY, durationMs: 7 * HOUR },
    { kind: "long-outage", cluster: 4, at: 2 * DAY, durationMs: 5 * DAY },
    { kind: "decommissioned", cluster: 5, at: 3 * DAY, durationMs: 0 },
    { kind: "duplicate-cluster-id", cluster: 0, at: 6.5 * DAY, durationMs: 16 * HOUR },
  ],
});

let tl: Timeline;
let result: BacktestResult;
const cluster = (name: string) => result.clusters.find((c) => c.cluster === name)!;
const incident = (kind: string) => tl.incidents.find((i) => i.kind === kind)!;

beforeAll(async () => {
  tl = buildTimeline(scenario);
  const bucket = new MemoryBucket();
  for (const e of tl.events) bucket.apply(e);
  result = await backtest(bucket, { now: tl.to, windowMs: 14 * DAY, policy, scheduleMs: 2 * HOUR, concurrency: 8 });
});

describe("rebuilding the upload history", () => {
  it("reads the lineage Thanos writes: sources and parents of a compacted block", () => {
    const body = metaJson({
      ulid: "01K9GPHFJ3CJAP3WF6VH7WMF87",
      minTime: 0,
      maxTime: 8 * HOUR,
      labels: { cluster_id: "a" },
      level: 2,
      resolution: 0,
      source: "compactor",
      sources: ["01K9FDAKDK9YT5C910MBHQ43SJ", "01K9FM77349828QM3WWPDGZ9PT", "not-a-ulid"],
      parents: [{ ulid: "01K9FDAKDK9YT5C910MBHQ43SJ", minTime: 0, maxTime: 2 * HOUR }],
      segments: 1,
      sizeBytes: 10,
      uploadTime: null,
    });
    const r = parseLineage("01K9GPHFJ3CJAP3WF6VH7WMF87", body, 123);
    expect(r.kind).toBe("block");
    if (r.kind !== "block") return;
    expect(r.meta.sources).toEqual(["01K9FDAKDK9YT5C910MBHQ43SJ", "01K9FM77349828QM3WWPDGZ9PT"]);
    expect(r.meta.parents).toHaveLength(1);
    expect(r.meta.uploadTime).toBeNull();
    expect(r.meta.lastModified).toBe(123);
    expect(parseLineage("01K9GPHFJ3CJAP3WF6VH7WMF87", "{", 0).kind).toBe("corrupt");
  });

  it("finds every shipped block of the window that still has evidence", () => {
    const from = tl.to - 14 * DAY;
    const counted = result.clusters.reduce((a, c) => a + c.streams.reduce((x, s) => x + s.blocks, 0), 0);
    const truth = tl.blocks.filter((b) => b.uploadedAt !== null && b.uploadedAt <= tl.to && b.maxTime > from - policy.lookbackMs);
    // Nothing was deleted by retention yet; the duplicate's blocks are marked but still there.
    expect(counted).toBeGreaterThanOrEqual(truth.length * 0.97);
    expect(result.reconstructed.fromLineage).toBeGreaterThan(result.reconstructed.blocks / 2);
  });

  it("knows exact upload times only for blocks created after the oldest live level-1 block", () => {
    expect(result.exactFrom).not.toBeNull();
    // The compactor deletes sources 48h after compacting them: about two and a half days of exact history.
    expect(tl.to - result.exactFrom!).toBeGreaterThan(2 * DAY);
    expect(tl.to - result.exactFrom!).toBeLessThan(4 * DAY);
    expect(result.limits.join("\n")).toMatch(/Upload times are exact from/);
    expect(result.limits.join("\n")).toMatch(/48h after their ULID time/);
  });
});

describe("what the policy would have said", () => {
  const truthStalls = (name: string) => {
    const uploads = tl.blocks.filter((b) => b.uploadedAt !== null).map((b) => ({ at: b.uploadedAt!, maxTime: b.maxTime, labels: b.labels }));
    return lagPeriods(freshnessSteps(uploads, "cluster_id").get(name)!, policy.defaults, tl.to).filter((p) => p.status === "stalled" && (p.to ?? Infinity) > tl.to - 14 * DAY);
  };

  it("a sidecar stall within the exact window: the true stalled period, one page a sweep after the crossing, one recovery", () => {
    const name = tl.incidents.filter((i) => i.kind === "sidecar-down").at(-1)!.cluster;
    const truth = truthStalls(name);
    const c = cluster(name);
    const stalled = c.periods.filter((p) => p.status === "stalled");
    expect(stalled.map((p) => [p.from, p.to])).toEqual(truth.map((p) => [p.from, p.to]));
    expect(stalled.every((p) => !p.estimated)).toBe(true);
    const page = c.notices.find((n) => n.kind === "page")!;
    expect(page.at - stalled[0]!.from).toBeGreaterThan(0);
    expect(page.at - stalled[0]!.from).toBeLessThanOrEqual(2 * HOUR);
    expect(c.notices.filter((n) => n.kind === "recovery")).toHaveLength(1);
  });

  it("a sidecar stall shipped before its blocks were compacted is not seen (the documented limit)", () => {
    const early = tl.incidents.filter((i) => i.kind === "sidecar-down")[0]!;
    expect(early.end!).toBeLessThan(result.exactFrom!);
    expect(truthStalls(early.cluster)).toHaveLength(1);
    expect(cluster(early.cluster).periods.filter((p) => p.status === "stalled")).toEqual([]);
  });

  it("a decommissioned cluster: stalled from its last data on, to the end, paged once", () => {
    const name = incident("decommissioned").cluster;
    const truth = truthStalls(name);
    const c = cluster(name);
    expect(c.periods.filter((p) => p.status === "stalled").map((p) => [p.from, p.to])).toEqual(truth.map((p) => [p.from, p.to]));
    expect(c.notices.filter((n) => n.kind === "page")).toHaveLength(1);
  });

  it("data lost to Prometheus's retention during a long outage is a gap", () => {
    const i = incident("long-outage");
    const lost = tl.blocks.filter((b) => b.instance.startsWith(`${i.cluster}/`) && b.uploadedAt === null);
    expect(lost.length).toBeGreaterThan(3);
    const gaps = cluster(i.cluster).streams.flatMap((s) => s.gaps);
    const hole = { from: Math.min(...lost.map((b) => b.minTime)), to: Math.max(...lost.map((b) => b.maxTime)) };
    expect(gaps.some((g) => g.from <= hole.from + 2 * HOUR && g.to >= hole.to - 2 * HOUR)).toBe(true);
  });

  it("a long Prometheus restart leaves a gap of the empty windows (edges estimated once compacted)", () => {
    const i = incident("prometheus-restart");
    const gaps = cluster(i.cluster).streams.flatMap((s) => s.gaps);
    expect(gaps.length).toBeGreaterThan(0);
    const total = gaps.reduce((a, g) => a + g.to - g.from, 0);
    // 7h without samples: the windows with no sample at all (never written), give or take one block.
    expect(total).toBeGreaterThanOrEqual(4 * HOUR);
    expect(total).toBeLessThanOrEqual(8 * HOUR);
  });

  it("a second cluster on the default cluster_id: overlapping blocks of one label set", () => {
    const overlaps = cluster("cluster-one").streams.flatMap((s) => s.overlaps);
    expect(overlaps.length).toBeGreaterThan(3);
    const healthy = result.clusters.filter((c) => c.cluster !== "cluster-one").flatMap((c) => c.streams.flatMap((s) => s.overlaps));
    expect(healthy).toEqual([]);
  });

  it("healthy clusters: no stall, no page, no gap", () => {
    const touched = new Set(tl.incidents.flatMap((i) => [i.cluster, i.renamedTo]));
    const healthy = result.clusters.filter((c) => !touched.has(c.cluster));
    expect(healthy.length).toBeGreaterThan(0);
    for (const c of healthy) {
      expect(c.periods.filter((p) => p.status === "stalled")).toEqual([]);
      expect(c.notices).toEqual([]);
      expect(c.streams.flatMap((s) => s.gaps)).toEqual([]);
    }
  });
});

describe("blockwatch backtest on a FILESYSTEM bucket", () => {
  let dir: string;
  let small: Timeline;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "blockwatch-backtest-"));
    small = buildTimeline(
      standardScenario({ clusters: 3, days: 3, historyDays: 2, seed: 5, planned: [{ kind: "sidecar-down", cluster: 1, at: 2 * DAY, durationMs: 8 * HOUR }] }),
    );
    const writer = new FilesystemWriter(dir);
    for (const e of small.events) await writer.apply(e);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const config = () => `type: FILESYSTEM\nconfig:\n  directory: ${dir}\n`;

  it("prints per cluster the stalled periods, pages and recoveries, and what it cannot tell", async () => {
    const r = await runCli(["backtest", "--objstore.config", config(), "--now", new Date(small.to).toISOString(), "--days", "3"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const name = small.incidents[0]!.cluster;
    expect(r.stdout).toContain("CLUSTER");
    expect(r.stdout).toMatch(new RegExp(`\\n${name}\\n(  .*\\n)*  stalled `));
    expect(r.stdout).toMatch(/  page     /);
    expect(r.stdout).toMatch(/  recovery /);
    expect(r.stdout).toContain("What this cannot tell");
  });

  it("--output json: the same, with ISO times", async () => {
    const r = await runCli(["backtest", "--objstore.config", config(), "--now", new Date(small.to).toISOString(), "--days", "3", "--output", "json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { to: string; clusters: { cluster: string; periods: { status: string; from: string }[]; notices: { kind: string }[] }[]; limits: string[] };
    expect(j.to).toBe(new Date(small.to).toISOString());
    const c = j.clusters.find((x) => x.cluster === small.incidents[0]!.cluster)!;
    expect(c.periods.some((p) => p.status === "stalled" && /Z$/.test(p.from))).toBe(true);
    expect(c.notices.map((n) => n.kind)).toEqual(["page", "recovery"]);
    expect(j.limits.length).toBeGreaterThanOrEqual(3);
  });

  it("refuses a bad --days", async () => {
    const r = await runCli(["backtest", "--objstore.config", config(), "--days", "-1"]);
    expect(r.code).toBe(2); // a usage error
    expect(r.stderr).toMatch(/--days/);
  });
});
