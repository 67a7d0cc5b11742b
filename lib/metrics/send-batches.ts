import type { PutResult } from "./sink";

export interface SendOptions {
  /** Requests in flight at once. */
  concurrency?: number;
  /** Tries per batch, on top of the SDK's own retries of each request. */
  attempts?: number;
  /** First backoff; doubles each retry, with full jitter. */
  backoffMs?: number;
  /** Whether an error is worth another try (e.g. not a validation error). Default: always. */
  retryable?: (err: unknown) => boolean;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function describeError(err: unknown): string {
  const e = err as { name?: unknown; message?: unknown } | null;
  const text = e && typeof e === "object" ? `${String(e.name ?? "Error")}: ${String(e.message ?? "")}` : String(err);
  return text.length > 300 ? text.slice(0, 297) + "..." : text;
}

/**
 * Sends every batch with bounded concurrency and per-batch retries. Never throws and never drops
 * silently: a batch given up on counts in `failed` with one line in `errors`.
 */
export async function sendBatches<T>(
  batches: readonly (readonly T[])[],
  send: (batch: readonly T[]) => Promise<void>,
  options: SendOptions = {},
): Promise<PutResult> {
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const attempts = Math.max(1, options.attempts ?? 3);
  const backoffMs = options.backoffMs ?? 200;
  const retryable = options.retryable ?? (() => true);
  const sleep = options.sleep ?? defaultSleep;
  const result: PutResult = { sent: 0, failed: 0, errors: [] };

  const sendOne = async (batch: readonly T[], index: number) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await send(batch);
        result.sent += batch.length;
        return;
      } catch (err) {
        const again = attempt < attempts && retryable(err);
        if (!again) {
          result.failed += batch.length;
          result.errors.push(`batch ${index + 1}/${batches.length} (${batch.length} items) failed after ${attempt} attempt(s): ${describeError(err)}`);
          return;
        }
        await sleep(Math.random() * backoffMs * 2 ** (attempt - 1));
      }
    }
  };

  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const index = next++;
      await sendOne(batches[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));
  return result;
}
