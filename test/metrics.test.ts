// The metrics publisher end to end: the real CloudWatch SDK client against a local recorder.
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ClusterVerdict, Report } from "../lib/health/report";
import { cloudWatchSink } from "../lib/metrics/cloudwatch-sink";
import { cloudwatchDimensionValue } from "../lib/metrics/dimension";
import { publishReportMetrics } from "../lib/metrics/publish";
import { startCloudWatchRecorder, type CloudWatchRecorder, type RecordedDatum } from "./support/cloudwatch-recorder";
import { report, verdict } from "./support/reports";

const NOW = "2025-03-01T12:00:00.000Z";
const PER_CLUSTER = ["DataLagSeconds", "UploadAgeSeconds", "BlocksUploaded", "BytesUploaded", "Stalled"];


let recorder: CloudWatchRecorder;
const client = (maxAttempts?: number) =>
  new CloudWatchClient({
    endpoint: recorder.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    ...(maxAttempts ? { maxAttempts } : {}),
  });

const key = (d: RecordedDatum) => `${d.MetricName}|${d.Dimensions?.map((x) => `${x.Name}=${x.Value}`).join(",") ?? ""}`;

beforeAll(async () => {
  recorder = await startCloudWatchRecorder();
});
afterAll(async () => {
  await recorder.close();
});
beforeEach(() => recorder.reset());

