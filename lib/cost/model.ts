import { parseDuration } from "../domain/duration";
import { HOURS_PER_MONTH, PRICES } from "./prices";

/** What a deployment's monthly cost depends on. Every field has a default (`DEFAULT_COST_INPUTS`). */
export interface CostInputs {
  /** Clusters whose Prometheus ships Thanos blocks. */
  clusters: number;
  /**
   * Kubecost 2.x clusters federated through Federated ETL (`federated/<cluster>/`), besides the
   * Thanos ones (a cluster in both counts in both). Default 0: a bucket without `federated/` costs
   * nothing more (auto-detection uses the Thanos listing a run makes anyway).
   */
  etlClusters: number;
  /** Label sets per cluster: 1, or 2 for an HA pair. The bench fleet has 10% HA pairs: 1.1. */
  streamsPerCluster: number;
  /** Minutes between scheduled runs (serverless.yml `schedule`, default rate(2 hours)). */
  scheduleMinutes: number;
  /** Five CloudWatch metrics per cluster (lib/metrics/metric-data.ts); off (the default) leaves the fleet metrics. */
  perClusterMetrics: boolean;
  /**
   * Views of the dashboard's board widget a month: each view (and each auto-refresh) invokes the
   * widget Lambda once. Default 15,000: a wall screen refreshing every 5 minutes around the clock
   * (8,760) and ten people opening it 30 times a working day (6,300).
   */
  boardViewsPerMonth: number;
  /** The widget function's memory (serverless.yml boardWidget.memorySize, 256 MB). */
  boardMemoryMb: number;
  /** Lambda memory (serverless.yml `memorySize`). */
  memoryMb: number;
  architecture: "arm64" | "x86_64";
  /**
   * New block prefixes per stream and hour: a 2h sidecar block (0.5) and, every 8h, the compactor's
   * level-2 block (0.125). The bench measures 1.25 per stream in 2 hours.
   */
  prefixesPerStreamHour: number;
  /** Each run lists the whole lookback window (policy lookbackMs, 7 days) to find late uploads. */
  lookbackHours: number;
  /** meta.json reads in flight (CONCURRENCY, default 32). */
  concurrency: number;
  /** Saved state per cluster in bytes (the bench measures about 1.3 KB). */
  stateBytesPerCluster: number;
  /** Old state versions are kept this long (serverless.yml: NoncurrentDays 30). */
  stateVersionDays: number;
  /** Notifications published a month (transitions and reminders), and email subscribers. */
  alertsPerMonth: number;
  emailSubscribers: number;
  /** Count the account's always-free allowances as available to blockwatch (default: used elsewhere). */
  freeTier: boolean;
  /** Override the modelled run duration (ms). */
  durationMs?: number;
}

export const DEFAULT_COST_INPUTS: CostInputs = {
  clusters: 100,
  etlClusters: 0,
  streamsPerCluster: 1.1,
  scheduleMinutes: 120,
  perClusterMetrics: false,
  boardViewsPerMonth: 15_000,
  boardMemoryMb: 256,
  memoryMb: 256,
  architecture: "arm64",
  prefixesPerStreamHour: 0.625,
  lookbackHours: 168,
  concurrency: 32,
  stateBytesPerCluster: 1300,
  stateVersionDays: 30,
  alertsPerMonth: 30,
  emailSubscribers: 1,
  freeTier: false,
};

/**
 * Metrics without a dimension, every run (metric-data.ts): 4 status counts, WorstDataLagSeconds,
 * RunSucceeded, and the compactor's CompactionLagSeconds and CompactionBacklogBlocks.
 */
export const RUN_METRICS = 8;
/** Per cluster: DataLagSeconds, UploadAgeSeconds, BlocksUploaded, BytesUploaded, Stalled. */
export const METRICS_PER_CLUSTER = 5;

