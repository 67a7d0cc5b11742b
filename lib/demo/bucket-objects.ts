import { encodeTime } from "ulid";
import type { Labels } from "../domain/labels";

/** An object to put in a bucket, with the time it should appear to have been written. */
export interface BucketObject {
  key: string;
  body: string;
  mtime: number;
}

/** Deterministic pseudo-random numbers, so a seeded bucket is the same on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

export function makeUlid(ms: number, random: () => number): string {
  let tail = "";
  for (let i = 0; i < 16; i++) tail += CROCKFORD[Math.floor(random() * 32)];
  return encodeTime(ms, 10) + tail;
}

export interface BlockSpec {
  ulid: string;
  minTime: number;
  maxTime: number;
  labels: Labels;
  source?: string;
  level?: number;
  resolution?: number;
  sources?: string[];
  /** When the upload finished (meta.json written); also thanos.upload_time unless omitted. */
  uploadTime: number;
  writeUploadTime?: boolean;
  /** Omit meta.json: a partial block. */
  withoutMeta?: boolean;
  /** Replace meta.json with this text (corrupt block). */
  metaText?: string;
  /** deletion-mark.json written at this time. */
  deletedAt?: number;
  chunkBytes?: number;
}

/** The objects a Thanos sidecar (or compactor) writes for one block, meta.json last. */
export function blockObjects(b: BlockSpec, prefix = ""): BucketObject[] {
  const root = prefix ? `${prefix}/${b.ulid}` : b.ulid;
  const chunk = b.chunkBytes ?? 64;
  const meta = {
    ulid: b.ulid,
    minTime: b.minTime,
    maxTime: b.maxTime,
    stats: { numSamples: 1000, numSeries: 10, numChunks: 10 },
    compaction: { level: b.level ?? 1, sources: b.sources ?? [b.ulid] },
    version: 1,
    thanos: {
      labels: b.labels,
      downsample: { resolution: b.resolution ?? 0 },
      source: b.source ?? "sidecar",
      segment_files: ["000001"],
      files: [
        { rel_path: "chunks/000001", size_bytes: chunk },
        { rel_path: "index", size_bytes: 32 },
        { rel_path: "meta.json" },
      ],
      index_stats: {},
      ...(b.writeUploadTime === false ? {} : { upload_time: new Date(b.uploadTime).toISOString() }),
    },
  };
  const objects: BucketObject[] = [
    { key: `${root}/chunks/000001`, body: "c".repeat(chunk), mtime: b.uploadTime - 2_000 },
    { key: `${root}/index`, body: "i".repeat(32), mtime: b.uploadTime - 1_000 },
  ];
  if (!b.withoutMeta) {
    objects.push({ key: `${root}/meta.json`, body: b.metaText ?? JSON.stringify(meta, null, "\t"), mtime: b.uploadTime });
  }
  if (b.deletedAt !== undefined) {
    objects.push({
      key: `${root}/deletion-mark.json`,
      body: JSON.stringify({ id: b.ulid, deletion_time: Math.floor(b.deletedAt / 1000), version: 1 }),
      mtime: b.deletedAt,
    });
  }
  return objects;
}