describe("publishing through the CloudWatch client", () => {
  it("sends names, dimensions, values, units and the run's timestamp", async () => {
    const r = report([verdict("prod-eu"), verdict("gone", { status: "missing", dataLagSeconds: null, lastUploadAt: null, blocksUploaded: 0, bytesUploaded: 0 }), verdict("日本")], {
      corruptBlocks: [{ block: "C1", reason: "not JSON" }],
      overlaps: [{ cluster: "cluster-one", labels: { cluster_id: "cluster-one" }, blocks: ["A", "B"] }],
    });
    const result = await publishReportMetrics(r, cloudWatchSink(client()));
    expect(result).toEqual({ sent: 6 + 5 + 3 + 5, failed: 0, errors: [] });
    expect(recorder.puts).toHaveLength(1);
    expect(recorder.puts[0]!.namespace).toBe("Blockwatch");
    const data = recorder.data();
    const get = (name: string, cluster?: string) =>
      data.filter((d) => d.MetricName === name && (cluster === undefined ? !d.Dimensions : d.Dimensions?.[0]?.Value === cluster));
    expect(get("DataLagSeconds", "prod-eu")).toEqual([
      { MetricName: "DataLagSeconds", Dimensions: [{ Name: "Cluster", Value: "prod-eu" }], Timestamp: Date.parse(NOW) / 1000, Value: 3600, Unit: "Seconds" },
    ]);
    expect(get("UploadAgeSeconds", "prod-eu")[0]).toMatchObject({ Value: 1800, Unit: "Seconds" });
    expect(get("BytesUploaded", "prod-eu")[0]).toMatchObject({ Value: 1_000_000, Unit: "Bytes" });
    expect(get("Stalled", "gone")[0]).toMatchObject({ Value: 1, Unit: "None" });
    expect(get("DataLagSeconds", "gone")).toEqual([]);
    expect(get("Stalled", cloudwatchDimensionValue("日本"))[0]).toMatchObject({ Value: 0 });
    expect(get("ClustersMissing")[0]).toMatchObject({ Value: 1, Unit: "Count" });
    expect(get("WorstDataLagSeconds")[0]).toMatchObject({ Unit: "Seconds" });
    expect(get("RunSucceeded")[0]).toMatchObject({ Value: 1, Unit: "Count" });
    expect(data.every((d) => d.Timestamp === Date.parse(NOW) / 1000)).toBe(true);
    expect(recorder.rejections).toEqual([]);
  });

  it("uses the namespace given and can leave per-cluster metrics out", async () => {
    const result = await publishReportMetrics(report([verdict("a")]), cloudWatchSink(client()), { namespace: "Team/Blockwatch", perClusterMetrics: false });
    expect(result.sent).toBe(6);
    expect(recorder.puts[0]!.namespace).toBe("Team/Blockwatch");
    expect(recorder.data().some((d) => d.Dimensions)).toBe(false);
  });

  it("delivers every item of a 10,000-cluster report exactly once, in batches of at most 1,000", async () => {
    const clusters = Array.from({ length: 10_000 }, (_, i) => verdict(`cluster-${i}`, { dataLagSeconds: i }));
    const result = await publishReportMetrics(report(clusters), cloudWatchSink(client()));
    expect(result).toEqual({ sent: 50_006, failed: 0, errors: [] });
    expect(recorder.puts.length).toBeGreaterThanOrEqual(51);
    expect(Math.max(...recorder.puts.map((p) => p.data.length))).toBeLessThanOrEqual(1000);
    expect(Math.max(...recorder.puts.map((p) => p.bytes))).toBeLessThanOrEqual(1_000_000);
    expect(recorder.puts.filter((p) => p.data.length === 1000).every((p) => p.gzip)).toBe(true); // SDK gzips > 10 KB
    const keys = recorder.data().map(key);
    expect(keys).toHaveLength(50_006);
    expect(new Set(keys).size).toBe(50_006);
    for (const name of PER_CLUSTER) expect(keys.filter((k) => k.startsWith(`${name}|`))).toHaveLength(10_000);
    expect(recorder.data().find((d) => d.MetricName === "DataLagSeconds" && d.Dimensions?.[0]?.Value === "cluster-9999")?.Value).toBe(9999);
    expect(recorder.rejections).toEqual([]);
  });

  it("splits by size when names are long, keeping each request under 1 MB", async () => {
    const clusters = Array.from({ length: 1000 }, (_, i) => verdict(`${i}-`.padEnd(1024, '\\"')));
    const result = await publishReportMetrics(report(clusters), cloudWatchSink(client()));
    expect(result).toEqual({ sent: 5006, failed: 0, errors: [] });
    expect(recorder.rejections).toEqual([]);
    expect(recorder.puts.length).toBeGreaterThan(6);
    expect(Math.max(...recorder.puts.map((p) => p.bytes))).toBeLessThanOrEqual(1_000_000);
  });

  it("retries a batch that failed through the SDK's own retries", async () => {
    // One request at a time so the failures hit one batch: 3 SDK attempts fail, the outer retry wins.
    recorder.failNext(3, "server-error");
    const clusters = Array.from({ length: 300 }, (_, i) => verdict(`c${i}`));
    const result = await publishReportMetrics(report(clusters), cloudWatchSink(client(), { concurrency: 1, backoffMs: 10 }));
    expect(result).toEqual({ sent: 1506, failed: 0, errors: [] });
    expect(recorder.requests).toBe(recorder.puts.length + 3);
    const keys = recorder.data().map(key);
    expect(new Set(keys).size).toBe(1506);
    expect(keys).toHaveLength(1506);
  });

  it("retries throttling with concurrent batches, each item arriving once", async () => {
    recorder.failNext(6, "throttling");
    const clusters = Array.from({ length: 2000 }, (_, i) => verdict(`c${i}`));
    const result = await publishReportMetrics(report(clusters), cloudWatchSink(client(1), { backoffMs: 10 }));
    expect(result).toEqual({ sent: 10_006, failed: 0, errors: [] });
    expect(recorder.requests).toBe(recorder.puts.length + 6);
    const keys = recorder.data().map(key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toHaveLength(10_006);
  });

  it("reports batches it gives up on instead of throwing or dropping them silently", async () => {
    recorder.failNext(1000, "server-error");
    const result = await publishReportMetrics(report([verdict("a")]), cloudWatchSink(client(1), { attempts: 2, backoffMs: 1 }));
    expect(result.sent).toBe(0);
    expect(result.failed).toBe(11);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatch(/batch 1\/1 \(11 items\) failed after 2 attempt\(s\): InternalServiceFault/);
    expect(recorder.requests).toBe(2);
  });

  it("does not retry a validation error", async () => {
    recorder.failNext(1, "invalid");
    const result = await publishReportMetrics(report([verdict("a")]), cloudWatchSink(client(), { backoffMs: 1 }));
    expect(result.failed).toBe(11);
    expect(result.errors[0]).toMatch(/InvalidParameterValue/);
    expect(recorder.requests).toBe(1);
  });

  it("refuses an invalid namespace without a request", async () => {
    const result = await publishReportMetrics(report([]), cloudWatchSink(client()), { namespace: "AWS/EC2" });
    expect(result).toMatchObject({ sent: 0, failed: 5 });
    expect(recorder.requests).toBe(0);
  });

  it("never sends NaN or Infinity", async () => {
    const r = report([verdict("nan", { dataLagSeconds: NaN, bytesUploaded: Infinity, lastUploadAt: "bad" })], {
      stats: { prefixesListed: 0, metaRead: 0, listRequests: 0, getRequests: 0, durationMs: -Infinity },
    });
    const result = await publishReportMetrics(r, cloudWatchSink(client()));
    expect(result.failed).toBe(0);
    expect(recorder.rejections).toEqual([]);
    expect(recorder.data().every((d) => typeof d.Value === "number" && Number.isFinite(d.Value))).toBe(true);
    expect(recorder.data().map((d) => d.MetricName)).not.toContain("DataLagSeconds");
  });

  it("has a recorder that rejects what CloudWatch would (so the checks above mean something)", async () => {
    const c = client(1);
    const datum = { MetricName: "X", Value: 1, Dimensions: [{ Name: "Cluster", Value: "a" }] };
    await expect(c.send(new PutMetricDataCommand({ Namespace: "N", MetricData: Array.from({ length: 1001 }, () => datum) }))).rejects.toThrow();
    await expect(c.send(new PutMetricDataCommand({ Namespace: "N", MetricData: [{ ...datum, Value: NaN }] }))).rejects.toThrow();
    await expect(c.send(new PutMetricDataCommand({ Namespace: "N", MetricData: [{ ...datum, Dimensions: [{ Name: "Cluster", Value: "é" }] }] }))).rejects.toThrow();
    expect(recorder.rejections).toEqual([
      "1001 data in one call",
      "non-finite value NaN for X",
      'invalid dimension value "é"',
    ]);
    expect(recorder.puts).toEqual([]);
  });
});
