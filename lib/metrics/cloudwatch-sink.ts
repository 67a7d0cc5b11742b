import { PutMetricDataCommand, type CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { batchMetricData, type BatchLimits } from "./batch";
import type { MetricDatum } from "./metric-data";
import { sendBatches, type SendOptions } from "./send-batches";
import type { MetricsSink, PutResult } from "./sink";

export type CloudWatchSinkOptions = BatchLimits & Omit<SendOptions, "retryable">;

/** Retry throttling, server errors and network failures; a 4xx validation error will not heal. */
export function isRetryableCloudWatchError(err: unknown): boolean {
  const e = err as { name?: unknown; $metadata?: { httpStatusCode?: number } } | null;
  const status = e?.$metadata?.httpStatusCode;
  if (status === undefined || status >= 500 || status === 429) return true;
  return /throttl|toomanyrequests|requestlimitexceeded|requesttimeout/i.test(String(e?.name ?? ""));
}

/** Namespace rules: 1..255 ASCII printable, not the reserved `AWS/` prefix. */
function namespaceProblem(namespace: string): string | null {
  if (!/^[\x20-\x7e]{1,255}$/.test(namespace)) return "must be 1..255 printable ASCII characters";
  if (namespace.startsWith("AWS/")) return "must not start with AWS/ (reserved)";
  return null;
}

/** The real sink: PutMetricData through an injected client (region, endpoint, retries are its own). */
export function cloudWatchSink(client: Pick<CloudWatchClient, "send">, options: CloudWatchSinkOptions = {}): MetricsSink {
  return {
    async put(namespace: string, data: MetricDatum[]): Promise<PutResult> {
      const problem = namespaceProblem(namespace);
      if (problem) {
        return { sent: 0, failed: data.length, errors: [`namespace ${JSON.stringify(namespace)} ${problem}`] };
      }
      return sendBatches(
        batchMetricData(data, options),
        async (batch) => {
          await client.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: [...batch] }));
        },
        { ...options, retryable: isRetryableCloudWatchError },
      );
    },
  };
}