/**
 * Run-time model, calibrated on the bench (docs/benchmarks.md: the real handler's steady state took
 * ~1.7-2.5 s at 1,000 clusters and ~12 s at 10,000 on one core of the bench machine, S3 on
 * loopback): CPU time on one full vCPU, stretched by the share of a vCPU the memory setting buys
 * (Lambda: 1,769 MB = 1 vCPU), plus S3 latency that loopback does not have.
 */
export const DURATION_MODEL = {
  /** Handler overhead; per new block (SDK GET + meta.json parse); per cluster (state, judgement, metrics). */
  cpuFixedMs: 300,
  cpuPerNewBlockMs: 0.8,
  cpuPerClusterMs: 0.35,
  /** Typical S3 first-byte latencies from Lambda in the same region. */
  listLatencyMs: 60,
  getLatencyMs: 25,
  /** State GET + PUT, SNS and CloudWatch calls. */
  ioFixedMs: 150,
  mbPerVcpu: 1769,
  /** A Federated ETL cluster: its one LIST's page (~150 keys) parsed and judged (bench:etl: ~0.6 s a steady run at 1,000). */
  cpuPerEtlClusterMs: 0.6,
  /**
   * The run draws the dashboard's board once (bench/board.ts: ~0.1 s at 1,000 clusters, ~0.26 s at
   * 10,000 on one core of the bench machine: healthy rows are capped at 200) and PUTs it.
   */
  boardRenderFixedMs: 80,
  boardRenderPerClusterMs: 0.025,
  /**
   * A view returns that board: the GET of it and a HEAD of the state in parallel (60 ms), its bytes
   * (~1 KB a cluster, 10 µs), and a few ms of CPU (bench/board.ts: 0.7 ms at 1,000 clusters).
   */
  boardServeCpuMs: 5,
  boardServeCpuPerClusterMs: 0.001,
  boardIoMs: 60,
  boardIoPerClusterMs: 0.01,
};

/** One view of the board widget: its duration (ms) and GB-seconds (the run drew the board: a view serves it). */
export function boardView(inputs: CostInputs): { durationMs: number; gbSeconds: number } {
  const m = DURATION_MODEL;
  const n = inputs.clusters + inputs.etlClusters;
  const durationMs = Math.round(
    (m.boardServeCpuMs + m.boardServeCpuPerClusterMs * n) * Math.max(1, m.mbPerVcpu / inputs.boardMemoryMb) + m.boardIoMs + m.boardIoPerClusterMs * n,
  );
  return { durationMs, gbSeconds: (inputs.boardMemoryMb / 1024) * (durationMs / 1000) };
}

/** S3 GET-class requests a view makes: the board's GET and the state's HEAD (billed as a GET). */
export const BOARD_VIEW_GETS = 2;

export interface PerRun {
  newPrefixes: number;
  listedPrefixes: number;
  /** Every LIST: the Thanos ones and `etlListRequests`. */
  listRequests: number;
  /** Federated ETL: a delimiter LIST of federated/ per 1,000 clusters, one LIST a cluster. */
  etlListRequests: number;
  getRequests: number;
  /** State bucket: one GET a run; two PUTs (the state, the board). */
  stateGets: number;
  statePuts: number;
  metricData: number;
  putMetricDataCalls: number;
  durationMs: number;
  gbSeconds: number;
}

export interface CostItem {
  key: string;
  label: string;
  /** What is billed, in words: "365 runs × 0.25 GB × 1.2 s". */
  quantity: string;
  monthlyUsd: number;
}

export interface CostEstimate {
  inputs: CostInputs;
  runsPerMonth: number;
  perRun: PerRun;
  metrics: number;
  items: CostItem[];
  totalUsd: number;
  /** The item costing most. */
  dominant: string;
}

