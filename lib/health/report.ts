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
  /** Streams stalled while a replica of theirs (differing only in replica labels) is ok: no redundancy left. */
  /** Settled holes longer than the gap tolerance in a stream's raw data within the lookback. */
  gaps?: { cluster: string; labels: Labels; from: string; to: string; seconds: number }[];
  degraded?: { cluster: string; labels: Labels; dataLagSeconds: number }[];
  stats: RunStats;
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
  /** Seconds of data lost within the lookback: settled holes where no stream of the cluster has data (0: none). */
  gapSeconds?: number;
  /** Those holes, oldest first. */
  dataGaps?: DataGap[];
}

export interface DataGap {
  from: string;
  to: string;
  seconds: number;
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
}
