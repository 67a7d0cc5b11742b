import type { Labels } from "../domain/labels";
import type { ClusterStatus } from "./status";

/** The verdict of one run: the `check --output json` contract. */
export interface Report {
  now: string;
  /** False when the run stopped early (time budget): verdicts may lack the newest blocks. */
  complete: boolean;
  clusters: ClusterVerdict[];
  partialBlocks: { block: string; ageSeconds: number }[];
  corruptBlocks: { block: string; reason: string }[];
  unlabeledBlocks: { block: string; labels: Labels }[];
  overlaps: { cluster: string; labels: Labels; blocks: string[] }[];
  newClusters: string[];
  /**
   * Clusters fed by two sources: streams whose labels differ in more than replica labels and whose
   * data overlaps in time (Kubecost adds both under one cluster). `differingLabels` names the labels
   * other than replica labels whose values differ between the streams. Always written by evaluate;
   * optional for reports built by hand.
   */
  conflicts?: { cluster: string; streams: Labels[]; differingLabels: string[] }[];
  /** Settled holes longer than the gap tolerance in a stream's raw data within the lookback. */
  gaps?: { cluster: string; labels: Labels; from: string; to: string; seconds: number }[];
  /** Streams stalled while a replica of theirs (differing only in replica labels) is ok: no redundancy left. */
  degraded?: { cluster: string; labels: Labels; dataLagSeconds: number }[];
  stats: RunStats;
  /**
   * Clusters decommissioned in the fleet config that still have blocks in the bucket: out of
   * `clusters` (not judged, counted or alerted), listed here. Set after evaluate (lib/alerts/silences.ts).
   */
  decommissioned?: { cluster: string; at: string }[];
  /** The layouts this run read (`--source`); absent in reports from before Federated ETL. */
  sources?: Source[];
  /** Holes in a cluster's hourly Federated ETL sequence within the lookback. */
  dataGaps?: DataGap[];
  /** Federated ETL hourly files whose name does not parse (`<start>-<end>`). */
  corruptFiles?: CorruptFile[];
  /** The compactor's health, fleet-wide (rules/compactor.ts). */
  compactor?: CompactorReport;
  /** The bucket's oldest data, read once a day (rules/retention.ts); null before the first reading. */
  retention?: RetentionReport | null;
}

/** Where a verdict's data comes from: Thanos blocks, or Kubecost 2.x Federated ETL files. */
export type Source = "thanos" | "federated-etl";

export interface DataGap {
  cluster: string;
  /** `allocations` or `assets`. */
  kind: string;
  /** End of the file before the hole and start of the file after it (ISO). */
  from: string;
  to: string;
  seconds: number;
}

export interface CorruptFile {
  cluster: string;
  /** The key relative to the objstore prefix: federated/<cluster>/etl/bingen/<kind>/1h/<name>. */
  file: string;
  reason: string;
}

/** One source's view of a cluster that is in both (a migration from Thanos to Federated ETL). */
export interface SourceVerdict {
  source: Source;
  status: ClusterStatus;
  dataLagSeconds: number | null;
  newestMaxTime: string | null;
  lastUploadAt: string | null;
}

export type CompactorStatus = "ok" | "behind" | "stalled" | "unknown";

export interface CompactorReport {
  status: CompactorStatus;
  /**
   * Why `unknown` (no compactor block within the lookback): `none-deployed` when a compactable
   * block has waited longer than the stall threshold (or the compactor stopped before the
   * lookback began), `too-little-history` otherwise. Null unless unknown.
   */
  unknownReason: "none-deployed" | "too-little-history" | null;
  /** Upload time of the newest compactor block within the lookback (ISO), or null. */
  lastCompactionAt: string | null;
  /** Compactable level-1 blocks (their 8h window ended, not their stream's newest) not compacted yet. */
  backlogBlocks: number;
  oldestBacklogBlock: string | null;
  /** How long the oldest of them has been compactable (whole seconds), or null. */
  oldestBacklogSeconds: number | null;
  /** Stalled while overlaps exist: it has most likely halted on them. */
  haltedOnOverlaps: boolean;
  /** Present only where the bucket is downsampled (a 5m block within the lookback). */
  downsampling?: DownsamplingReport;
}

