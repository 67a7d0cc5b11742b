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
