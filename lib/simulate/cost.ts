import type { ReplayResult } from "./replay";

/**
 * AWS list prices in USD, us-east-1 (the one place they live). Sources, checked 2025-11:
 * - S3 Standard requests, https://aws.amazon.com/s3/pricing/ : PUT, COPY, POST, LIST $0.005 per
 *   1,000; GET, SELECT and all other requests (HEAD included) $0.0004 per 1,000.
 * - Lambda, https://aws.amazon.com/lambda/pricing/ : $0.20 per 1M requests (duration not counted
 *   here: a simulated run's duration says nothing about S3 latency).
 * - CloudWatch, https://aws.amazon.com/cloudwatch/pricing/ : PutMetricData $0.01 per 1,000
 *   requests (custom metrics themselves, $0.30 per metric-month, do not depend on the schedule).
 */
export const PRICES_USD = {
  s3ListPer1000: 0.005,
  s3PutPer1000: 0.005,
  s3GetPer1000: 0.0004,
  lambdaPerMillionRequests: 0.2,
  cloudwatchPutMetricDataPer1000: 0.01,
} as const;

export interface MonthlyCost {
  runs: number;
  /** Thanos bucket LIST and GET/HEAD, state object GET and PUT, PutMetricData requests: per 30 days. */
  list: number;
  get: number;
  stateGet: number;
  statePut: number;
  metricRequests: number;
  usd: { s3: number; lambda: number; cloudwatch: number; total: number };
}

/** Requests of a replay over `days`, scaled to a 30-day month and priced. */
export function monthlyCost(r: Pick<ReplayResult, "runs" | "requests">, days: number): MonthlyCost {
  const k = 30 / days;
  const m = {
    runs: r.runs * k,
    list: r.requests.list * k,
    get: r.requests.get * k,
    stateGet: r.requests.stateGet * k,
    statePut: r.requests.statePut * k,
    metricRequests: r.requests.metricRequests * k,
  };
  const s3 =
    (m.list / 1000) * PRICES_USD.s3ListPer1000 +
    (m.statePut / 1000) * PRICES_USD.s3PutPer1000 +
    ((m.get + m.stateGet) / 1000) * PRICES_USD.s3GetPer1000;
  const lambda = (m.runs / 1e6) * PRICES_USD.lambdaPerMillionRequests;
  const cloudwatch = (m.metricRequests / 1000) * PRICES_USD.cloudwatchPutMetricDataPer1000;
  return { ...m, usd: { s3, lambda, cloudwatch, total: s3 + lambda + cloudwatch } };
}
