// The compactor's and retention's alerts: decided from the report, rendered on every channel.
import { describe, expect, it } from "vitest";
import { decideAlerts } from "../lib/alerts/decide";
import type { Ledger } from "../lib/alerts/ledger";
import { severityOf, soleCluster } from "../lib/alerts/notification";
import { renderNotification } from "../lib/alerts/render";
import type { CompactorReport, Report } from "../lib/health/report";
import { metricData } from "../lib/metrics/metric-data";
import { report, verdict } from "./support/reports";

const H = 3_600_000;
const T0 = Date.parse("2025-03-01T12:00:00Z");
const policy = { remindEveryMs: 24 * H };

function compactor(status: CompactorReport["status"], over: Partial<CompactorReport> = {}): CompactorReport {
  return {
    status,
    unknownReason: status === "unknown" ? "too-little-history" : null,
    lastCompactionAt: status === "unknown" ? null : new Date(T0 - (status === "stalled" ? 50 : 2) * H).toISOString(),
    backlogBlocks: status === "ok" ? 2 : 30,
    oldestBacklogBlock: "01JN0000000000000000000000",
    oldestBacklogSeconds: status === "ok" ? 3 * 3600 : 40 * 3600,
    haltedOnOverlaps: false,
    ...over,
  };
}

const at = (c: CompactorReport, extra: Partial<Report> = {}) => report([verdict("a")], { compactor: c, ...extra });

/** Runs the reports in turn through the ledger, each 2h after the last; returns what each run sent. */
function runs(reports: Report[]) {
  let ledger: Ledger | null = decideAlerts(null, at(compactor("ok")), T0 - 2 * H, policy).ledgerAfterPublish;
  return reports.map((r, i) => {
    const d = decideAlerts(ledger, r, T0 + i * 2 * H, policy);
    ledger = d.ledgerAfterPublish;
    return d.notification;
  });
}

describe("compactor and retention alerts", () => {
  it("stalled is a warning sent once, then a recovery notice once when compaction resumes", () => {
    const sent = runs([at(compactor("stalled")), at(compactor("stalled")), at(compactor("ok")), at(compactor("ok"))]);
    expect(sent[0]!.compactor?.state).toBe("stalled");
    expect(severityOf(sent[0]!)).toBe("warning");
    expect(soleCluster(sent[0]!)).toBeNull();
    expect(sent[1]).toBeNull();
    expect(sent[2]!.compactor?.state).toBe("resumed");
    expect(severityOf(sent[2]!)).toBe("info");
    expect(sent[3]).toBeNull();
  });

  it("behind is dashboard only; unknown after a stall is no recovery", () => {
    expect(runs([at(compactor("behind")), at(compactor("behind"))])).toEqual([null, null]);
    const sent = runs([at(compactor("stalled")), at(compactor("unknown")), at(compactor("behind"))]);
    expect(sent.map((n) => n?.compactor?.state ?? null)).toEqual(["stalled", null, "resumed"]);
  });

  it("says it has most likely halted on the overlaps, how to confirm and how to mend", () => {
    const overlaps = [{ cluster: "cluster-one", labels: { cluster_id: "cluster-one" }, blocks: ["01JN0000000000000000000001", "01JN0000000000000000000002"] }];
    const [n] = runs([at(compactor("stalled", { haltedOnOverlaps: true }), { overlaps })]);
    const msg = renderNotification(n!);
    expect(msg.Subject).toContain("compactor halted on overlaps");
    const text = JSON.parse(msg.Message).default as string;
    expect(text).toContain("COMPACTOR STALLED");
    expect(text).toContain("critical error detected; halting");
    expect(text).toContain("thanos_compact_halted");
    expect(text).toContain("no-compact");
    const chat = JSON.parse(JSON.parse(msg.Message).https);
    expect(JSON.stringify(chat)).toContain("Compactor stalled");
  });

  it("retention not applied: a warning once", () => {
    const retention = { expected: "30d", oldestMaxTime: new Date(T0 - 40 * 24 * H).toISOString(), overdueBlocks: 12, oldestByCluster: [] };
    const sent = runs([at(compactor("ok"), { retention }), at(compactor("ok"), { retention }), at(compactor("ok"), { retention: { ...retention, overdueBlocks: 0 } })]);
    expect(sent[0]!.retention?.overdueBlocks).toBe(12);
    expect(severityOf(sent[0]!)).toBe("warning");
    expect(renderNotification(sent[0]!).Subject).toContain("retention not applied");
    expect(sent.slice(1)).toEqual([null, null]);
  });

  it("sends compaction lag and backlog as fleet-level metrics, no per-cluster ones", () => {
    const data = metricData(at(compactor("stalled")), { perClusterMetrics: false });
    const byName = Object.fromEntries(data.map((d) => [d.MetricName, d]));
    expect(byName.CompactionLagSeconds).toMatchObject({ Value: 50 * 3600, Unit: "Seconds" });
    expect(byName.CompactionBacklogBlocks).toMatchObject({ Value: 30, Unit: "Count" });
    // A handful of fleet metrics: the backlog's age is on the board and in the report, not a metric ($0.30 a month each).
    expect(byName.CompactionBacklogAgeSeconds).toBeUndefined();
    expect(data.filter((d) => d.MetricName.startsWith("Compaction")).every((d) => d.Dimensions === undefined)).toBe(true);
    expect(metricData(at(compactor("unknown"))).some((d) => d.MetricName === "CompactionLagSeconds")).toBe(false);
  });
});
