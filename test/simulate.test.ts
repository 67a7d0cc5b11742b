// The fleet replay's targeted scenarios as engine regression tests: each replays the real scheduled
// run (runMonitor) over a small simulated bucket and scores its alerts against the ground truth.
// The full 30-day, 100-cluster run is `npm run simulate` (docs/alert-quality.md), outside npm test.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ulidFloor } from "../lib/domain/ulid";
import { DEFAULT_POLICY } from "../lib/policy/policy";
import { MemoryBucket } from "../lib/simulate/memory-bucket";
import { DAY, HOUR, MINUTE, type BucketEvent } from "../lib/simulate/model";
import { freshnessSteps, lagPeriods } from "../lib/simulate/oracle";
import { TARGETED } from "../lib/simulate/scenarios";
import { cronSchedule, DEFAULT_CRON, parseSchedule, runTimes, splitSchedules, type Schedule } from "../lib/simulate/schedule";
import { scoreReminders } from "../lib/simulate/score";
import { simulate, type SimulationResult } from "../lib/simulate/simulate";
import { buildTimeline } from "../lib/simulate/timeline";

const scenario = (name: string) => TARGETED.find((t) => t.name === name)!.scenario;
const run = (name: string, schedules: (number | Schedule)[] = [2 * HOUR], extra: Partial<Parameters<typeof simulate>[0]> = {}) =>
  simulate({ scenario: scenario(name), schedules, policy: DEFAULT_POLICY, bucket: "memory", ...extra });
const unmet = (sim: SimulationResult) => sim.results[0]!.goals.filter((g) => !g.met).map((g) => `${g.name}: ${g.detail}`);
const deviations = (sim: SimulationResult) => sim.results[0]!.score.deviations.map((d) => `${d.kind} ${d.cluster}: ${d.evidence}`);
/** Notifications as "time kind cluster" lines, for comparing two replays. */
const transcript = (sim: SimulationResult) =>
  sim.results[0]!.replay.published.flatMap((n) => [
    ...n.down.map((v) => `${n.at} down ${v.cluster} ${v.status}`),
    ...n.reminders.map((v) => `${n.at} reminder ${v.cluster}`),
    ...n.recovered.map((x) => `${n.at} recovered ${x.verdict.cluster}`),
    ...n.overlaps.map((o) => `${n.at} overlap ${o.cluster}`),
    ...n.partialBlocks.map((p) => `${n.at} partial ${p.block}`),
    ...n.newClusters.map((v) => `${n.at} new ${v.cluster}`),
    ...(n.conflicts ?? []).map((c) => `${n.at} two-sources ${c.cluster}`),
    ...(n.degraded ?? []).map((d) => `${n.at} degraded ${d.cluster}`),
    ...(n.replicasBack ?? []).map((d) => `${n.at} replica-back ${d.cluster}`),
    ...(n.gaps ?? []).map((g) => `${n.at} data-lost ${g.cluster}`),
  ]);

describe("the ground truth", () => {
  it("applies the lag rule continuously: late after 3h30m, stalled after 4h, recovered by the upload that brings the lag back", () => {
    const t0 = Date.parse("2025-11-03T00:00:00Z");
    const labels = { cluster_id: "a" };
    // Healthy until 12:00 (data to 10:00); nothing until 20:30, when the backlog up to 18:00 lands.
    const steps = freshnessSteps(
      [
        { at: t0 + 11 * HOUR, maxTime: t0 + 10 * HOUR, labels },
        { at: t0 + 20.5 * HOUR, maxTime: t0 + 14 * HOUR, labels },
        { at: t0 + 20.6 * HOUR, maxTime: t0 + 18 * HOUR, labels },
      ],
      "cluster_id",
    ).get("a")!;
    expect(steps.map((s) => s.at - t0)).toEqual([11 * HOUR, 20.5 * HOUR, 20.6 * HOUR]);
    const periods = lagPeriods(steps, DEFAULT_POLICY.defaults, t0 + DAY);
    expect(periods.map((p) => [p.status, (p.from - t0) / HOUR, p.to === null ? null : (p.to - t0) / HOUR])).toEqual([
      ["late", 13.5, 14],
      ["stalled", 14, 20.6],
      // 20:36 with data to 18:00 is ok; it is late again from 21:30 and stalled from 22:00 on.
      ["late", 21.5, 22],
      ["stalled", 22, null],
    ]);
  });
});

