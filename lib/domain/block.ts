import type { Labels } from "./labels";

/** What blockwatch keeps of a block's meta.json (Thanos pkg/block/metadata), validated. */
export interface Block {
  ulid: string;
  /** Creation time encoded in the ULID (ms): when Prometheus cut the block, not when it was shipped. */
  ulidTime: number;
  /** [minTime, maxTime) in ms. */
  minTime: number;
  maxTime: number;
  labels: Labels;
  /** Downsampling resolution in ms: 0 for raw data. */
  resolution: number;
  /** compaction.level: 1 for a block cut by Prometheus. */
  level: number;
  /** thanos.source: sidecar, receive, compactor, ... ("" when absent). */
  source: string;
  /** compaction.hints holds from-out-of-order. */
  outOfOrder: boolean;
  /** thanos.upload_time, else the LastModified of meta.json (ms). */
  uploadTime: number;
  /** Sum of thanos.files[].size_bytes, null when the meta lists no files (Thanos < 0.17). */
  sizeBytes: number | null;
  /**
   * compaction.sources of a compacted block (level >= 2): the level-1 ULIDs it was made of, at most
   * MAX_SOURCES. Absent on level-1 blocks, whose only source is themselves.
   */
  sources?: readonly string[];
}

/** A 14-day level-4 block of 2h blocks has 168 sources; anything beyond this is not kept. */
export const MAX_SOURCES = 1000;

/** Only sidecar and receive blocks prove that a cluster's Prometheus is shipping. */
export function isShippedBySidecar(block: Pick<Block, "source">): boolean {
  return block.source === "sidecar" || block.source === "receive";
}

export interface CorruptBlock {
  block: string;
  reason: string;
}

/** A ULID prefix without meta.json: an upload in progress, or an aborted one. */
export interface PendingPrefix {
  block: string;
  /** Latest sign of activity: the later of the ULID time and the newest object's LastModified. */
  lastActivity: number;
}
