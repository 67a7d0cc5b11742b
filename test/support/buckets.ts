// Writes generated bucket objects (lib/demo) to a FILESYSTEM bucket and to a local S3 bucket.
import { mkdir, utimes, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { BucketObject } from "../../lib/demo/bucket-objects";
import { forEachLimit } from "../../lib/scan/concurrency";

/** The same objects under a top-level prefix (`prefix:` of the objstore config). */
export function underPrefix(objects: readonly BucketObject[], prefix: string): BucketObject[] {
  return objects.map((o) => ({ ...o, key: `${prefix}/${o.key}` }));
}

/**
 * Writes objects as a Thanos FILESYSTEM bucket, each file's mtime its LastModified. A key ending
 * in `/` (an S3 "directory" object) becomes an empty directory.
 */
export async function writeFilesystemObjects(directory: string, objects: readonly BucketObject[], concurrency = 32): Promise<void> {
  // Directories first, so parallel writers never race on mkdir.
  const dirs = new Set<string>();
  for (const o of objects) dirs.add(o.key.endsWith("/") ? join(directory, o.key) : dirname(join(directory, o.key)));
  for (const d of [...dirs].sort()) await mkdir(d, { recursive: true });
  await forEachLimit(
    objects.filter((o) => !o.key.endsWith("/")),
    concurrency,
    async (o) => {
      const path = join(directory, o.key);
      await writeFile(path, o.body);
      await utimes(path, o.mtime / 1000, o.mtime / 1000);
    },
  );
}

/** PutObject for every object, at most `concurrency` in flight. LastModified is the server's clock. */
export async function putS3Objects(client: S3Client, bucket: string, objects: readonly BucketObject[], concurrency = 64): Promise<void> {
  await forEachLimit(objects, concurrency, async (o) => {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: o.key, Body: Buffer.from(o.body, "utf8") }));
  });
}

/** Where a test bucket lives: written to, and read through an objstore config. */
export interface TestStore {
  kind: "FILESYSTEM" | "S3";
  /** The objstore YAML that reads this store. */
  config: string;
  write(objects: readonly BucketObject[]): Promise<void>;
}