describe("the simulated bucket", () => {
  const tl = buildTimeline(scenario("stalls"));

  it("cuts 2h UTC-aligned blocks about an hour after their window and ships them within seconds when healthy", () => {
    const healthy = tl.blocks.filter((b) => b.instance === "prod-us-west-2-03/r0" && b.cutAt < tl.from);
    expect(healthy.length).toBeGreaterThan(20);
    for (const b of healthy.slice(1)) {
      expect(b.maxTime % (2 * HOUR)).toBe(0);
      expect(b.maxTime - b.minTime).toBe(2 * HOUR);
      expect(b.cutAt - b.maxTime).toBeGreaterThanOrEqual(HOUR);
      expect(b.cutAt - b.maxTime).toBeLessThan(HOUR + 2 * MINUTE);
    }
    const delays = healthy.map((b) => b.uploadedAt! - b.cutAt).sort((a, b) => a - b);
    expect(delays[Math.floor(delays.length / 2)]!).toBeLessThan(MINUTE);
  });

  it("writes meta.json last, marks compacted sources for deletion and deletes them 48h later", () => {
    const byKey = new Map<string, BucketEvent[]>();
    for (const e of tl.events) byKey.set(e.key.slice(0, 26), [...(byKey.get(e.key.slice(0, 26)) ?? []), e]);
    const compacted = tl.compacted.filter((c) => c.level === 2 && c.createdAt < tl.to - 3 * DAY);
    expect(compacted.length).toBeGreaterThan(10);
    for (const c of compacted.slice(0, 10)) {
      expect(c.parents.map((p) => p.ulid).sort()).toEqual(c.sources);
      for (const s of c.sources) {
        const events = byKey.get(s)!;
        const meta = events.filter((e) => e.key.endsWith("/meta.json"));
        const mark = events.find((e) => e.key.endsWith("/deletion-mark.json") && e.body !== null)!;
        const uploaded = meta.find((e) => e.body !== null)!;
        expect(events.filter((e) => e.body !== null && e.at <= uploaded.at).at(-1)!.key).toMatch(/meta\.json$/);
        expect(mark.at).toBeGreaterThan(c.createdAt);
        const deleted = meta.find((e) => e.body === null)!;
        expect(deleted.at - mark.at).toBeGreaterThanOrEqual(2 * DAY);
        expect(deleted.at - mark.at).toBeLessThan(2 * DAY + 2 * HOUR);
      }
    }
  });

  it("leaves the IAM failure's block partial until the role is fixed, and the KMS one cleaned up by the sidecar", () => {
    const iam = tl.incidents.find((i) => i.detail.startsWith("IAM"))!;
    const kms = tl.incidents.find((i) => i.detail.startsWith("KMS"))!;
    expect(iam.partialBlock).toBeDefined();
    const p = tl.partials.find((x) => x.ulid === iam.partialBlock)!;
    expect(p.since).toBeLessThan(iam.start);
    expect(p.until).toBeGreaterThan(iam.end!);
    expect(kms.partialBlock).toBeUndefined();
  });

  it("lists like S3 ListObjectsV2 with a delimiter: names after StartAfter, in order, 1,000 a page, one LIST each", async () => {
    const b = new MemoryBucket();
    for (let i = 0; i < 2500; i++) b.apply({ at: i, key: `${ulidFloor(1e12 + i * 1000)}/meta.json`, body: "{}" });
    b.apply({ at: 0, key: "etl/x.json", body: "{}" });
    const pages: string[][] = [];
    for await (const page of b.listTopLevel(ulidFloor(1e12 + 499_000))) pages.push(page);
    expect(pages.map((p) => p.length)).toEqual([1000, 1000, 1]);
    expect(pages.at(-1)).toEqual(["etl"]);
    expect(b.requests.listRequests).toBe(3);
    b.apply({ at: 1, key: "etl/x.json", body: null });
    expect((await b.listBlock("etl")).length).toBe(0);
  });
});

