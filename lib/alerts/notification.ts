import type { Labels } from "../domain/labels";
import type { ClusterVerdict, CompactorReport, CorruptFile, DataGap, DataLoss, Report, RetentionReport } from "../health/report";

export type Severity = "critical" | "warning" | "info";

export interface Recovery {
  verdict: ClusterVerdict;
  /** The down status subscribers were told about, and since when (ISO). */
  was: "stalled" | "missing";
  downSince: string;
  /** The data the outage lost (settled gaps where no stream of the cluster has data). */
  lost?: DataLoss[];
  /** Every stream is ok again and no gap was found: the backlog filled the outage. */
  filled?: boolean;
}

/** Blocks without a cluster label, grouped by label set: one Prometheus, one line. */
export interface UnlabeledGroup {
  labels: Labels;
  blocks: string[];
}

/** Everything one run tells subscribers: grouped by kind, each list sorted, never all empty. */
export interface Notification {
  /** The run's time (ms since epoch): "ago" in messages is measured from it. */
  at: number;
  /** Clusters that became stalled or missing since subscribers last saw them up. */
  down: ClusterVerdict[];
  /** Clusters still down `remindEvery` after subscribers were last told. */
  reminders: ClusterVerdict[];
  overlaps: Report["overlaps"];
  corruptBlocks: Report["corruptBlocks"];
  partialBlocks: Report["partialBlocks"];
  unlabeled: UnlabeledGroup[];
  recovered: Recovery[];
  /** Clusters never seen before (informational: catches a typo in a cluster_id). */
  newClusters: ClusterVerdict[];
  /** blockwatch itself: it cannot read the bucket (critical), or it can again (info). */
  bucket?: BucketNews;
  /** Clusters decommissioned in the fleet config since the last notice (info, once each). */
  decommissioned?: { cluster: string; at: string; reason: string | null }[];
  /** The fleet config cannot be used: this run judged with the deployment's settings alone (warning). */
  fleetConfig?: { object: string; reason: string };
  /** Federated ETL: holes in a cluster's hourly files, first seen this run (absent: none). */
  dataGaps?: DataGap[];
  /** Federated ETL: hourly files whose name does not parse, first seen this run (absent: none). */
  corruptFiles?: CorruptFile[];
  /** The compactor stalled (warning, once) or compacts again (info, once). */
  compactor?: { state: "stalled" | "resumed"; report: CompactorReport };
  /** Data older than retention + 2 days remains (warning, once). */
  retention?: RetentionReport;
  /** Clusters fed by two sources (costs double-counted): a warning, once. Absent: none. */
  conflicts?: NonNullable<Report["conflicts"]>;
  /** HA replicas stalled while their twin ships: a warning, once. Absent: none. */
  degraded?: NonNullable<Report["degraded"]>;
  /** Data lost outside an outage (a restart that lost its data, say): a warning, once. Absent: none. */
  gaps?: ClusterGap[];
  /** Replicas announced degraded that ship again (info). Absent: none. */
  replicasBack?: ReplicaBack[];
}

/** A settled hole in a cluster's data: no stream of it has data there. */
export interface ClusterGap extends DataLoss {
  cluster: string;
}

/** A replica announced degraded whose stream is ok again. */
export interface ReplicaBack {
  cluster: string;
  labels: Labels;
  dataLagSeconds: number;
}

export type BucketNews =
  | { state: "unreadable"; kind: string; reason: string; since: number; reminder: boolean }
  | { state: "readable"; unreadableSince: number };

export function emptyNotification(at: number): Notification {
  return { at, down: [], reminders: [], overlaps: [], corruptBlocks: [], partialBlocks: [], unlabeled: [], recovered: [], newClusters: [] };
}

/** Down clusters page someone; bucket hygiene can wait for office hours; good news is info. */
export function severityOf(n: Notification): Severity {
  if (n.down.length > 0 || n.reminders.length > 0 || n.bucket?.state === "unreadable") return "critical";
  if (n.overlaps.length + n.corruptBlocks.length + n.partialBlocks.length + n.unlabeled.length + etlFindings(n) > 0 || n.fleetConfig) return "warning";
  if (n.compactor?.state === "stalled" || n.retention) return "warning";
  if ((n.conflicts?.length ?? 0) + (n.degraded?.length ?? 0) + (n.gaps?.length ?? 0) > 0) return "warning";
  return "info";
}

export function isEmpty(n: Notification): boolean {
  return (
    n.down.length + n.reminders.length + n.overlaps.length + n.corruptBlocks.length + n.partialBlocks.length +
      n.unlabeled.length + n.recovered.length + n.newClusters.length + etlFindings(n) +
      (n.conflicts?.length ?? 0) + (n.degraded?.length ?? 0) + (n.replicasBack?.length ?? 0) + (n.gaps?.length ?? 0) ===
      0 &&
    n.bucket === undefined &&
    !n.decommissioned?.length &&
    n.fleetConfig === undefined &&
    n.compactor === undefined &&
    n.retention === undefined
  );
}

/**
 * The one cluster a notification is about, or null when it concerns several or has findings that
 * belong to no cluster (partial, corrupt, unlabeled blocks): drives the `cluster` attribute and the
 * Chatbot thread.
 */
export function soleCluster(n: Notification): string | null {
  if (n.corruptBlocks.length + n.partialBlocks.length + n.unlabeled.length > 0 || n.bucket !== undefined || n.fleetConfig) return null;
  if (n.compactor !== undefined || n.retention !== undefined) return null; // the whole bucket's, no cluster's
  const names = new Set<string>([
    ...n.down.map((v) => v.cluster),
    ...n.reminders.map((v) => v.cluster),
    ...n.overlaps.map((o) => o.cluster),
    ...n.recovered.map((r) => r.verdict.cluster),
    ...n.newClusters.map((v) => v.cluster),
    ...(n.decommissioned ?? []).map((d) => d.cluster),
    ...(n.dataGaps ?? []).map((g) => g.cluster),
    ...(n.corruptFiles ?? []).map((f) => f.cluster),
    ...(n.conflicts ?? []).map((c) => c.cluster),
    ...(n.degraded ?? []).map((d) => d.cluster),
    ...(n.replicasBack ?? []).map((d) => d.cluster),
    ...(n.gaps ?? []).map((g) => g.cluster),
  ]);
  return names.size === 1 ? [...names][0]! : null;
}

function etlFindings(n: Notification): number {
  return (n.dataGaps?.length ?? 0) + (n.corruptFiles?.length ?? 0);
}
