import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { boardView, estimateCost, estimateWithSaving, metricsCost, perRun, scheduleMinutes } from "../lib/cost/model";

const item = (e: ReturnType<typeof estimateCost>, key: string) => e.items.find((i) => i.key === key)!.monthlyUsd;

describe("cost model", () => {
  it("prices custom metrics over the CloudWatch tiers", () => {
    expect(metricsCost(0)).toBe(0);
    expect(metricsCost(10)).toBeCloseTo(3, 10);
    expect(metricsCost(10_000)).toBeCloseTo(3_000, 6);
    expect(metricsCost(10_001)).toBeCloseTo(3_000.1, 6);
    expect(metricsCost(250_000)).toBeCloseTo(3_000 + 24_000, 6);
    expect(metricsCost(1_000_000)).toBeCloseTo(27_000 + 37_500, 6);
    expect(metricsCost(1_000_010)).toBeCloseTo(64_500.2, 6);
  });

  it("reads schedules as EventBridge rates or durations", () => {
    expect(scheduleMinutes("rate(2 hours)")).toBe(120);
    expect(scheduleMinutes("rate(1 hour)")).toBe(60);
    expect(scheduleMinutes("rate(30 minutes)")).toBe(30);
    expect(scheduleMinutes("rate(1 day)")).toBe(1440);
    expect(scheduleMinutes("90m")).toBe(90);
    expect(() => scheduleMinutes("cron(0 * * * ? *)")).toThrow(/rate\(N minutes/);
    expect(() => scheduleMinutes("30s")).toThrow(/at least one minute/);
  });

  it("derives a run's requests from new blocks and the lookback window listed every run", () => {
    // 1,000 clusters x 1.1 streams x 0.625 prefixes an hour = 687.5 an hour.
    const r = perRun({ ...estimateCost({ clusters: 1000, perClusterMetrics: true }).inputs });
    expect(r.newPrefixes).toBe(1375); // 2 hours
    expect(r.listedPrefixes).toBe(115_500); // the 7-day lookback, listed every run for late uploads
    expect(r.listRequests).toBe(116 + 13); // 116 pages, 14 slices each but the last one page past its end
    expect(r.getRequests).toBe(1375);
    expect(r.metricData).toBe(5008);
    expect(r.putMetricDataCalls).toBe(6);
  });

  it("costs 1,000 clusters on rate(2 hours): metrics dominate", () => {
    const e = estimateCost({ clusters: 1000, durationMs: 1000, perClusterMetrics: true });
    expect(e.runsPerMonth).toBe(365);
    expect(item(e, "metrics")).toBeCloseTo(5008 * 0.3, 6); // $1,502.40
    expect(item(e, "dashboard")).toBe(3);
    expect(item(e, "alarms")).toBeCloseTo(0.1, 10);
    expect(item(e, "metricApi")).toBeCloseTo(365 * 6 * 0.00001, 10);
    expect(item(e, "s3List")).toBeCloseTo(365 * 129 * 0.000005, 10);
    expect(item(e, "s3State")).toBeGreaterThan(365 * 2 * 0.000005); // the state and the board, each run
    expect(item(e, "s3Get")).toBeCloseTo(365 * 1376 * 0.0000004, 10);
    // 256 MB for 1 s, 365 times: 91.25 GB-s at the arm64 price, plus 365 requests.
    expect(item(e, "lambda")).toBeCloseTo(91.25 * 0.0000133334 + 365 * 0.0000002, 10);
    expect(item(e, "schedule")).toBe(0);
    expect(e.dominant).toBe("metrics");
    expect(e.totalUsd).toBeCloseTo(e.items.reduce((s, i) => s + i.monthlyUsd, 0), 10);
    expect(e.totalUsd).toBeGreaterThan(1505);
    expect(e.totalUsd).toBeLessThan(1507);
  });

  it("turning per-cluster metrics off leaves the run metrics and saves the rest", () => {
    const r = estimateWithSaving({ clusters: 1000, durationMs: 1000, perClusterMetrics: true });
    const off = estimateCost({ clusters: 1000, durationMs: 1000, perClusterMetrics: false });
    expect(item(off, "metrics")).toBeCloseTo(8 * 0.3, 10);
    expect(off.perRun.putMetricDataCalls).toBe(1);
    expect(r.withoutPerClusterMetrics).toBeCloseTo(off.totalUsd, 10);
    // $1,500 of metrics and 5 fewer PutMetricData calls a run.
    expect(r.saving).toBeCloseTo(1500 + 365 * 5 * 0.00001, 6);
    // $1.80 of fleet metrics against a $3.00 dashboard.
    expect(off.dominant).toBe("dashboard");
  });

  it("10,000 clusters cross into the second metric tier", () => {
    const e = estimateCost({ clusters: 10_000, durationMs: 1000, perClusterMetrics: true });
    expect(e.metrics).toBe(50_008);
    expect(item(e, "metrics")).toBeCloseTo(3000 + 40_008 * 0.1, 6); // $7,000.80
  });

  it("counts the always-free allowances only when asked", () => {
    const e = estimateCost({ clusters: 1000, durationMs: 1000, freeTier: true, perClusterMetrics: true });
    expect(item(e, "lambda")).toBe(0);
    expect(item(e, "dashboard")).toBe(0);
    expect(item(e, "alarms")).toBe(0);
    expect(item(e, "metricApi")).toBe(0);
    expect(item(e, "metrics")).toBeCloseTo(4998 * 0.3, 6);
  });

  it("keeps the default deployment at 1,000 clusters near $6 a month, board views included", () => {
    const e = estimateCost({ clusters: 1000 });
    expect(e.inputs.perClusterMetrics).toBe(false);
    // $5.99: the dashboard ($3), 8 fleet metrics ($2.40), 1 alarm ($0.10), listing the lookback for
    // late uploads ($0.24) and cents of the rest.
    expect(e.totalUsd).toBeLessThanOrEqual(6);
    // A view is one short invocation serving the board the run drew, its GET and a HEAD of the state.
    const board = item(e, "board");
    const perView = estimateCost({ clusters: 1000, boardViewsPerMonth: 1 });
    expect(board).toBeCloseTo(15_000 * item(perView, "board"), 8);
    expect(item(estimateCost({ clusters: 1000, boardViewsPerMonth: 0 }), "board")).toBe(0);
    const view = boardView(e.inputs);
    expect(e.inputs.boardMemoryMb).toBe(256);
    expect(view.durationMs).toBeGreaterThan(60); // at least the GET
    expect(view.durationMs).toBeLessThan(200);
    expect(board).toBeCloseTo(15_000 * ((256 / 1024) * (view.durationMs / 1000) * 0.0000133334 + 0.0000002 + 2 * 0.0000004), 10);
    expect(board).toBeLessThan(0.05);
    // The run draws the board instead: a PUT and its render time on the run's Lambda.
    expect(e.perRun.statePuts).toBe(2);
    expect(e.perRun.durationMs).toBeGreaterThan(estimateCost({ clusters: 1000, boardViewsPerMonth: 0 }).perRun.durationMs - 1);
  });

  it("prices Federated ETL clusters: one LIST each a run plus the federated/ listing, no GET", () => {
    const thanos = estimateCost({ clusters: 0 });
    const etl = estimateCost({ clusters: 0, etlClusters: 1000 });
    // ceil(1,001 / 1,000) delimiter pages + 1,000 cluster LISTs.
    expect(etl.perRun.etlListRequests).toBe(2 + 1000);
    expect(etl.perRun.listRequests - thanos.perRun.listRequests).toBe(1002);
    expect(etl.perRun.getRequests).toBe(thanos.perRun.getRequests);
    expect(item(etl, "s3List") - item(thanos, "s3List")).toBeCloseTo(365 * 1002 * 0.000005, 8); // $1.83
    expect(estimateCost({ clusters: 10 }).perRun.etlListRequests).toBe(0); // default: none, nothing more
    // Per-cluster metrics count them as clusters.
    expect(estimateCost({ clusters: 100, etlClusters: 50, perClusterMetrics: true }).metrics).toBe(8 + 5 * 150);
    expect(() => estimateCost({ clusters: 1, etlClusters: -1 })).toThrow(/etl clusters/);
  });

  it("scales Lambda with the schedule and the memory", () => {
    const hourly = estimateCost({ clusters: 100, scheduleMinutes: 60, durationMs: 2000, memoryMb: 512 });
    expect(hourly.runsPerMonth).toBe(730);
    expect(hourly.perRun.gbSeconds).toBeCloseTo(1, 10);
    expect(item(hourly, "lambda")).toBeCloseTo(730 * 0.0000133334 + 730 * 0.0000002, 10);
    // A CPU-bound run is slower on less memory (1,769 MB is one vCPU): the model says so.
    expect(estimateCost({ clusters: 1000, memoryMb: 128 }).perRun.durationMs).toBeGreaterThan(estimateCost({ clusters: 1000, memoryMb: 1769 }).perRun.durationMs);
  });

  it("refuses impossible inputs", () => {
    expect(() => estimateCost({ clusters: -1 })).toThrow(/clusters/);
    expect(() => estimateCost({ clusters: 1, memoryMb: 64 })).toThrow(/memory/);
  });
});

describe("blockwatch cost (the real process)", () => {
  it("prints the estimate as JSON", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "lib/cli/bin.ts", "cost", "--clusters", "1000", "--schedule", "rate(1 hour)", "--per-cluster-metrics", "true", "--output", "json"],
      { cwd: new URL("..", import.meta.url).pathname },
    );
    const out = JSON.parse(stdout) as { runsPerMonth: number; dominant: string; totalUsd: number; perClusterMetricsOff: { totalUsd: number; savingUsd: number } };
    expect(out.runsPerMonth).toBe(730);
    expect(out.dominant).toBe("metrics");
    expect(out.perClusterMetricsOff.savingUsd).toBeGreaterThan(1500);
    expect(out.totalUsd - out.perClusterMetricsOff.totalUsd).toBeCloseTo(out.perClusterMetricsOff.savingUsd, 6);
    const etl = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "lib/cli/bin.ts", "cost", "--clusters", "0", "--etl-clusters", "1000"],
      { cwd: new URL("..", import.meta.url).pathname },
    );
    expect(etl.stdout).toContain("1,000 Federated ETL clusters");
    expect(etl.stdout).toMatch(/1,00\d LIST \(1,002 of them Federated ETL\)/);
  }, 30_000);
});
