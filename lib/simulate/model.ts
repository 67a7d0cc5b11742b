import type { Labels } from "../domain/labels";

export const SECOND = 1_000;
export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
/** Prometheus's block range with a Thanos sidecar (min = max block duration = 2h), UTC-aligned. */
export const BLOCK_MS = 2 * HOUR;

/** The incidents the simulator injects (issue 6). Each has a known start and end. */
export const INCIDENT_KINDS = [
  "sidecar-down",
  "upload-denied",
  "prometheus-restart",
  "duplicate-cluster-id",
  "label-added",
  "decommissioned",
  "long-outage",
  "replica-down",
  "new-cluster",
] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

/** What the monitor is expected to say about an incident kind (checked against the data, not assumed). */
export const KIND_EXPECTATION: Record<IncidentKind, string> = {
  "sidecar-down": "page once the data lag passes stall-after, one recovery when the backlog is shipped (\"no data lost\")",
  "upload-denied": "page (in-order stall behind the failed block), one recovery; IAM: a partial-block notice",
  "prometheus-restart": "no page: a short gap in the data, uploads continue on time; a data-lost warning once when the gap shows between blocks (a restart across a block boundary) and no replica has the data",
  "duplicate-cluster-id": "overlap notice (two Prometheus servers share one label set) or, when their label sets differ, a two-sources notice; no page",
  "label-added": "no page, no two-sources notice: a new stream replaces the old one within the same cluster",
  decommissioned: "one page, 24h reminders, no recovery; forgotten once its blocks leave the lookback",
  "long-outage": "page, reminders, one recovery when the old blocks are finally shipped, saying how much data Prometheus's retention lost",
  "replica-down": "no page (the other HA replica is fresh): a degraded-replica warning once the replica's lag passes stall-after, an info notice when it ships again",
  "new-cluster": "a new-cluster notice, no page",
};

export interface Incident {
  id: string;
  kind: IncidentKind;
  /** The cluster_id the monitor judges: for duplicate-cluster-id, the shared value. */
  cluster: string;
  /** Real moment the incident began (for upload-denied: the failed PutObject in the middle of an upload). */
  start: number;
  /** When the cause was removed; null when it never is (decommissioned). */
  end: number | null;
  detail: string;
  /** upload-denied: the prefix left without meta.json (IAM only: KMS failures are cleaned up). */
  partialBlock?: string;
  /** duplicate-cluster-id: the cluster_id the second cluster gets once fixed; new-cluster: its name. */
  renamedTo?: string;
}

/** One Prometheus + Thanos sidecar. Labels may change over time (a label added, a rename). */
export interface Instance {
  id: string;
  /** External labels in force for uploads starting at or after `from`, ascending. */
  labels: { from: number; labels: Labels }[];
  /** First sample. */
  start: number;
  /** Prometheus and sidecar removed (decommissioned): nothing is cut or shipped after it. */
  end: number;
  /** Prometheus not scraping (restarts, crash loops): no samples, no block cut. */
  promDown: [number, number][];
  /** Sidecar unable to upload. */
  blocked: Blocked[];
  /** Thanos >= 0.40 writes thanos.upload_time; older sidecars leave only LastModified. */
  writesUploadTime: boolean;
  /** Typical block size (bytes). */
  blockBytes: number;
}

export interface Blocked {
  from: number;
  to: number;
  /** What an upload in flight at `from` leaves behind: true when the sidecar deletes it (KMS denied; delete still allowed). */
  cleanup: boolean;
  incident?: Incident;
  /** Takes `from`/`to` from the incident once its first instance fixed them (the other HA replica). */
  follow?: boolean;
  /** upload-denied: `from` is moved to the middle of the first upload attempted at or after it. */
  armed?: { durationMs: number };
}

/** A level-1 block as Prometheus cut it and (maybe) the sidecar shipped it: the ground truth. */
export interface TrueBlock {
  ulid: string;
  instance: string;
  minTime: number;
  maxTime: number;
  cutAt: number;
  /** Labels at upload (the sidecar adds external labels when shipping). */
  labels: Labels;
  /** meta.json written: the block is complete. Null: never shipped (lost to local retention or decommission). */
  uploadedAt: number | null;
  sizeBytes: number;
}

/** A block the compactor wrote (compaction or downsampling): ground truth for the backtest. */
export interface CompactedBlock {
  ulid: string;
  labels: Labels;
  minTime: number;
  maxTime: number;
  level: number;
  resolution: number;
  sources: string[];
  parents: { ulid: string; minTime: number; maxTime: number }[];
  createdAt: number;
}

/**
 * One change to the bucket: an object written (mtime = `at`) or deleted (`body` null). Keys are
 * relative to the bucket root: `<ULID>/meta.json`.
 */
export interface BucketEvent {
  at: number;
  key: string;
  body: string | null;
}

export interface Timeline {
  /** Every bucket change in time order. */
  events: BucketEvent[];
  instances: Instance[];
  incidents: Incident[];
  blocks: TrueBlock[];
  compacted: CompactedBlock[];
  /** Prefixes an upload left without meta.json, and when they stopped being partial (completed or removed). */
  partials: { ulid: string; since: number; until: number | null }[];
  /** Compactor halted (overlapping blocks) between these times. */
  compactorHalts: [number, number | null][];
  /** Monitoring window: the bucket holds history from `historyFrom`, the monitor runs from `from` to `to`. */
  historyFrom: number;
  from: number;
  to: number;
}