/** Runs a month of a schedule: `rate(2 hours)`, `rate(30 minutes)`, `rate(1 day)` or a duration (`2h`). */
export function scheduleMinutes(schedule: string): number {
  const rate = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/.exec(schedule.trim());
  if (rate) {
    const n = Number(rate[1]);
    const unit = rate[2]!.startsWith("minute") ? 1 : rate[2]!.startsWith("hour") ? 60 : 1440;
    if (n < 1) throw new Error(`schedule ${schedule}: the rate must be at least 1`);
    return n * unit;
  }
  let ms: number;
  try {
    ms = parseDuration(schedule.trim());
  } catch {
    throw new Error(`schedule ${JSON.stringify(schedule)}: expected rate(N minutes|hours|days) or a duration such as 2h`);
  }
  if (ms < 60_000) throw new Error(`schedule ${schedule}: at least one minute between runs`);
  return ms / 60_000;
}

/** Monthly cost of `count` custom metrics over the tiers (each tier prices the metrics in it). */
export function metricsCost(count: number): number {
  let cost = 0;
  let from = 0;
  for (const tier of PRICES.cloudwatch.metricTiers) {
    const inTier = Math.max(0, Math.min(count, tier.upTo) - from);
    cost += inTier * tier.perMetric;
    from = tier.upTo;
    if (count <= from) break;
  }
  return cost;
}

export function perRun(inputs: CostInputs): PerRun {
  const hours = inputs.scheduleMinutes / 60;
  const rate = inputs.clusters * inputs.streamsPerCluster * inputs.prefixesPerStreamHour;
  const newPrefixes = Math.ceil(rate * hours);
  // Every run lists the lookback window, in slices of ~8 pages listed in parallel (lib/scan/slices.ts):
  // each slice but the last may list one page past its end.
  const listedPrefixes = Math.ceil(rate * inputs.lookbackHours);
  const slices = Math.min(16, Math.max(1, Math.floor(listedPrefixes / 8000)));
  const thanosLists = Math.max(1, Math.ceil(listedPrefixes / 1000)) + slices - 1;
  // lib/federated/scan.ts: the federated/ folders, then one LIST of etl/bingen/ a cluster (2 when
  // its page ends before the new assets files: not the case with Kubecost's default retention).
  const etl = inputs.etlClusters;
  const etlListRequests = etl > 0 ? Math.ceil((etl + 1) / 1000) + etl : 0;
  const listRequests = thanosLists + etlListRequests;
  const getRequests = newPrefixes;
  const metricData = RUN_METRICS + (inputs.perClusterMetrics ? METRICS_PER_CLUSTER * (inputs.clusters + etl) : 0);
  const putMetricDataCalls = Math.ceil(metricData / 1000);
  const m = DURATION_MODEL;
  const boardCpuMs = m.boardRenderFixedMs + m.boardRenderPerClusterMs * (inputs.clusters + etl);
  const cpuMs = m.cpuFixedMs + m.cpuPerNewBlockMs * newPrefixes + m.cpuPerClusterMs * inputs.clusters + m.cpuPerEtlClusterMs * etl + boardCpuMs;
  const ioMs =
    m.ioFixedMs +
    (m.listLatencyMs * thanosLists) / slices +
    (m.getLatencyMs * getRequests) / Math.max(1, inputs.concurrency) +
    (m.listLatencyMs * etlListRequests) / Math.max(1, inputs.concurrency);
  const durationMs = inputs.durationMs ?? Math.round(cpuMs * Math.max(1, m.mbPerVcpu / inputs.memoryMb) + ioMs);
  // Lambda bills duration rounded up to the millisecond.
  const gbSeconds = (inputs.memoryMb / 1024) * (Math.ceil(durationMs) / 1000);
  return { newPrefixes, listedPrefixes, listRequests, etlListRequests, getRequests, stateGets: 1, statePuts: 2, metricData, putMetricDataCalls, durationMs, gbSeconds };
}

const usd = (x: number) => Math.max(0, x);
const fmt = (x: number, digits = 0) => x.toLocaleString("en-US", { maximumFractionDigits: digits });

