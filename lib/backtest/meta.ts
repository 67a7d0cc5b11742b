import { z } from "zod";
import type { BucketReader } from "../bucket/bucket";
import type { Labels } from "../domain/labels";

/**
 * What the backtest needs from a meta.json, beyond what the engine keeps (lib/domain/meta.ts):
 * the compaction lineage. `compaction.sources` lists the ULIDs of the level-1 blocks a compacted
 * block was made of (their ULID time is when Prometheus cut them, even after they were deleted);
 * `compaction.parents` the direct parents with their exact ranges.
 */
export interface LineageMeta {
  ulid: string;
  minTime: number;
  maxTime: number;
  labels: Labels;
  level: number;
  resolution: number;
  /** thanos.source ("" when absent). */
  source: string;
  sources: string[];
  parents: { ulid: string; minTime: number; maxTime: number }[];
  outOfOrder: boolean;
  /** thanos.upload_time (ms), null when absent (Thanos < 0.40). */
  uploadTime: number | null;
  /** LastModified of meta.json: when the upload finished. */
  lastModified: number;
}

const time = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const ulidText = z.string().regex(/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/);

const Schema = z.object({
  ulid: z.string(),
  version: z.literal(1),
  minTime: time,
  maxTime: time,
  compaction: z
    .object({
      level: z.number().int().min(1).optional().catch(undefined),
      sources: z.array(z.unknown()).optional().catch(undefined),
      parents: z.array(z.unknown()).optional().catch(undefined),
      hints: z.array(z.unknown()).optional().catch(undefined),
    })
    .optional()
    .catch(undefined),
  thanos: z
    .object({
      labels: z.record(z.string(), z.string()).optional().catch(undefined),
      downsample: z.object({ resolution: z.number().int().min(0).optional() }).optional().catch(undefined),
      source: z.string().optional().catch(undefined),
      upload_time: z.string().optional().catch(undefined),
    })
    .optional()
    .catch(undefined),
});

const Parent = z.object({ ulid: ulidText, minTime: time, maxTime: time });

export type LineageRead = { kind: "block"; meta: LineageMeta } | { kind: "corrupt"; reason: string } | { kind: "missing" };

/** Parses a meta.json body; lenient on the lineage (a bad source ULID is skipped), strict on what it must be. */
export function parseLineage(prefix: string, body: string, lastModified: number): LineageRead {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return { kind: "corrupt", reason: "meta.json is not JSON" };
  }
  const parsed = Schema.safeParse(raw);
  if (!parsed.success) return { kind: "corrupt", reason: `meta.json ${parsed.error.issues[0]!.path.join(".") || "document"}: ${parsed.error.issues[0]!.message}` };
  const m = parsed.data;
  if (m.ulid !== prefix) return { kind: "corrupt", reason: `ulid ${m.ulid} does not match its prefix` };
  if (m.minTime >= m.maxTime) return { kind: "corrupt", reason: "minTime is not before maxTime" };
  const uploaded = m.thanos?.upload_time ? Date.parse(m.thanos.upload_time) : NaN;
  const sources = (m.compaction?.sources ?? []).filter((s): s is string => ulidText.safeParse(s).success);
  const parents = (m.compaction?.parents ?? []).flatMap((p) => {
    const r = Parent.safeParse(p);
    return r.success ? [r.data] : [];
  });
  return {
    kind: "block",
    meta: {
      ulid: prefix,
      minTime: m.minTime,
      maxTime: m.maxTime,
      labels: Object.assign(Object.create(null), m.thanos?.labels ?? {}) as Record<string, string>,
      level: m.compaction?.level ?? 1,
      resolution: m.thanos?.downsample?.resolution ?? 0,
      source: m.thanos?.source ?? "",
      sources: sources.length > 0 ? sources : [prefix],
      parents,
      outOfOrder: (m.compaction?.hints ?? []).includes("from-out-of-order"),
      uploadTime: Number.isFinite(uploaded) ? uploaded : null,
      lastModified,
    },
  };
}

/** Reads one block's lineage through the engine's bucket interface (one GET). */
export async function readLineage(bucket: BucketReader, prefix: string, maxBytes = 1024 * 1024): Promise<LineageRead> {
  const read = await bucket.readMeta(prefix, maxBytes);
  if (read.kind === "missing") return { kind: "missing" };
  if (read.kind === "too-large") return { kind: "corrupt", reason: `meta.json is ${read.size} bytes` };
  return parseLineage(prefix, read.body, read.lastModified);
}

