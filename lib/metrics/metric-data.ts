import type { Report } from "../health/report";
import { isDown } from "../health/status";
import { cloudwatchDimensionValue } from "./dimension";

export type MetricUnit = "Seconds" | "Milliseconds" | "Bytes" | "Count" | "None";

/**
 * One CloudWatch datum, shaped like the SDK's `MetricDatum` (assignable to it) but with the fields
 * we always set made required, so this module stays free of the SDK.
 */
export interface MetricDatum {
  MetricName: string;
  Unit: MetricUnit;
  Value: number;
  /** Absent only when `report.now` is not a date: CloudWatch then stamps the time of receipt. */
  Timestamp?: Date;
  Dimensions?: { Name: string; Value: string }[];
}

export interface MetricDataOptions {
  /** Per-cluster metrics cost $0.30 each a month (5 per cluster); off leaves only run metrics. */
  perClusterMetrics?: boolean;
  /**
   * Whether to send the `RunSucceeded` heartbeat. Default: `report.complete`. A run stopped by its
   * time budget is not a good run: a monitor that never finishes should trip the heartbeat alarm.
   */
  heartbeat?: boolean;
}

export const CLUSTER_DIMENSION = "Cluster";

// CloudWatch rejects |value| > 2^360 and (per older docs) tiny magnitudes; NaN/Infinity never.
const MAX_MAGNITUDE = 2 ** 360;
const MIN_MAGNITUDE = 2 ** -360;

/** A finite value CloudWatch accepts, or null for NaN/±Infinity (unknown: better absent than 0). */
export function cloudwatchValue(v: number): number | null {
  if (!Number.isFinite(v)) return null;
  const abs = Math.abs(v);
  if (abs > MAX_MAGNITUDE) return Math.sign(v) * MAX_MAGNITUDE;
  if (abs < MIN_MAGNITUDE) return 0;
  return v;
}

/**
 * The metrics of one run, run-wide ones first. Pure: same report, same data. Every datum carries
 * `report.now`, so a late or retried publish lands on the run's own minute.
 */
export function metricData(report: Report, options: MetricDataOptions = {}): MetricDatum[] {
  const nowMs = Date.parse(report.now);
  const timestamp = Number.isFinite(nowMs) ? new Date(nowMs) : undefined;
  const out: MetricDatum[] = [];
  const add = (MetricName: string, Unit: MetricUnit, value: number, cluster?: string) => {
    const Value = cloudwatchValue(value);
    if (Value === null) return;
    const d: MetricDatum = { MetricName, Unit, Value };
    if (timestamp) d.Timestamp = timestamp;
    if (cluster !== undefined) d.Dimensions = [{ Name: CLUSTER_DIMENSION, Value: cloudwatchDimensionValue(cluster) }];
    out.push(d);
  };

  const count = (status: string) => report.clusters.filter((c) => c.status === status).length;
  add("ClustersOk", "Count", count("ok"));
  add("ClustersLate", "Count", count("late"));
  add("ClustersStalled", "Count", count("stalled"));
  add("ClustersMissing", "Count", count("missing"));
  // A handful of fleet metrics ($0.30 a month each): the board and the alerts carry the findings,
  // and the Lambda's own Duration metric (free) the run time.
  const lags = report.clusters.map((c) => c.dataLagSeconds).filter((l): l is number => l !== null && Number.isFinite(l));
  if (lags.length > 0) add("WorstDataLagSeconds", "Seconds", Math.max(...lags));
  if (report.sources?.includes("federated-etl")) {
    // Only where the bucket holds Federated ETL: a Thanos-only deployment keeps its metric set (and bill).
    add("FederatedEtlClusters", "Count", report.clusters.filter((c) => c.source === "federated-etl").length);
    add("EtlDataGaps", "Count", report.dataGaps?.length ?? 0);
    add("CorruptEtlFiles", "Count", report.corruptFiles?.length ?? 0);
  }
  // The compactor, fleet-wide (no per-cluster cost): how long since its last block, what waits.
  const compactor = report.compactor;
  if (compactor) {
    if (compactor.lastCompactionAt !== null) add("CompactionLagSeconds", "Seconds", Math.floor((nowMs - Date.parse(compactor.lastCompactionAt)) / 1000));
    add("CompactionBacklogBlocks", "Count", compactor.backlogBlocks);
  }
  if (options.heartbeat ?? report.complete) add("RunSucceeded", "Count", 1);

  if (options.perClusterMetrics ?? true) {
    for (const c of report.clusters) {
      if (c.dataLagSeconds !== null) add("DataLagSeconds", "Seconds", c.dataLagSeconds, c.cluster);
      if (c.lastUploadAt !== null) {
        // Whole seconds, like dataLagSeconds; an unparseable time gives NaN and is dropped by add().
        add("UploadAgeSeconds", "Seconds", Math.floor((nowMs - Date.parse(c.lastUploadAt)) / 1000), c.cluster);
      }
      add("BlocksUploaded", "Count", c.blocksUploaded, c.cluster);
      add("BytesUploaded", "Bytes", c.bytesUploaded, c.cluster);
      // A 0/1 flag, not a count of events: unit None, alarm on Maximum.
      add("Stalled", "None", isDown(c.status) ? 1 : 0, c.cluster);
    }
  }
  return out;
}