describe("regression scenarios at rate(2h)", () => {
  it("stalls: each paged within one sweep of the crossing, recovered once, the IAM partial block announced", async () => {
    const sim = await run("stalls");
    expect(unmet(sim)).toEqual([]);
    expect(deviations(sim)).toEqual([]);
    const r = sim.results[0]!;
    expect(r.score.totals.pages).toBe(4);
    expect(r.score.totals.notices.partialBlocks).toBe(1);
    // The decommissioned cluster is reminded, never recovered.
    const decommissioned = sim.timeline.incidents.find((i) => i.kind === "decommissioned")!.cluster;
    expect(transcript(sim).filter((l) => l.includes(decommissioned)).map((l) => l.split(" ")[1])).toEqual(["down", "reminder"]);
  });

  it("quiet: a restart, a label added, an HA replica down and a new cluster page no one; the replica down is a warning, then its return", async () => {
    const sim = await run("quiet");
    expect(deviations(sim)).toEqual([]);
    expect(sim.results[0]!.score.totals.pages).toBe(0);
    const replica = sim.timeline.incidents.find((i) => i.kind === "replica-down")!;
    expect(transcript(sim).map((l) => l.split(" ").slice(1).join(" "))).toEqual([`degraded ${replica.cluster}`, "new dev-new-01", `replica-back ${replica.cluster}`]);
    const row = sim.results[0]!.score.rows.find((r) => r.kind === "replica-down")!;
    expect([row.expected, row.detected, row.withinSweep]).toEqual([1, 1, 1]);
  });

  it("duplicate cluster_id: an overlap notice within one sweep of the second cluster's first upload, no page", async () => {
    const sim = await run("duplicate-cluster-id");
    expect(unmet(sim)).toEqual([]);
    expect(deviations(sim)).toEqual([]);
    const dup = sim.results[0]!.score.rows.find((r) => r.kind === "duplicate-cluster-id")!;
    expect(dup.detected).toBe(2);
    expect(Math.max(...dup.delayFromCrossing)).toBeLessThanOrEqual(2 * HOUR);
  });

  it("repeat collision: a second cluster on the default cluster_id days after the first is announced again", async () => {
    const sim = await run("repeat-collision");
    expect(deviations(sim)).toEqual([]);
    expect(transcript(sim).filter((l) => l.includes("overlap cluster-one"))).toHaveLength(2);
  });

  it("data gaps: a restart that lost 45 minutes is a warning once; recoveries say whether the backlog filled the outage", async () => {
    const sim = await run("data-gaps");
    expect(unmet(sim)).toEqual([]);
    expect(deviations(sim)).toEqual([]);
    const inc = (kind: string) => sim.timeline.incidents.find((i) => i.kind === kind)!;
    const published = sim.results[0]!.replay.published;
    const lost = published.flatMap((n) => n.gaps ?? []);
    expect(lost.map((g) => [g.cluster, g.seconds])).toEqual([[inc("prometheus-restart").cluster, 45 * 60]]);
    const recovery = (cluster: string) => published.flatMap((n) => n.recovered).filter((r) => r.verdict.cluster === cluster);
    expect(recovery(inc("sidecar-down").cluster).map((r) => [r.filled, r.lost])).toEqual([[true, undefined]]);
    const long = recovery(inc("long-outage").cluster);
    expect(long).toHaveLength(1);
    // Prometheus keeps 97h: of a 5-day outage about a day of data never reached the bucket.
    const missing = long[0]!.lost!.reduce((a, g) => a + g.seconds, 0);
    expect(missing).toBeGreaterThan(20 * 3600);
    expect(missing).toBeLessThan(28 * 3600);
    const row = sim.results[0]!.score.rows.find((r) => r.kind === "prometheus-restart")!;
    expect([row.expected, row.detected, row.withinSweep]).toEqual([1, 1, 1]);
  });

  // Rule misses the simulator found, fixed in the engine; each scenario now meets its goal.
  it("outage longer than the lookback: paged once and announced recovered once (was rule miss 1)", async () => {
    expect(deviations(await run("outage-beyond-lookback"))).toEqual([]);
  });

  it("decommissioned while the compactor is halted: never paged twice (was rule miss 1)", async () => {
    expect(deviations(await run("revived-by-compactor"))).toEqual([]);
  });

  it("the duplicate's blocks deleted: the first cluster, healthy, is not paged (was rule miss 2)", async () => {
    expect(deviations(await run("duplicate-cleanup", [10 * MINUTE]))).toEqual([]);
  });

  it("a second cluster on the default cluster_id after the first added a label: a two-sources notice within a sweep (was rule miss 3)", async () => {
    const sim = await run("duplicate-after-label-change");
    expect(deviations(sim)).toEqual([]);
    const dup = sim.results[0]!.score.rows.find((r) => r.kind === "duplicate-cluster-id")!;
    expect(dup.detected).toBe(1);
    expect(Math.max(...dup.delayFromCrossing)).toBeLessThanOrEqual(2 * HOUR);
    // The label added first is no conflict: the one notice is the duplicate's.
    expect(transcript(sim).filter((l) => l.includes("two-sources")).map((l) => Number(l.split(" ")[0]) >= sim.timeline.incidents.find((i) => i.kind === "duplicate-cluster-id")!.start)).toEqual([true]);
  });
});

