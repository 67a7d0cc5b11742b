import type { MetricDatum } from "./metric-data";

/**
 * Outcome of a publish. Never thrown: `failed > 0` is the flag. Counts are data items; `errors`
 * holds one line per batch given up on.
 */
export interface PutResult {
  sent: number;
  failed: number;
  errors: string[];
}

/** Where metrics go: CloudWatch in production, anything in tests. */
export interface MetricsSink {
  put(namespace: string, data: MetricDatum[]): Promise<PutResult>;
}