export interface DownsamplingReport {
  status: "ok" | "behind";
  /** Raw blocks of 40h or more without their 5m copy. */
  waitingBlocks: number;
  oldestWaitingBlock: string | null;
  /** Since the oldest of them was written (whole seconds), or null. */
  oldestWaitingSeconds: number | null;
}

export interface RetentionReport {
  /** The raw retention blockwatch was told to expect (ISO 8601 duration style, e.g. 1825d); null when not told. */
  expected: string | null;
  /** Oldest maxTime among the oldest prefixes read (ISO), or null for an empty bucket. */
  oldestMaxTime: string | null;
  /** Blocks holding data older than retention + 2 days (the delete delay); null without a retention. */
  overdueBlocks: number | null;
  /** The oldest data per cluster among the prefixes read, oldest first. */
  oldestByCluster: { cluster: string; oldestMaxTime: string }[];
}

export interface ClusterVerdict {
  cluster: string;
  status: ClusterStatus;
  /** now - newestMaxTime in whole seconds; null when missing. */
  dataLagSeconds: number | null;
  newestMaxTime: string | null;
  /** Upload time of the latest sidecar/receive upload; never a compactor's. */
  lastUploadAt: string | null;
  newestBlock: string | null;
  /** When the cluster entered its status (ISO); for late/stalled the moment the lag crossed the threshold. */
  since: string;
  /** Sidecar/receive blocks found by this run and their size (from thanos.files). */
  blocksUploaded: number;
  bytesUploaded: number;
  streams: StreamVerdict[];
  /**
   * A silence of the fleet config is in force: judged and counted as usual, but it pages nobody.
   * Set after evaluate (lib/alerts/silences.ts).
   */
  silenced?: { until: string; reason: string | null };
  /** The source that decided this verdict (set by the engine's merge; absent in older reports). */
  source?: Source;
  /** Only for a cluster found in both sources: each one's view, the deciding one first. */
  sources?: SourceVerdict[];
  /** Why the status, where the lag alone does not say it (a Federated ETL kind without files). */
  reason?: string;
  /** Newest maxTime of the cluster's level >= 2 blocks (ISO), or null (rules/compactor.ts). */
  compactedUntil?: string | null;
  /** Seconds of data lost within the lookback: settled holes where no stream of the cluster has data (0: none). */
  gapSeconds?: number;
  /** Those holes, oldest first. */
  dataGaps?: DataLoss[];
}

/** A settled hole in a cluster's Thanos data: no stream of it has data there. */
export interface DataLoss {
  from: string;
  to: string;
  seconds: number;
}

export interface StreamVerdict {
  labels: Labels;
  status: Exclude<ClusterStatus, "missing">;
  dataLagSeconds: number;
  /** Newest maxTime of the stream's 5m blocks (ISO) or null; present only where the bucket is downsampled. */
  downsampledUntil?: string | null;
}

export interface RunStats {
  prefixesListed: number;
  metaRead: number;
  listRequests: number;
  getRequests: number;
  durationMs: number;
  /**
   * The most blocks the run held at once: it folds the lookback into its state in parts
   * (lib/engine/check.ts BLOCKS_PER_PART), so this stays near one part however large the bucket.
   */
  peakBlocks?: number;
  /** Federated ETL hourly file names listed (absent when that source did not run). */
  hourlyFilesListed?: number;
}

/** A report with no verdict and no finding yet: what a run starts from (rules fill it in). */
export function emptyReport(now: number, complete: boolean, stats: RunStats): Report {
  return { now: new Date(now).toISOString(), complete, clusters: [], partialBlocks: [], corruptBlocks: [], unlabeledBlocks: [], overlaps: [], newClusters: [], conflicts: [], degraded: [], gaps: [], stats };
}

/** The verdict of an expected cluster with no data at all, `missing` since `since` (ms). */
export function missingVerdict(cluster: string, since: number): ClusterVerdict {
  return {
    cluster,
    status: "missing",
    dataLagSeconds: null,
    newestMaxTime: null,
    lastUploadAt: null,
    newestBlock: null,
    since: new Date(since).toISOString(),
    blocksUploaded: 0,
    bytesUploaded: 0,
    streams: [],
  };
}
