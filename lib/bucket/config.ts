import { parse as parseYaml } from "yaml";
import { z } from "zod";

// Thanos objstore S3 keys (thanos-io/objstore providers/s3). Thanos rejects unknown keys, so do we;
// the ones blockwatch has no use for (uploads, tracing) are accepted and ignored.
const S3Config = z.strictObject({
  bucket: z.string().min(1),
  endpoint: z.string().optional(),
  region: z.string().optional(),
  access_key: z.string().optional(),
  secret_key: z.string().optional(),
  session_token: z.string().optional(),
  insecure: z.boolean().optional(),
  bucket_lookup_type: z.enum(["auto", "virtual-hosted", "path"]).optional(),
  aws_sdk_auth: z.boolean().optional(),
  signature_version2: z.boolean().optional(),
  http_config: z.record(z.string(), z.unknown()).optional(),
  sse_config: z.record(z.string(), z.unknown()).optional(),
  put_user_metadata: z.record(z.string(), z.string()).optional(),
  part_size: z.number().optional(),
  trace: z.record(z.string(), z.unknown()).optional(),
  list_objects_version: z.string().optional(),
  send_content_md5: z.boolean().optional(),
  disable_multipart: z.boolean().optional(),
  sts_endpoint: z.string().optional(),
  max_retries: z.number().int().optional(),
});

const FilesystemConfig = z.strictObject({ directory: z.string().min(1) });

const ObjstoreConfig = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("S3"), config: S3Config, prefix: z.string().optional() }),
  z.strictObject({ type: z.literal("FILESYSTEM"), config: FilesystemConfig, prefix: z.string().optional() }),
]);

export type ObjstoreConfig = z.infer<typeof ObjstoreConfig>;
export type S3ObjstoreConfig = z.infer<typeof S3Config>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Parses an objstore YAML document. Errors are one line naming the key; values are never echoed,
 * since the document may hold secret_key.
 */
export function parseObjstoreConfig(text: string, source: string): ObjstoreConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    const line = (err as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    throw new ConfigError(`${source}: not valid YAML${line ? ` (line ${line})` : ""}`);
  }
  if (raw && typeof raw === "object" && typeof (raw as { type?: unknown }).type === "string") {
    // Thanos accepts the type in any case (s3, S3).
    (raw as { type: string }).type = (raw as { type: string }).type.toUpperCase();
  }
  const parsed = ObjstoreConfig.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`${source}: ${describeIssue(parsed.error.issues[0]!, raw)}`);
  const cfg = parsed.data;
  if (cfg.prefix !== undefined) cfg.prefix = cfg.prefix.replace(/^\/+|\/+$/g, "");
  return cfg;
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const path = issue.path.map(String).join(".");
  switch (issue.code) {
    case "unrecognized_keys":
      return `unknown key ${issue.keys.map((k) => (path ? `${path}.${k}` : k)).join(", ")}`;
    case "invalid_union":
      if (path === "" && (raw === null || typeof raw !== "object")) return "expected a mapping with type and config";
      return `type must be S3 or FILESYSTEM`;
    case "invalid_type":
      if (path === "") return "expected a mapping with type and config";
      return lookup(raw, issue.path) === undefined ? `missing required key ${path}` : `${path} must be ${issue.expected}`;
    case "invalid_value":
      return `${path} must be one of ${issue.values.map((v) => String(v)).join(", ")}`;
    case "too_small":
      return `${path} must not be empty`;
    default:
      return `${path || "document"}: invalid`;
  }
}

function lookup(raw: unknown, path: readonly PropertyKey[]): unknown {
  let at: unknown = raw;
  for (const key of path) {
    if (at === null || typeof at !== "object") return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}