/** The monthly bill of one deployment, item by item. Pure: same inputs, same dollars. */
export function estimateCost(partial: Partial<CostInputs> & { clusters: number }): CostEstimate {
  const inputs: CostInputs = { ...DEFAULT_COST_INPUTS, ...partial };
  if (!(Number.isFinite(inputs.clusters) && inputs.clusters >= 0)) throw new Error("clusters must be a number of at least 0");
  if (!(Number.isInteger(inputs.etlClusters) && inputs.etlClusters >= 0)) throw new Error("etl clusters must be a whole number of at least 0");
  if (!(inputs.scheduleMinutes >= 1)) throw new Error("schedule must be at least one minute");
  if (!(inputs.memoryMb >= 128 && inputs.memoryMb <= 10_240)) throw new Error("memory must be between 128 and 10240 MB");
  if (!(inputs.boardViewsPerMonth >= 0)) throw new Error("board views must be a number of at least 0");
  const runs = (HOURS_PER_MONTH * 60) / inputs.scheduleMinutes;
  const r = perRun(inputs);
  const board = boardView(inputs);
  const free = inputs.freeTier;
  const L = PRICES.lambda;
  const C = PRICES.cloudwatch;
  const gbSeconds = runs * r.gbSeconds;
  const gbPrice = inputs.architecture === "arm64" ? L.arm64PerGbSecond : L.x86PerGbSecond;
  const metrics = RUN_METRICS + (inputs.perClusterMetrics ? METRICS_PER_CLUSTER * (inputs.clusters + inputs.etlClusters) : 0);
  const apiCalls = runs * r.putMetricDataCalls;
  const logBytesPerRun = 2000; // START/END/REPORT lines and the run's one JSON summary line
  const logGb = (runs * logBytesPerRun) / 1e9;
  const stateGb = ((inputs.clusters + inputs.etlClusters) * inputs.stateBytesPerCluster * (1 + (runs * inputs.stateVersionDays) / 30.4)) / 1e9;
  // The board object (~1 KB a cluster at most), its old versions kept a day (serverless.yml).
  const boardGb = ((inputs.clusters + inputs.etlClusters) * 1000 * (1 + runs / 30.4)) / 1e9;

  const items: CostItem[] = [
    {
      key: "metrics",
      label: "CloudWatch custom metrics",
      quantity: `${fmt(RUN_METRICS)} run metrics${inputs.perClusterMetrics ? ` + ${METRICS_PER_CLUSTER} × ${fmt(inputs.clusters + inputs.etlClusters)} clusters` : " (per-cluster metrics off)"} = ${fmt(metrics)} metrics`,
      monthlyUsd: usd(metricsCost(Math.max(0, metrics - (free ? C.freeMetrics : 0)))),
    },
    {
      key: "dashboard",
      label: "CloudWatch dashboard",
      quantity: free ? "1 dashboard (within the 3 free)" : "1 dashboard (the account's 3 free ones taken)",
      monthlyUsd: free ? 0 : C.dashboardPerMonth,
    },
    {
      key: "alarms",
      label: "CloudWatch alarms",
      quantity: "1 standard alarm (not reporting)",
      monthlyUsd: free ? 0 : C.alarmPerMonth,
    },
    {
      key: "metricApi",
      label: "CloudWatch PutMetricData calls",
      quantity: `${fmt(runs, 1)} runs × ${r.putMetricDataCalls} calls = ${fmt(apiCalls)}`,
      monthlyUsd: usd((apiCalls - (free ? C.freeApiRequests : 0)) * C.apiPerRequest),
    },
    {
      key: "s3List",
      label: "S3 LIST requests",
      quantity: `${fmt(runs, 1)} runs × ${fmt(r.listRequests)} LIST (${fmt(r.listedPrefixes)} prefixes listed${r.etlListRequests > 0 ? `; ${fmt(r.etlListRequests)} for ${fmt(inputs.etlClusters)} Federated ETL clusters` : ""})`,
      monthlyUsd: runs * r.listRequests * PRICES.s3.listPerRequest,
    },
    {
      key: "s3Get",
      label: "S3 GET requests",
      quantity: `${fmt(runs, 1)} runs × (${fmt(r.getRequests)} meta.json + ${r.stateGets} state) GET`,
      monthlyUsd: runs * (r.getRequests + r.stateGets) * PRICES.s3.getPerRequest,
    },
    {
      key: "s3State",
      label: "S3 state and board writes, versions",
      quantity: `${fmt(runs * r.statePuts, 1)} PUT (state, board), ${fmt(stateGb + boardGb, 3)} GB kept (${inputs.stateVersionDays} days of state versions, 1 of the board's)`,
      monthlyUsd: runs * r.statePuts * PRICES.s3.putPerRequest + (stateGb + boardGb) * PRICES.s3.storagePerGbMonth,
    },
    {
      key: "lambda",
      label: `Lambda (${inputs.architecture}, ${inputs.memoryMb} MB)`,
      quantity: `${fmt(runs, 1)} runs × ${fmt(r.durationMs / 1000, 2)} s = ${fmt(gbSeconds, 1)} GB-s`,
      monthlyUsd:
        usd((gbSeconds - (free ? L.freeGbSeconds : 0)) * gbPrice) + usd((runs - (free ? L.freeRequests : 0)) * L.perRequest),
    },
    {
      key: "logs",
      label: "CloudWatch Logs",
      quantity: `${fmt(logGb * 1000, 2)} MB a month`,
      monthlyUsd: usd((logGb - (free ? C.freeLogsGb : 0)) * C.logsIngestPerGb) + logGb * C.logsStoragePerGbMonth,
    },
    {
      key: "sns",
      label: "SNS alerts",
      quantity: `${fmt(inputs.alertsPerMonth)} publishes, ${fmt(inputs.alertsPerMonth * inputs.emailSubscribers)} emails`,
      monthlyUsd:
        usd(inputs.alertsPerMonth - (free ? PRICES.sns.freePublishes : 0)) * PRICES.sns.perPublish +
        usd(inputs.alertsPerMonth * inputs.emailSubscribers - (free ? PRICES.sns.freeEmails : 0)) * PRICES.sns.perEmail,
    },
    { key: "schedule", label: "EventBridge schedule", quantity: "a Scheduler schedule", monthlyUsd: PRICES.eventBridgeSchedule },
    {
      // AWS bills a custom widget as the Lambda it invokes (requests and duration) and the S3 requests
      // it makes; the widget itself and its dashboard add nothing beyond the dashboard's own price.
      key: "board",
      label: `Board widget (Lambda ${inputs.boardMemoryMb} MB + board GET + state HEAD)`,
      quantity: `${fmt(inputs.boardViewsPerMonth)} views × ${fmt(board.durationMs / 1000, 2)} s = ${fmt(inputs.boardViewsPerMonth * board.gbSeconds, 0)} GB-s`,
      monthlyUsd:
        inputs.boardViewsPerMonth * board.gbSeconds * gbPrice +
        inputs.boardViewsPerMonth * L.perRequest +
        inputs.boardViewsPerMonth * BOARD_VIEW_GETS * PRICES.s3.getPerRequest,
    },
  ];
  const totalUsd = items.reduce((s, i) => s + i.monthlyUsd, 0);
  const dominant = items.reduce((a, b) => (b.monthlyUsd > a.monthlyUsd ? b : a)).key;
  return { inputs, runsPerMonth: runs, perRun: r, metrics, items, totalUsd, dominant };
}

/** The estimate as asked, and what turning per-cluster metrics off would change. */
export function estimateWithSaving(partial: Partial<CostInputs> & { clusters: number }): {
  estimate: CostEstimate;
  withPerClusterMetrics: number;
  withoutPerClusterMetrics: number;
  saving: number;
} {
  const estimate = estimateCost(partial);
  const on = estimate.inputs.perClusterMetrics ? estimate.totalUsd : estimateCost({ ...partial, perClusterMetrics: true }).totalUsd;
  const off = estimate.inputs.perClusterMetrics ? estimateCost({ ...partial, perClusterMetrics: false }).totalUsd : estimate.totalUsd;
  return { estimate, withPerClusterMetrics: on, withoutPerClusterMetrics: off, saving: on - off };
}
