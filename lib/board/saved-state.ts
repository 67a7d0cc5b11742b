import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";

/** The state document as the last run saved it, and when (the object's LastModified). */
export interface SavedState {
  text: string;
  savedAt: number;
}

/** Read-only: the widget's role may GetObject the state object and nothing else. Null: no state yet. */
export async function readSavedState(client: S3Client, bucket: string, key: string, signal?: AbortSignal): Promise<SavedState | null> {
  try {
    const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
    const text = (await res.Body?.transformToString("utf-8")) ?? "";
    return { text, savedAt: res.LastModified?.getTime() ?? Date.now() };
  } catch (err) {
    const e = err as Error & { $metadata?: { httpStatusCode?: number } };
    // Without s3:ListBucket a missing key answers 403, not 404: both mean "no run has saved one yet" here.
    if (e.name === "NoSuchKey" || e.$metadata?.httpStatusCode === 404) return null;
    throw err;
  }
}
