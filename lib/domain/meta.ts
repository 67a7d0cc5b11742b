import { z } from "zod";
import { MAX_SOURCES, type Block } from "./block";
import { ulidTime } from "./ulid";

/** meta.json above this size is not read whole and is reported corrupt (DOMAIN.md section 4). */
export const MAX_META_BYTES = 1024 * 1024;

/** The largest time a Date can hold (year 275760): beyond it a time cannot even be printed. */
export const MAX_TIME_MS = 8.64e15;
const safeTime = z.number().int().min(0).max(MAX_TIME_MS);

// Only the fields the rules use are checked; everything else in meta.json may be anything.
const MetaSchema = z.object({
  ulid: z.string({ error: "ulid is missing or not a string" }),
  version: z.unknown().optional(),
  minTime: z.unknown().optional(),
  maxTime: z.unknown().optional(),
  compaction: z
    .object({
      level: z.number().int().min(1).optional(),
      hints: z.array(z.unknown()).optional(),
      sources: z.array(z.unknown()).optional().catch(undefined),
    })
    .optional()
    .catch(undefined),
  thanos: z
    .object({
      labels: z.unknown().optional(),
      downsample: z.object({ resolution: z.number().int().min(0).optional() }).optional().catch(undefined),
      source: z.string().optional().catch(undefined),
      files: z.array(z.object({ size_bytes: z.number().min(0).optional() })).optional().catch(undefined),
      upload_time: z.string().optional().catch(undefined),
    })
    
    .optional(),
});

export type MetaResult = { ok: true; block: Block } | { ok: false; reason: string };

/**
 * Validates a meta.json body read from prefix `prefixUlid`. Never throws: a bad meta is a finding.
 * `lastModified` is the object's LastModified, used when the meta has no upload_time.
 */
export function parseMeta(prefixUlid: string, body: string, lastModified: number): MetaResult {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (err) {
    return { ok: false, reason: `meta.json is not JSON (${oneLine((err as Error).message)})` };
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { ok: false, reason: "meta.json is not a JSON object" };
  }
  const parsed = MetaSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, reason: `meta.json ${issue.path.join(".") || "document"}: ${oneLine(issue.message)}` };
  }
  const m = parsed.data;
  if (m.version !== 1) return { ok: false, reason: `version is ${show(m.version)}, expected 1` };
  if (m.ulid !== prefixUlid) return { ok: false, reason: `ulid ${show(m.ulid)} does not match its prefix ${prefixUlid}` };
  const min = safeTime.safeParse(m.minTime);
  const max = safeTime.safeParse(m.maxTime);
  if (!min.success || !max.success || min.data >= max.data) {
    return {
      ok: false,
      reason: `minTime ${show(m.minTime)} and maxTime ${show(m.maxTime)} must be integers with 0 <= minTime < maxTime <= 8.64e15`,
    };
  }
  const labels = m.thanos?.labels ?? {};
  if (
    typeof labels !== "object" ||
    labels === null ||
    Array.isArray(labels) ||
    !Object.values(labels).every((v) => typeof v === "string")
  ) {
    return { ok: false, reason: "thanos.labels is not an object of string values" };
  }
  const files = m.thanos?.files;
  const sizes = files?.map((f) => f.size_bytes).filter((s): s is number => typeof s === "number");
  const uploadTime = m.thanos?.upload_time ? Date.parse(m.thanos.upload_time) : NaN;
  const level = m.compaction?.level ?? 1;
  // Only a compacted block's sources say something (which level-1 blocks are compacted); bounded.
  const sources = level >= 2 ? (m.compaction?.sources ?? []).filter((x): x is string => typeof x === "string" && x.length === 26).slice(0, MAX_SOURCES) : [];
  return {
    ok: true,
    block: {
      ulid: prefixUlid,
      ulidTime: ulidTime(prefixUlid),
      minTime: min.data,
      maxTime: max.data,
      // A null-prototype copy: label names such as __proto__ are data, not object machinery.
      labels: Object.assign(Object.create(null), labels) as Record<string, string>,
      resolution: m.thanos?.downsample?.resolution ?? 0,
      level,
      source: m.thanos?.source ?? "",
      outOfOrder: (m.compaction?.hints ?? []).includes("from-out-of-order"),
      uploadTime: Number.isFinite(uploadTime) ? uploadTime : lastModified,
      sizeBytes: sizes && sizes.length > 0 ? sizes.reduce((a, b) => a + b, 0) : null,
      ...(sources.length > 0 ? { sources } : {}),
    },
  };
}

function show(v: unknown): string {
  // Objects are named, not printed: a deeply nested value would overflow the stack.
  const s =
    v === undefined ? "missing" : Array.isArray(v) ? "an array" : typeof v === "object" && v !== null ? "an object" : (JSON.stringify(v) ?? String(v));
  return oneLine(s.length > 80 ? s.slice(0, 77) + "..." : s);
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}
