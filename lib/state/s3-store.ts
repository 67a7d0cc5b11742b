import { GetObjectCommand, PutObjectCommand, type GetObjectCommandOutput, type S3Client } from "@aws-sdk/client-s3";
import { randomBytes } from "node:crypto";
import type { SaveResult, StateStore, StoredBytes, StoredState } from "./store";

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

  async loadBytes(): Promise<StoredBytes> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key }));
      return { bytes: await bodyBytes(res.Body, res.ContentLength), version: res.ETag ?? null };
    } catch (err) {
      if ((err as Error).name === "NoSuchKey") return { bytes: null, version: null };
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

/**
 * A response body copied chunk by chunk into one buffer of its Content-Length (the SDK's
 * transformToByteArray holds every chunk beside their concatenation: twice the document).
 */
async function bodyBytes(body: GetObjectCommandOutput["Body"], length: number | undefined): Promise<Uint8Array> {
  if (!body) return new Uint8Array();
  const chunks = body as unknown as Partial<AsyncIterable<Uint8Array>>;
  if (length === undefined || typeof chunks[Symbol.asyncIterator] !== "function") return body.transformToByteArray();
  const out = Buffer.allocUnsafe(length);
  let at = 0;
  for await (const chunk of chunks as AsyncIterable<Uint8Array>) {
    if (at + chunk.byteLength > length) throw new Error(`state body longer than its Content-Length (${length} bytes)`);
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  if (at !== length) throw new Error(`state body cut short: ${at} of ${length} bytes`);
  return out;
}
