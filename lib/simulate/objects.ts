import type { Labels } from "../domain/labels";
import type { BucketEvent } from "./model";

/** The meta.json fields the simulator writes: what Thanos writes (pkg/block/metadata/meta.go). */
export interface MetaSpec {
  ulid: string;
  minTime: number;
  maxTime: number;
  labels: Labels;
  level: number;
  resolution: number;
  source: "sidecar" | "compactor";
  sources: string[];
  parents?: { ulid: string; minTime: number; maxTime: number }[];
  segments: number;
  sizeBytes: number;
  /** thanos.upload_time (Thanos >= 0.40); omitted when null. */
  uploadTime: number | null;
}

/** meta.json as Thanos writes it: tab-indented, times in milliseconds. */
export function metaJson(m: MetaSpec): string {
  const segmentFiles = Array.from({ length: m.segments }, (_, i) => String(i + 1).padStart(6, "0"));
  const index = Math.round(m.sizeBytes * 0.25);
  const perSegment = Math.max(1, Math.round((m.sizeBytes - index) / m.segments));
  return JSON.stringify(
    {
      ulid: m.ulid,
      minTime: m.minTime,
      maxTime: m.maxTime,
      stats: { numSamples: Math.round(m.sizeBytes / 1.4), numSeries: Math.round(m.sizeBytes / 900), numChunks: Math.round(m.sizeBytes / 120) },
      compaction: { level: m.level, sources: m.sources, ...(m.parents ? { parents: m.parents } : {}) },
      version: 1,
      thanos: {
        labels: m.labels,
        downsample: { resolution: m.resolution },
        source: m.source,
        segment_files: segmentFiles,
        files: [
          ...segmentFiles.map((f) => ({ rel_path: `chunks/${f}`, size_bytes: perSegment })),
          { rel_path: "index", size_bytes: index },
          { rel_path: "meta.json" },
        ],
        index_stats: {},
        ...(m.uploadTime !== null ? { upload_time: new Date(m.uploadTime).toISOString() } : {}),
      },
    },
    null,
    "\t",
  );
}

/** Object bodies stay tiny: the engine never reads them, meta.json carries the real sizes. */
const CHUNK_BODY = "chunk";
const INDEX_BODY = "index";

/**
 * The objects of one block upload between `start` and `end`, meta.json last (Thanos uploads
 * chunks, then index, then meta.json: its presence marks a complete block). With `cutAt` set, only
 * the objects written before it land: an upload interrupted half way.
 */
export function uploadEvents(m: MetaSpec, start: number, end: number, cutAt?: number): BucketEvent[] {
  const d = end - start;
  const out: BucketEvent[] = [];
  for (let i = 1; i <= m.segments; i++) {
    out.push({ at: start + Math.round((d * 0.7 * i) / m.segments), key: `${m.ulid}/chunks/${String(i).padStart(6, "0")}`, body: CHUNK_BODY });
  }
  out.push({ at: start + Math.round(d * 0.85), key: `${m.ulid}/index`, body: INDEX_BODY });
  out.push({ at: end, key: `${m.ulid}/meta.json`, body: metaJson(m) });
  return cutAt === undefined ? out : out.filter((e) => e.at < cutAt);
}

/** deletion-mark.json (Thanos markers.go): deletion_time in seconds. */
export function deletionMarkEvent(ulid: string, at: number): BucketEvent {
  return { at, key: `${ulid}/deletion-mark.json`, body: JSON.stringify({ id: ulid, deletion_time: Math.floor(at / 1000), version: 1 }) };
}

/** Thanos block.Delete: meta.json first (readers then see no block), the rest, the mark last. */
export function deleteEvents(ulid: string, paths: readonly string[], at: number): BucketEvent[] {
  const out: BucketEvent[] = [];
  if (paths.includes("meta.json")) out.push({ at, key: `${ulid}/meta.json`, body: null });
  for (const p of paths) if (p !== "meta.json" && p !== "deletion-mark.json") out.push({ at: at + 1_000, key: `${ulid}/${p}`, body: null });
  if (paths.includes("deletion-mark.json")) out.push({ at: at + 2_000, key: `${ulid}/deletion-mark.json`, body: null });
  return out;
}
