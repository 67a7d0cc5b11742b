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
}

export interface StreamVerdict {
  labels: Labels;
  status: Exclude<ClusterStatus, "missing">;
  dataLagSeconds: number;
}

export interface RunStats {
  prefixesListed: number;
  metaRead: number;
  listRequests: number;
  getRequests: number;
  durationMs: number;
  /** Federated ETL hourly file names listed (absent when that source did not run). */
  hourlyFilesListed?: number;
}
