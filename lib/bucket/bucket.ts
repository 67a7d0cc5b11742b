/** One object under a block prefix. */
export interface BlockObject {
  /** Path relative to the block prefix: `meta.json`, `chunks/000001`, `deletion-mark.json`. */
  path: string;
  lastModified: number;
  size: number;
}

export type MetaRead =
  | { kind: "found"; body: string; lastModified: number }
  | { kind: "missing" }
  | { kind: "too-large"; size: number };

/** One object of a key listing; `key` is relative to the configured prefix. */
export interface KeyObject {
  key: string;
  lastModified: number;
  size: number;
}

/** One page of a key listing: objects, and with a delimiter the "folders" (ending in `/`). */
export interface KeyPage {
  objects: KeyObject[];
  prefixes: string[];
  /** False on the listing's last page (S3 IsTruncated); absent when the reader cannot tell. */
  more?: boolean;
}

export interface ListKeysOptions {
  /** List keys sorting after this (a full key relative to the configured prefix, like S3's StartAfter). */
  startAfter?: string;
  /** Roll keys up to the next `/` into `prefixes` (S3 Delimiter "/"). */
  delimiter?: boolean;
}

export interface RequestCounts {
  listRequests: number;
  getRequests: number;
}

/**
 * The read-only view of a Thanos bucket the engine needs. Names are relative to the configured
 * prefix: a block is addressed by its ULID alone.
 */
export interface BucketReader {
  /** Where it reads, for messages: `s3://bucket/prefix` or a directory. Never holds a secret. */
  readonly location: string;
  readonly requests: RequestCounts;
  /** Top-level names (no trailing slash) sorting after `startAfter`, a page at a time, in order. */
  listTopLevel(startAfter: string): AsyncIterable<string[]>;
  /** meta.json of a block, reading at most `maxBytes`. */
  readMeta(block: string, maxBytes: number): Promise<MetaRead>;
  /** Every object under a block's prefix. */
  listBlock(block: string): Promise<BlockObject[]>;
  hasDeletionMark(block: string): Promise<boolean>;
  hasMeta(block: string): Promise<boolean>;
  /**
   * Keys under `prefix` (relative to the configured prefix, ending in `/`), in UTF-8 byte order, a
   * page (one LIST) at a time. Optional: readers without it cannot watch Kubecost's Federated ETL.
   */
  listKeys?(prefix: string, options?: ListKeysOptions): AsyncIterable<KeyPage>;
}

export type BucketErrorKind = "access-denied" | "no-such-bucket" | "kms" | "wrong-region" | "unreachable" | "other";

/** A failure to read the bucket itself: the run cannot judge anything and says why. */
export class BucketError extends Error {
  override name = "BucketError";
  constructor(
    readonly kind: BucketErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The run's time for reading the bucket ran out while the bucket was still answering: not a bucket
 * failure (no "cannot read the bucket" alert), the run simply could not finish.
 */
export class OutOfTimeError extends Error {
  override name = "OutOfTimeError";
}
