import type { MetricDatum } from "./metric-data";

/** PutMetricData limits: 1,000 data and 1 MB a request. */
export const MAX_BATCH_ITEMS = 1000;
/**
 * Byte budget of one request body, under the 1 MB limit with room for the envelope and for
 * whatever the service counts that we do not (the SDK also gzips bodies over 10 KB, so this is
 * the uncompressed size, the worst case).
 */
export const MAX_BATCH_BYTES = 900_000;

export interface BatchLimits {
  maxItems?: number;
  maxBytes?: number;
}

/**
 * Serialized size of one datum, an over-estimate: JSON of the datum with the timestamp as an ISO
 * string (the wire carries shorter epoch seconds) plus a separator.
 */
export function estimateDatumBytes(d: MetricDatum): number {
  return Buffer.byteLength(JSON.stringify(d), "utf8") + 1;
}

/** Splits data, in order, into batches within both limits. A datum alone always makes a batch. */
export function batchMetricData(data: readonly MetricDatum[], limits: BatchLimits = {}): MetricDatum[][] {
  const maxItems = Math.max(1, Math.min(limits.maxItems ?? MAX_BATCH_ITEMS, MAX_BATCH_ITEMS));
  const maxBytes = limits.maxBytes ?? MAX_BATCH_BYTES;
  const batches: MetricDatum[][] = [];
  let current: MetricDatum[] = [];
  let bytes = 0;
  for (const d of data) {
    const size = estimateDatumBytes(d);
    if (current.length > 0 && (current.length >= maxItems || bytes + size > maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(d);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
