import { readFile } from "node:fs/promises";
import { S3Client } from "@aws-sdk/client-s3";
import type { BucketReader } from "./bucket";
import { ConfigError, parseObjstoreConfig, type ObjstoreConfig } from "./config";
import { FilesystemBucket } from "./filesystem";
import { S3Bucket, s3ClientConfig } from "./s3";

/** The objstore config from `--objstore.config-file` or `--objstore.config`. */
export async function loadObjstoreConfig(opts: { file?: string; inline?: string }): Promise<ObjstoreConfig> {
  if (opts.inline !== undefined) return parseObjstoreConfig(opts.inline, "--objstore.config");
  if (opts.file === undefined) throw new ConfigError("one of --objstore.config-file or --objstore.config is required");
  let text: string;
  try {
    text = await readFile(opts.file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : code === "EACCES" ? "permission denied" : (err as Error).message;
    throw new ConfigError(`cannot read the objstore config ${opts.file}: ${why}`);
  }
  return parseObjstoreConfig(text, opts.file);
}

export interface OpenOptions {
  /** The longest one S3 request may take, its attempts and retries included (the CLI's --timeout). */
  timeoutMs?: number;
  /** How messages name that limit (`--timeout 1m`). */
  timeoutName?: string;
}

export function openBucket(cfg: ObjstoreConfig, opts: OpenOptions = {}): BucketReader {
  const prefix = cfg.prefix ?? "";
  if (cfg.type === "FILESYSTEM") return new FilesystemBucket(cfg.config.directory, prefix);
  const client = s3ClientConfig(cfg.config);
  return new S3Bucket(new S3Client(client), cfg.config.bucket, prefix, {
    endpoint: typeof client.endpoint === "string" ? client.endpoint : undefined,
    ...(opts.timeoutMs !== undefined ? { budgetMs: opts.timeoutMs } : {}),
    ...(opts.timeoutName !== undefined ? { budgetName: opts.timeoutName } : {}),
  });
}
