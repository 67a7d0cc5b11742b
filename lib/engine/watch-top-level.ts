import type { BucketReader } from "../bucket/bucket";

/**
 * The same reader, telling `seen` every top-level page the Thanos scan lists. `federated` sorts after
 * every ULID, so the scan's own listing shows whether the bucket holds Federated ETL: auto-detection
 * costs no request in a Thanos-only bucket.
 */
export function watchTopLevel(bucket: BucketReader, seen: (names: readonly string[]) => void): BucketReader {
  return {
    get location() {
      return bucket.location;
    },
    get requests() {
      return bucket.requests;
    },
    async *listTopLevel(startAfter) {
      for await (const page of bucket.listTopLevel(startAfter)) {
        seen(page);
        yield page;
      }
    },
    readMeta: (block, maxBytes) => bucket.readMeta(block, maxBytes),
    listBlock: (block) => bucket.listBlock(block),
    hasDeletionMark: (block) => bucket.hasDeletionMark(block),
    hasMeta: (block) => bucket.hasMeta(block),
    ...(bucket.listKeys ? { listKeys: bucket.listKeys.bind(bucket) } : {}),
  };
}
