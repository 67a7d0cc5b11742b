import { mkdir, utimes, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { BucketObject } from "./bucket-objects";

/** Writes objects as a Thanos FILESYSTEM bucket, with each file's mtime as its LastModified. */
export async function writeFilesystemBucket(directory: string, objects: readonly BucketObject[]): Promise<void> {
  for (const o of objects) {
    const path = join(directory, o.key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, o.body);
    await utimes(path, o.mtime / 1000, o.mtime / 1000);
  }
}
