/**
 * AWS list prices blockwatch's monthly cost is computed from: us-east-1, on-demand, in USD.
 *
 * Source: the AWS pricing pages (aws.amazon.com/lambda/pricing, /s3/pricing, /cloudwatch/pricing,
 * /sns/pricing, /eventbridge/pricing) and DOMAIN.md section 5, as published in 2025. Written down
 * 2026-11-25 from those published figures; this machine has no internet, so they were not re-read
 * online that day: check them before quoting a figure, and change them here only (with the date).
 */
export const PRICES_AS_OF = "2025 list prices, us-east-1 (recorded 2026-11-25)";

/** Hours in a billing month, as AWS prices monthly items (365 × 24 / 12). */
export const HOURS_PER_MONTH = 730;

export const PRICES = {
  lambda: {
    /** arm64 (Graviton), first 7.5 billion GB-seconds a month. */
    arm64PerGbSecond: 0.0000133334,
    x86PerGbSecond: 0.0000166667,
    perRequest: 0.2 / 1_000_000,
    /** Always-free tier, per account and month. */
    freeGbSeconds: 400_000,
    freeRequests: 1_000_000,
  },
  s3: {
    /** S3 Standard: PUT, COPY, POST, LIST requests. */
    listPerRequest: 0.005 / 1000,
    putPerRequest: 0.005 / 1000,
    /** GET, SELECT and all other requests (HEAD included). */
    getPerRequest: 0.0004 / 1000,
    /** S3 Standard storage, first 50 TB, per GB-month. */
    storagePerGbMonth: 0.023,
  },
  cloudwatch: {
    /** Custom metrics, per metric-month, tiered: each tier prices the metrics that fall in it. */
    metricTiers: [
      { upTo: 10_000, perMetric: 0.3 },
      { upTo: 250_000, perMetric: 0.1 },
      { upTo: 1_000_000, perMetric: 0.05 },
      { upTo: Infinity, perMetric: 0.02 },
    ],
    /** PutMetricData (and the other metric API calls), per request. */
    apiPerRequest: 0.01 / 1000,
    /** Per dashboard-month; the free tier has 3 dashboards (up to 50 metrics each). */
    dashboardPerMonth: 3,
    /** Standard-resolution alarm, per alarm metric-month. */
    alarmPerMonth: 0.1,
    logsIngestPerGb: 0.5,
    logsStoragePerGbMonth: 0.03,
    freeMetrics: 10,
    freeApiRequests: 1_000_000,
    freeDashboards: 3,
    freeAlarms: 10,
    freeLogsGb: 5,
  },
  sns: {
    /** Publish requests beyond the first million (free tier) a month. */
    perPublish: 0.5 / 1_000_000,
    /** Email deliveries beyond the first 1,000 (free tier) a month. */
    perEmail: 2 / 100_000,
    freePublishes: 1_000_000,
    freeEmails: 1000,
  },
  /** EventBridge Scheduler: the first 14 million invocations a month are free (a run every minute is 44,640). */
  eventBridgeSchedule: 0,
} as const;
