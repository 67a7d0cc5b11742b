import type { Notification } from "../alerts/notification";
import type { AlertPublisher } from "../alerts/sns-publisher";
import type { BucketReader } from "../bucket/bucket";
import { FilesystemBucket } from "../bucket/filesystem";
import type { ClusterStatus } from "../health/status";
import { batchMetricData } from "../metrics/batch";
import type { MetricDatum } from "../metrics/metric-data";
import type { MetricsSink, PutResult } from "../metrics/sink";
import type { Logger, LogLevel } from "../monitor/log";
import { runMonitor } from "../monitor/run";
import type { Policy } from "../policy/policy";
import type { SaveResult, StateStore, StoredBytes, StoredState } from "../state/store";
import { FilesystemWriter, MemoryBucket } from "./memory-bucket";
import type { BucketEvent } from "./model";

/** The state bucket in memory, with S3's conditional writes (If-Match / If-None-Match). */
export class MemoryStateStore implements StateStore {
  private text: string | null = null;
  private version = 0;
  loads = 0;
  saves = 0;
  readonly setAsides: string[] = [];

  async load(): Promise<StoredState> {
    this.loads += 1;
    return { text: this.text, version: this.text === null ? null : `"v${this.version}"` };
  }

  /** The document as bytes, as the S3 store reads it (counted as a load). */
  async loadBytes(): Promise<StoredBytes> {
    const { text, version } = await this.load();
    return { bytes: text === null ? null : Buffer.from(text, "utf8"), version };
  }

  async save(text: string | Uint8Array, version: string | null): Promise<SaveResult> {
    this.saves += 1;
    const current = this.text === null ? null : `"v${this.version}"`;
    if (version !== current) return { saved: false };
    this.text = typeof text === "string" ? text : Buffer.from(text).toString("utf8");
    this.version += 1;
    return { saved: true, version: `"v${this.version}"` };
  }

  async setAside(text: string, suffix: string): Promise<string> {
    this.setAsides.push(suffix);
    return `state.json.${suffix}`;
  }

  /** The saved document, without counting a request (for debugging a replay). */
  peek(): string | null {
    return this.text;
  }
}

/** SNS replaced by a recorder; `fail` makes chosen publishes throw, as a failed Publish would. */
export class RecordingPublisher implements AlertPublisher {
  readonly published: Notification[] = [];
  failures = 0;
  fail: () => boolean = () => false;

  async publish(n: Notification): Promise<void> {
    if (this.fail()) {
      this.failures += 1;
      throw new Error("simulated SNS failure");
    }
    this.published.push(n);
  }
}

/** CloudWatch replaced by a recorder counting data and PutMetricData requests. */
export class RecordingMetrics implements MetricsSink {
  data = 0;
  requests = 0;

  async put(_namespace: string, data: MetricDatum[]): Promise<PutResult> {
    this.data += data.length;
    this.requests += batchMetricData(data).length;
    return { sent: data.length, failed: 0, errors: [] };
  }
}

export interface ReplayOptions {
  from: number;
  to: number;
  scheduleMs: number;
  /** When each run starts (jittered, lib/simulate/schedule.ts); default from + k x scheduleMs. */
  runTimes?: readonly number[];
  policy: Policy;
  /** Memory (fast) or a Thanos FILESYSTEM bucket in `directory` (files with simulated mtimes). */
  bucket: { kind: "memory" } | { kind: "filesystem"; directory: string };
  concurrency?: number;
  /** Runs (0-based) whose publish fails. */
  failPublish?: (run: number) => boolean;
  /** Called after each run with its report and the state it saved (debugging). */
  inspect?: (at: number, summary: Awaited<ReturnType<typeof runMonitor>>, state: string | null) => void;
}

export interface StatusChange {
  at: number;
  status: ClusterStatus | "absent";
}

export interface ReplayResult {
  runs: number;
  runTimes: number[];
  published: Notification[];
  failedPublishes: number;
  /** Per cluster: its status at each run where it changed (absent: not in the report). */
  statuses: Map<string, StatusChange[]>;
  requests: { list: number; get: number; stateGet: number; statePut: number; metricRequests: number; metricData: number };
  /** Warnings and errors the run logged (a damaged state, a failed publish), with their fields. */
  problems: { at: number; level: LogLevel; msg: string; fields?: Record<string, unknown> }[];
  wallMs: number;
}

/**
 * Replays the scheduled Lambda run (`runMonitor`, the code the handler calls) over a bucket that
 * changes as simulated time passes: before each run (at `runTimes`, or `from + k * schedule`), every
 * bucket event up to that moment is applied, then the run reads state, checks the bucket, decides
 * and publishes.
 */
export async function replay(events: readonly BucketEvent[], opts: ReplayOptions): Promise<ReplayResult> {
  const started = performance.now();
  let bucket: BucketReader;
  let apply: (e: BucketEvent) => void | Promise<void>;
  if (opts.bucket.kind === "memory") {
    const memory = new MemoryBucket();
    bucket = memory;
    apply = (e) => memory.apply(e);
  } else {
    const writer = new FilesystemWriter(opts.bucket.directory);
    bucket = new FilesystemBucket(opts.bucket.directory, "");
    apply = (e) => writer.apply(e);
  }
  const store = new MemoryStateStore();
  const alerts = new RecordingPublisher();
  const metrics = new RecordingMetrics();
  const problems: ReplayResult["problems"] = [];
  let now = opts.from;
  const log: Logger = {
    log(level, msg, fields) {
      if (level === "warn" || level === "error") problems.push({ at: now, level, msg, fields });
    },
  };
  const statuses = new Map<string, StatusChange[]>();
  const runTimes: number[] = [];
  const times = opts.runTimes ?? Array.from({ length: Math.floor((opts.to - opts.from) / opts.scheduleMs) + 1 }, (_, k) => opts.from + k * opts.scheduleMs);
  let ptr = 0;
  let run = 0;
  for (; run < times.length; run++) {
    now = times[run]!;
    while (ptr < events.length && events[ptr]!.at <= now) await apply(events[ptr++]!);
    const index = run;
    alerts.fail = () => opts.failPublish?.(index) ?? false;
    const at = now;
    const summary = await runMonitor({ bucket, store, alerts, metrics, log, clock: () => at }, at, {
      policy: opts.policy,
      metricNamespace: "Blockwatch",
      perClusterMetrics: true,
      concurrency: opts.concurrency ?? 16,
    });
    runTimes.push(at);
    opts.inspect?.(at, summary, store.peek());
    const seen = new Set<string>();
    for (const c of summary.report.clusters) {
      seen.add(c.cluster);
      const list = statuses.get(c.cluster) ?? [];
      if (list.at(-1)?.status !== c.status) list.push({ at, status: c.status });
      statuses.set(c.cluster, list);
    }
    for (const [name, list] of statuses) if (!seen.has(name) && list.at(-1)?.status !== "absent") list.push({ at, status: "absent" });
  }
  return {
    runs: run,
    runTimes,
    published: alerts.published,
    failedPublishes: alerts.failures,
    statuses,
    requests: {
      list: bucket.requests.listRequests,
      get: bucket.requests.getRequests,
      stateGet: store.loads,
      statePut: store.saves,
      metricRequests: metrics.requests,
      metricData: metrics.data,
    },
    problems,
    wallMs: Math.round(performance.now() - started),
  };
}