describe("schedules, buckets and failures", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("rate(30m) pages each stall within 30 minutes of its crossing", async () => {
    const sim = await run("stalls", [30 * MINUTE]);
    expect(unmet(sim)).toEqual([]);
    const stalls = sim.results[0]!.score.rows.filter((r) => r.expected > 0 && r.kind !== "(no incident)");
    expect(Math.max(...stalls.flatMap((r) => r.delayFromCrossing))).toBeLessThanOrEqual(30 * MINUTE);
  });

  it("a FILESYSTEM bucket (files with simulated mtimes) gives the same alerts as the in-memory bucket", async () => {
    const dir = await mkdtemp(join(tmpdir(), "blockwatch-sim-test-"));
    dirs.push(dir);
    const small = { ...scenario("stalls"), days: 3, historyDays: 1, clusters: 4 };
    small.planned = small.planned!.filter((p) => p.cluster < 4);
    const [memory, fs] = await Promise.all([
      simulate({ scenario: small, schedules: [2 * HOUR], policy: DEFAULT_POLICY, bucket: "memory" }),
      simulate({ scenario: small, schedules: [2 * HOUR], policy: DEFAULT_POLICY, bucket: "filesystem", directory: dir }),
    ]);
    expect(transcript(memory).length).toBeGreaterThan(3);
    expect(transcript(fs)).toEqual(transcript(memory));
    expect(fs.results[0]!.replay.requests).toEqual(memory.results[0]!.replay.requests);
  });

  it("failed SNS publishes are decided again: no page lost, none repeated, each recovery once", async () => {
    const sim = await run("stalls", [2 * HOUR], { failPublishEvery: 2 });
    const r = sim.results[0]!;
    expect(r.replay.failedPublishes).toBeGreaterThan(2);
    expect(r.score.totals.stallsDetected).toBe(r.score.totals.stallsInData);
    expect(r.score.totals.duplicatePages).toBe(0);
    expect(r.score.totals.missedRecoveries).toBe(0);
    expect(r.score.totals.duplicateRecoveries).toBe(0);
  });
});

