// Federated ETL news in alerts (lib/alerts) and metrics: the source is said, the next step is
// Kubecost's, gaps and misnamed files are announced once, names from the bucket are escaped.
import { describe, expect, it } from "vitest";
import { decideAlerts } from "../lib/alerts/decide";
import { renderNotification } from "../lib/alerts/render";
import type { ClusterVerdict, Report } from "../lib/health/report";
import { metricData } from "../lib/metrics/metric-data";
import { DEFAULT_POLICY } from "../lib/policy/policy";

const NOW = Date.parse("2026-12-02T12:00:00Z");
const verdict = (cluster: string, over: Partial<ClusterVerdict>): ClusterVerdict => ({
  cluster,
  status: "ok",
  dataLagSeconds: 3600,
  newestMaxTime: new Date(NOW - 3600_000).toISOString(),
  lastUploadAt: new Date(NOW - 3000_000).toISOString(),
  newestBlock: "assets/1h/1764669600-1764673200",
  since: new Date(NOW - 7200_000).toISOString(),
  blocksUploaded: 0,
  bytesUploaded: 0,
  streams: [],
  source: "federated-etl",
  ...over,
});
const report = (clusters: ClusterVerdict[], extra: Partial<Report> = {}): Report => ({
  now: new Date(NOW).toISOString(),
  complete: true,
  clusters,
  partialBlocks: [],
  corruptBlocks: [],
  unlabeledBlocks: [],
  overlaps: [],
  newClusters: [],
  stats: { prefixesListed: 0, metaRead: 0, listRequests: 0, getRequests: 0, durationMs: 0 },
  ...extra,
});
const texts = (r: Report, ledger = decideAlerts(null, report([]), NOW - 3600_000, DEFAULT_POLICY).ledgerAfterPublish) => {
  const d = decideAlerts(ledger, r, NOW, DEFAULT_POLICY);
  const m = JSON.parse(renderNotification(d.notification!).Message) as { default: string; https: string };
  return { d, plain: m.default, chat: m.https };
};

describe("Federated ETL in alerts", () => {
  it("says the source and gives Kubecost's next step for a stalled ETL cluster", () => {
    const { plain, chat } = texts(report([verdict("etl-*prod*", { status: "stalled", dataLagSeconds: 36000 })]));
    expect(plain).toContain("etl-*prod*: stalled since");
    expect(plain).toContain("(Federated ETL)");
    expect(plain).toContain("newest file assets/1h/1764669600-1764673200");
    expect(plain).toContain("deploy/kubecost-cost-analyzer | grep -i federated");
    expect(plain).not.toContain("thanos-sidecar");
    // Chat markdown: the name from the bucket is code, never markup.
    expect(chat).toContain("`etl-*prod*`");
  });

  it("for a cluster in both sources, names the deciding one and the other's status", () => {
    const v = verdict("migrating", {
      status: "stalled",
      dataLagSeconds: 36000,
      sources: [
        { source: "federated-etl", status: "stalled", dataLagSeconds: 36000, newestMaxTime: null, lastUploadAt: null },
        { source: "thanos", status: "stalled", dataLagSeconds: 40000, newestMaxTime: null, lastUploadAt: null },
      ],
    });
    expect(texts(report([v])).plain).toContain("Thanos is stalled, lag 11h");
  });

  it("announces a data gap and a misnamed file once", () => {
    const r = report([verdict("c", {})], {
      dataGaps: [{ cluster: "c", kind: "allocations", from: new Date(NOW - 8 * 3600_000).toISOString(), to: new Date(NOW - 6 * 3600_000).toISOString(), seconds: 7200 }],
      corruptFiles: [{ cluster: "c", file: "federated/c/etl/bingen/assets/1h/latest", reason: "not <start>-<end>" }],
    });
    const first = texts(r);
    expect(first.plain).toMatch(/gaps in federated etl/i);
    expect(first.plain).toContain("no allocations files from");
    expect(first.plain).toContain("federated/c/etl/bingen/assets/1h/latest: not <start>-<end>");
    const again = decideAlerts(first.d.ledgerAfterPublish, r, NOW + 7200_000, DEFAULT_POLICY);
    expect(again.notification).toBeNull();
  });

  it("metrics: an ETL cluster has its lag and stalled flag like any other", () => {
    const data = metricData(report([verdict("c", { status: "stalled", dataLagSeconds: 36000 })]));
    expect(data.find((d) => d.MetricName === "DataLagSeconds")).toMatchObject({ Value: 36000, Dimensions: [{ Name: "Cluster", Value: "c" }] });
    expect(data.find((d) => d.MetricName === "Stalled")?.Value).toBe(1);
    expect(data.map((d) => d.MetricName)).not.toContain("FederatedEtlClusters");
    const withEtl = metricData(report([verdict("c", {})], { sources: ["thanos", "federated-etl"], dataGaps: [], corruptFiles: [] }));
    expect(withEtl.find((d) => d.MetricName === "FederatedEtlClusters")?.Value).toBe(1);
    expect(withEtl.find((d) => d.MetricName === "EtlDataGaps")?.Value).toBe(0);
  });
});
