import { describe, expect, it } from "vitest";
import type { ClusterVerdict, Report } from "../lib/health/report";
import { batchMetricData, estimateDatumBytes, MAX_BATCH_BYTES } from "../lib/metrics/batch";
import { cloudwatchDimensionValue, isValidDimensionValue } from "../lib/metrics/dimension";
import { cloudwatchValue, metricData, type MetricDatum } from "../lib/metrics/metric-data";
import { sendBatches } from "../lib/metrics/send-batches";
import { report as sharedReport, verdict } from "./support/reports";

const NOW = "2025-03-01T12:00:00.000Z";

const report = (over: Partial<Report> = {}): Report => sharedReport(over.clusters ?? [], over);

const byName = (data: MetricDatum[], name: string, cluster?: string) =>
  data.filter((d) => d.MetricName === name && (cluster === undefined || d.Dimensions?.[0]?.Value === cluster));

/** Deterministic PRNG (mulberry32), so a failure reproduces. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("cloudwatchDimensionValue", () => {
  it("keeps valid names unchanged", () => {
    for (const n of ["cluster-one", "a", "prod eu-west-1", "x".repeat(1024), "caf?~deadbeef"]) {
      expect(cloudwatchDimensionValue(n)).toBe(n);
    }
  });

  it("replaces, hashes and truncates invalid names", () => {
    const v = cloudwatchDimensionValue("café");
    expect(v).toMatch(/^caf\?~[0-9a-f]{8}$/);
    expect(cloudwatchDimensionValue("café")).toBe(v); // stable
    expect(cloudwatchDimensionValue("cafè")).not.toBe(v); // differs only in the non-ASCII char
    expect(cloudwatchDimensionValue("🚀x")).toMatch(/^\?x~[0-9a-f]{8}$/); // one ? per code point
    expect(cloudwatchDimensionValue("a\nb")).toMatch(/^a\?b~/);
    expect(isValidDimensionValue(cloudwatchDimensionValue(""))).toBe(true);
    expect(isValidDimensionValue(cloudwatchDimensionValue("   "))).toBe(true);
    const long = cloudwatchDimensionValue("y".repeat(5000));
    expect(long).toHaveLength(1024);
    expect(long).not.toBe(cloudwatchDimensionValue("y".repeat(5001)));
    // Lone surrogates would both become U+FFFD in UTF-8: they must still differ.
    expect(cloudwatchDimensionValue("a\ud800")).not.toBe(cloudwatchDimensionValue("a\ud801"));
  });

  it("maps 10,000 random distinct names to 10,000 distinct valid values", () => {
    const rand = rng(42);
    const alphabets = ["abcdefghij-_.", "éèêëàâ日本語🚀\u0000\t\n\u007f", " ~?", "\ud800\udc00\ud801"];
    const names = new Set<string>(["", " ", "café", "cafè", "cafë", "x".repeat(1030), "x".repeat(1031)]);
    while (names.size < 10_000) {
      const len = rand() < 0.02 ? 1000 + Math.floor(rand() * 200) : Math.floor(rand() * 12);
      let s = "";
      for (let i = 0; i < len; i++) {
        const a = alphabets[Math.floor(rand() * alphabets.length)]!;
        s += a[Math.floor(rand() * a.length)]!;
      }
      names.add(s);
    }
    const values = [...names].map(cloudwatchDimensionValue);
    expect(new Set(values).size).toBe(10_000);
    expect(values.filter((v) => !isValidDimensionValue(v))).toEqual([]);
  });
});

describe("metricData", () => {
  const r = report({
    complete: true,
    clusters: [
      verdict("ok-1"),
      verdict("late-1", { status: "late", dataLagSeconds: 13_000 }),
      verdict("stalled-1", { status: "stalled", dataLagSeconds: 20_000, lastUploadAt: null, blocksUploaded: 0, bytesUploaded: 0 }),
      verdict("missing-1", { status: "missing", dataLagSeconds: null, newestMaxTime: null, lastUploadAt: null, newestBlock: null, blocksUploaded: 0, bytesUploaded: 0 }),
    ],
    partialBlocks: [{ block: "P1", ageSeconds: 9000 }],
    corruptBlocks: [{ block: "C1", reason: "not JSON" }, { block: "C2", reason: "version 2" }],
    unlabeledBlocks: [{ block: "U1", labels: {} }],
    overlaps: [
      { cluster: "cluster-one", labels: { cluster_id: "cluster-one" }, blocks: ["O1", "O2", "O3"] },
      { cluster: "b", labels: { cluster_id: "b" }, blocks: ["O4", "O5"] },
    ],
  });
  const data = metricData(r);
  const value = (name: string, cluster?: string) => byName(data, name, cluster).map((d) => d.Value);

  it("emits the run metrics", () => {
    expect(value("ClustersOk")).toEqual([1]);
    expect(value("ClustersLate")).toEqual([1]);
    expect(value("ClustersStalled")).toEqual([1]);
    expect(value("ClustersMissing")).toEqual([1]);
    expect(byName(data, "WorstDataLagSeconds")).toMatchObject([{ Value: Math.max(...r.clusters.map((c) => c.dataLagSeconds ?? 0)), Unit: "Seconds" }]);
    expect(value("RunSucceeded")).toEqual([1]);
    // Findings and run time are no metric of ours (the board, the alerts, the Lambda's Duration).
    expect(byName(data, "RunDurationMs")).toEqual([]);
    expect(byName(data, "PartialBlocks")).toEqual([]);
    expect(data.slice(0, 6).every((d) => d.Dimensions === undefined)).toBe(true);
  });

  it("emits per-cluster metrics, skipping unknown lag and upload age", () => {
    expect(byName(data, "DataLagSeconds", "ok-1")).toMatchObject([{ Value: 3600, Unit: "Seconds" }]);
    expect(byName(data, "UploadAgeSeconds", "ok-1")).toMatchObject([{ Value: 1800, Unit: "Seconds" }]);
    expect(byName(data, "BlocksUploaded", "ok-1")).toMatchObject([{ Value: 2, Unit: "Count" }]);
    expect(byName(data, "BytesUploaded", "ok-1")).toMatchObject([{ Value: 1_000_000, Unit: "Bytes" }]);
    expect(value("Stalled", "ok-1")).toEqual([0]);
    expect(value("Stalled", "late-1")).toEqual([0]);
    expect(value("Stalled", "stalled-1")).toEqual([1]);
    expect(value("Stalled", "missing-1")).toEqual([1]);
    expect(value("UploadAgeSeconds", "stalled-1")).toEqual([]);
    expect(value("DataLagSeconds", "missing-1")).toEqual([]);
    expect(value("UploadAgeSeconds", "missing-1")).toEqual([]);
    expect(data).toHaveLength(6 + 5 + 5 + 4 + 3);
    expect(data.every((d) => d.Timestamp?.toISOString() === NOW)).toBe(true);
    expect(byName(data, "Stalled", "ok-1")[0]!.Dimensions).toEqual([{ Name: "Cluster", Value: "ok-1" }]);
  });

  it("can leave per-cluster metrics out and omits the heartbeat of an incomplete run", () => {
    const off = metricData(r, { perClusterMetrics: false });
    expect(off).toHaveLength(6);
    const incomplete = metricData({ ...r, complete: false });
    expect(byName(incomplete, "RunSucceeded")).toEqual([]);
    expect(byName(metricData({ ...r, complete: false }, { heartbeat: true }), "RunSucceeded")).toHaveLength(1);
  });

  it("never emits NaN or Infinity, and clamps out-of-range values", () => {
    const bad = report({
      clusters: [
        verdict("nan", { dataLagSeconds: NaN, blocksUploaded: Infinity, bytesUploaded: -Infinity, lastUploadAt: "not a date" }),
        verdict("huge", { bytesUploaded: 1e300, dataLagSeconds: 1e-300 }),
      ],
      stats: { prefixesListed: 0, metaRead: 0, listRequests: 0, getRequests: 0, durationMs: NaN },
    });
    const d = metricData(bad);
    expect(d.every((x) => Number.isFinite(x.Value))).toBe(true);
    expect(byName(d, "WorstDataLagSeconds")).toMatchObject([{ Value: 0 }]);
    expect(byName(d, "DataLagSeconds", "nan")).toEqual([]);
    expect(byName(d, "UploadAgeSeconds", "nan")).toEqual([]);
    expect(byName(d, "BytesUploaded", "huge")[0]!.Value).toBe(2 ** 360);
    expect(byName(d, "DataLagSeconds", "huge")[0]!.Value).toBe(0);
    expect(cloudwatchValue(-1e300)).toBe(-(2 ** 360));
    // An unparseable `now` leaves the timestamp to CloudWatch rather than sending an invalid date.
    expect(metricData({ ...bad, now: "garbage" }).every((x) => x.Timestamp === undefined)).toBe(true);
  });

  it("sanitises cluster names in dimensions", () => {
    const d = metricData(report({ clusters: [verdict("prod-é")] }));
    expect(byName(d, "Stalled")[0]!.Dimensions![0]!.Value).toBe(cloudwatchDimensionValue("prod-é"));
  });
});

describe("batchMetricData", () => {
  const datum = (i: number, name = `c${i}`): MetricDatum => ({
    MetricName: "Stalled", Unit: "None", Value: 0, Timestamp: new Date(NOW), Dimensions: [{ Name: "Cluster", Value: name }],
  });

  it("cuts at 1,000 items and keeps order", () => {
    const data = Array.from({ length: 2500 }, (_, i) => datum(i));
    const batches = batchMetricData(data);
    expect(batches.map((b) => b.length)).toEqual([1000, 1000, 500]);
    expect(batches.flat()).toEqual(data);
  });

  it("cuts by estimated size for long dimension values", () => {
    // 1,024-character values full of quotes (escaped in JSON): ~2 KB each, so < 1,000 per batch.
    const data = Array.from({ length: 1000 }, (_, i) => datum(i, `${i}`.padEnd(1024, '"')));
    const batches = batchMetricData(data);
    expect(batches.length).toBeGreaterThan(2);
    for (const b of batches) {
      expect(b.reduce((n, d) => n + estimateDatumBytes(d), 0)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    }
    expect(batches.flat()).toHaveLength(1000);
  });

  it("handles nothing", () => {
    expect(batchMetricData([])).toEqual([]);
  });
});

describe("sendBatches", () => {
  const noSleep = async () => {};

  it("bounds concurrency and retries failed batches", async () => {
    let inFlight = 0;
    let peak = 0;
    const tries = new Map<number, number>();
    const result = await sendBatches(
      Array.from({ length: 20 }, (_, i) => [i, i]),
      async (b) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 2));
        inFlight--;
        const n = (tries.get(b[0]!) ?? 0) + 1;
        tries.set(b[0]!, n);
        if (b[0]! % 5 === 0 && n < 2) throw new Error("transient");
      },
      { concurrency: 4, sleep: noSleep },
    );
    expect(peak).toBe(4);
    expect(result).toEqual({ sent: 40, failed: 0, errors: [] });
    expect(tries.get(5)).toBe(2);
  });

  it("reports what it gives up on, without throwing", async () => {
    let calls = 0;
    const result = await sendBatches(
      [[1, 2, 3], [4]],
      async (b) => {
        calls++;
        if (b.length === 3) throw Object.assign(new Error("boom"), { name: "InternalServiceFault" });
      },
      { attempts: 3, sleep: noSleep },
    );
    expect(result.sent).toBe(1);
    expect(result.failed).toBe(3);
    expect(result.errors).toEqual(["batch 1/2 (3 items) failed after 3 attempt(s): InternalServiceFault: boom"]);
    expect(calls).toBe(4);
  });

  it("does not retry what retryable() refuses", async () => {
    let calls = 0;
    const result = await sendBatches([[1]], async () => { calls++; throw new Error("invalid"); }, { retryable: () => false, sleep: noSleep });
    expect(calls).toBe(1);
    expect(result.failed).toBe(1);
  });
});
