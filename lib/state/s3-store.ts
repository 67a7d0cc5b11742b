import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { randomBytes } from "node:crypto";
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

  async save(text: string | Uint8Array, version: string | null): Promise<SaveResult> {
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

  /**
   * `<key>.<suffix>-<random>`, written with If-None-Match: * so that it can never replace an earlier
   * copy (two runs setting aside in the same second, a clock that repeats): a name taken gets another.
   */
  async setAside(text: string, suffix: string): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      const key = `${this.key}.${suffix}-${randomBytes(4).toString("hex")}`;
      try {
        await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: text, ContentType: "application/json", IfNoneMatch: "*" }));
        return key;
      } catch (err) {
        const e = err as Error & { $metadata?: { httpStatusCode?: number } };
        const status = e.$metadata?.httpStatusCode;
        const taken = e.name === "PreconditionFailed" || status === 412 || status === 409;
        if (!taken || attempt >= 5) throw err;
      }
    }
  }
}