describe("run times: schedules and jitter", () => {
  const t0 = Date.parse("2025-11-03T01:17:00Z");

  it("the default cron fires 5 past every even UTC hour; a rate keeps the deployment's phase", () => {
    const cron = cronSchedule(DEFAULT_CRON);
    expect(cron.intervalMs).toBe(2 * HOUR);
    expect(cron.times(t0, t0 + 6 * HOUR).map((t) => new Date(t).toISOString().slice(11, 16))).toEqual(["02:05", "04:05", "06:05"]);
    expect(parseSchedule("2h").times(t0, t0 + 4 * HOUR).map((t) => new Date(t).toISOString().slice(11, 16))).toEqual(["01:17", "03:17", "05:17"]);
    expect(cronSchedule("cron(0 8,20 ? * MON-FRI *)").intervalMs).toBe(60 * HOUR);
    expect(splitSchedules("cron(0 8,20 ? * MON-FRI *),2h, 30m")).toEqual(["cron(0 8,20 ? * MON-FRI *)", "2h", "30m"]);
    expect(() => parseSchedule("cron(5 0/2 * *)")).toThrow(/six-field/);
  });

  it("starts each run up to the jitter either side of its time, the same way for the same seed", () => {
    const cron = cronSchedule(DEFAULT_CRON);
    const nominal = cron.times(t0, t0 + 10 * DAY);
    const a = runTimes(cron, t0, t0 + 10 * DAY, 30_000, 7);
    expect(a).toEqual(runTimes(cron, t0, t0 + 10 * DAY, 30_000, 7));
    const offsets = a.map((t, i) => t - nominal[i]!);
    expect(Math.max(...offsets.map(Math.abs))).toBeLessThanOrEqual(30_000);
    // Both sides of the minute, and not all alike.
    expect(offsets.some((o) => o < -1000) && offsets.some((o) => o > 1000)).toBe(true);
  });
});

describe("reminder timing in the score", () => {
  const t0 = Date.parse("2025-11-03T02:05:00Z");
  // Every run 5 s late, except those a whole number of days after the first (the page): 5 s early.
  const runs = Array.from({ length: 12 * 5 }, (_, i) => t0 + i * 2 * HOUR + (i > 0 && i % 12 === 0 ? -5_000 : 5_000));
  const down = [{ at: runs[0]!, status: "stalled" }];
  const page = { at: runs[0]!, type: "page" as const };
  const count = (reminders: number[]) => {
    const v = scoreReminders([page, ...reminders.map((at) => ({ at, type: "reminder" as const }))], down, runs, DAY, runs.at(-1)!);
    return Object.fromEntries(["expected", "onTime", "late", "missing", "extra"].map((k) => [k, v.filter((x) => x.kind === k).length]));
  };

  it("anchored reminders (page + k x 24h, first run at or after) score on time", () => {
    // The run a day later starts 10 s before the due time: the next one (2h later) is the first at or after it.
    expect(count([runs[13]!, runs[25]!, runs[37]!, runs[49]!])).toEqual({ expected: 4, onTime: 4, late: 0, missing: 0, extra: 0 });
  });

  it("reminders that drift (24h after the last notice) score late, and a second one for one step extra", () => {
    // Each reminder one run later than the last (as "24h after the last notice" slipped): late, and later each day.
    expect(count([runs[13]!, runs[26]!, runs[39]!, runs[52]!])).toEqual({ expected: 4, onTime: 1, late: 3, missing: 0, extra: 0 });
    expect(count([runs[13]!, runs[14]!])).toEqual({ expected: 4, onTime: 1, late: 0, missing: 3, extra: 1 });
  });

  it("a replayed week-long outage on jittered runs: every reminder on time", async () => {
    const sim = await run("outage-beyond-lookback");
    const rt = sim.results[0]!.score.totals.reminderTiming;
    // Reminders while it is in the report: it leaves it once its blocks are older than the 7-day lookback.
    expect(rt.expected).toBeGreaterThanOrEqual(5);
    expect(rt).toMatchObject({ onTime: rt.expected, late: 0, missing: 0, extra: 0 });
  });
});

describe("an aligned schedule", () => {
  it("cron(5 0/2 * * ? *) pages each stall within 10 minutes of its crossing; rate(2 hours) at the phase 01:17 waits 1h17m", async () => {
    const sim = await run("stalls", [cronSchedule(DEFAULT_CRON), 2 * HOUR]);
    const delays = (i: number) =>
      sim.results[i]!.score.rows.filter((r) => r.kind !== "(no incident)" && r.kind !== "duplicate-cluster-id" && r.kind !== "new-cluster").flatMap((r) => r.delayFromCrossing);
    expect(delays(0).length).toBe(4);
    expect(Math.max(...delays(0))).toBeLessThanOrEqual(10 * MINUTE);
    expect(Math.min(...delays(1))).toBeGreaterThan(HOUR);
    expect(unmet(sim)).toEqual([]);
  });
});
