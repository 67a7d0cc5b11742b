import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { SaveResult, StateStore, StoredState } from "./store";

/**
 * State in the stack's own bucket, written with If-Match / If-None-Match. Also the fleet config
 * object beside it (any text document: `contentType`).
 */
export class S3StateStore implements StateStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly key: string,
    private readonly contentType = "application/json",
  ) {}

  /** s3://bucket/key, for messages. */
  get name(): string {
    return `s3://${this.bucket}/${this.key}`;
  }

  async load(): Promise<StoredState> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key }));
      return { text: (await res.Body?.transformToString("utf-8")) ?? "", version: res.ETag ?? null };
    } catch (err) {
      if ((err as Error).name === "NoSuchKey") return { text: null, version: null };
      throw err;
    }
  }

  async save(text: string, version: string | null): Promise<SaveResult> {
    try {
      const out = await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.key,
          Body: text,
          ContentType: this.contentType,
          ...(version === null ? { IfNoneMatch: "*" } : { IfMatch: version }),
        }),
      );
      return { saved: true, version: out.ETag ?? null };
    } catch (err) {
      const e = err as Error & { $metadata?: { httpStatusCode?: number } };
      // 412: someone wrote first; 409: a concurrent conditional write is in progress.
      // 404: the state was deleted since it was read (If-Match on a missing key): re-read, start afresh.
      const status = e.$metadata?.httpStatusCode;
      if (e.name === "PreconditionFailed" || e.name === "NoSuchKey" || status === 412 || status === 409 || status === 404) return { saved: false };
      throw err;
    }
  }

  async setAside(text: string, suffix: string): Promise<string> {
    const key = `${this.key}.${suffix}`;
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: text, ContentType: "application/json" }));
    return key;
  }
}
