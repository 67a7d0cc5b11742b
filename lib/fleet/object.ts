import { createHash } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";
import { S3Client } from "@aws-sdk/client-s3";
import { S3StateStore } from "../state/s3-store";
import type { SaveResult, StoredState } from "../state/store";
import { locationName, type Location } from "./location";

/** A text document (the fleet config, or the state) at a Location, saved only if unchanged since read. */
export interface TextObject {
  readonly name: string;
  load(): Promise<StoredState>;
  save(text: string, version: string | null): Promise<SaveResult>;
}

/**
 * The CLI's S3 client: the default AWS credential chain and region (AWS_REGION, the profile),
 * us-east-1 when none is set (the SDK follows a bucket's region redirect). AWS_ENDPOINT_URL_S3
 * points it at another S3 (the tests' local server).
 */
export function cliS3Client(): S3Client {
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  return new S3Client({ ...(region ? {} : { region: "us-east-1" }), followRegionRedirects: true, maxAttempts: 5 });
}

export function openTextObject(location: Location, contentType: string, s3: () => S3Client = cliS3Client): TextObject {
  if (location.kind === "s3") return new S3StateStore(s3(), location.bucket, location.key, contentType);
  return new FileTextObject(location.path);
}

/** A local file; its version is the hash of its content (a write by someone else changes it). */
class FileTextObject implements TextObject {
  constructor(readonly name: string) {}

  async load(): Promise<StoredState> {
    try {
      const text = await readFile(this.name, "utf8");
      return { text, version: hash(text) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return { text: null, version: null };
      throw err;
    }
  }

  async save(text: string, version: string | null): Promise<SaveResult> {
    const now = await this.load();
    if (now.version !== version) return { saved: false };
    const tmp = `${this.name}.tmp-${process.pid}`;
    await writeFile(tmp, text);
    await rename(tmp, this.name);
    return { saved: true, version: hash(text) };
  }
}

const hash = (text: string) => createHash("sha256").update(text).digest("hex");

export { locationName };
