import { setMaxListeners } from "node:events";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { SnsAlertPublisher } from "../alerts/sns-publisher";
import { S3Bucket } from "../bucket/s3";
import { BucketError } from "../bucket/bucket";
import { cloudWatchSink } from "../metrics/cloudwatch-sink";
import { S3StateStore } from "../state/s3-store";
import { publishBoard } from "../board/published";
import type { MonitorConfig } from "./config";
import { jsonLogger, type Logger } from "./log";
import { runMonitor } from "./run";

export interface MonitorClients {
  /** Reads the Thanos bucket (may be in another region or account). */
  thanosS3: S3Client;
  /** Reads and writes the state bucket the stack created. */
  stateS3: S3Client;
  sns: SNSClient;
  cloudwatch: CloudWatchClient;
}

/**
 * A hung connection must fail its request, not hold the run until the Lambda is killed: the request
 * timeout stops at the headers, the socket timeout covers a body that stalls after them.
 */
const TIMEOUTS = { connectionTimeout: 3_000, requestTimeout: 15_000, throwOnRequestTimeout: true, socketTimeout: 15_000 };

export function defaultClients(config: MonitorConfig): MonitorClients {
  return {
    thanosS3: new S3Client({ region: config.thanosRegion, maxAttempts: 5, requestHandler: TIMEOUTS }),
    stateS3: new S3Client({ maxAttempts: 5, requestHandler: TIMEOUTS }),
    // One attempt: a Publish whose reply was lost may have been delivered, and the SDK would send it
    // again, up to 5 times. A failed publish is decided again by the next run (at most one copy more).
    sns: new SNSClient({ maxAttempts: 1, requestHandler: TIMEOUTS }),
    cloudwatch: new CloudWatchClient({ maxAttempts: 3, requestHandler: TIMEOUTS }),
  };
}

export interface LambdaContextLike {
  getRemainingTimeInMillis(): number;
  awsRequestId?: string;
}

/**
 * The run's three limits, from the time the Lambda has left (real time: that is what kills it):
 * - the listing deadline: no new listing page, no new retry after it; what is left saves state,
 *   alerts and puts metrics (max(30 s, 20%));
 * - the bucket's end: every Thanos request still in flight or waiting to be retried is abandoned,
 *   so an endpoint that never answers fails the run with max(15 s, 10%) left to save the state
 *   and send "cannot read the bucket";
 * - the run's end, 3 s before the Lambda's: no request of any client outlives it.
 */
export function runLimits(remainingMs: number): { listingMs: number; bucketMs: number; runMs: number } {
  return {
    listingMs: remainingMs - Math.max(30_000, remainingMs * 0.2),
    bucketMs: remainingMs - Math.max(15_000, remainingMs * 0.1),
    runMs: remainingMs - 3_000,
  };
}

/** A signal that fires after `ms` of real time; `clear` stops its timer when the run ends first. */
function timer(ms: number): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  // One listener per request in flight (32 meta.json reads at once): not a leak.
  setMaxListeners(0, controller.signal);
  const t = setTimeout(() => controller.abort(), Math.max(0, ms));
  t.unref?.();
  return { signal: controller.signal, clear: () => clearTimeout(t) };
}

/** The client, its every request (retries and waits included) abandoned when `signal` fires. */
function bounded<C extends { send: (...args: never[]) => Promise<unknown> }>(client: C, signal: AbortSignal): C {
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop !== "send") return Reflect.get(target, prop, receiver) as unknown;
      return (command: unknown, options?: Record<string, unknown>) =>
        (target.send as unknown as (c: unknown, o: unknown) => Promise<unknown>)(command, { ...options, abortSignal: options?.abortSignal ?? signal });
    },
  });
}

/** The scheduled handler, wired from validated config and clients: no logic of its own. */
export function makeHandler(config: MonitorConfig, clients: MonitorClients, log: Logger = jsonLogger(), clock: () => number = Date.now) {
  return async (_event: unknown, context: LambdaContextLike) => {
    const started = clock();
    const remaining = context.getRemainingTimeInMillis();
    const limits = runLimits(remaining);
    const deadline = started + limits.listingMs;
    const bucketEnd = timer(limits.bucketMs);
    const runEnd = timer(limits.runMs);
    const fleetObject = new S3StateStore(bounded(clients.stateS3, runEnd.signal), config.stateBucket, config.fleetConfigKey, "application/yaml");
    const deps = {
      bucket: new S3Bucket(clients.thanosS3, config.thanosBucket, config.thanosPrefix, {
        settingNames: {
          bucket: "the thanosBucket param",
          region: "the thanosRegion param",
          concurrency: "the function's CONCURRENCY variable (32 by default)",
          insecure: "the Lambda reads AWS S3 over HTTPS only",
        },
        mayRetry: () => clock() < deadline,
        signal: bucketEnd.signal,
        budgetName: "the run's time for reading the bucket",
      }),
      store: new S3StateStore(bounded(clients.stateS3, runEnd.signal), config.stateBucket, config.stateKey),
      alerts: new SnsAlertPublisher(bounded(clients.sns, runEnd.signal), config.alertTopicArn, { bucket: config.thanosBucket }),
      metrics: cloudWatchSink(bounded(clients.cloudwatch, runEnd.signal)),
      log,
      clock,
      fleet: { name: fleetObject.name, load: async () => (await fleetObject.load()).text },
      // The Lambda runtime starts node with --expose-gc (and a heap sized to the function's memory).
      collect: typeof globalThis.gc === "function" ? () => void globalThis.gc!() : undefined,
      board: {
        location: `s3://${config.thanosBucket}/${config.thanosPrefix ? config.thanosPrefix + "/" : ""}`,
        publish: (html: string) => publishBoard(bounded(clients.stateS3, runEnd.signal), config.stateBucket, config.boardKey, html),
      },
    };
    try {
      const summary = await runMonitor(deps, started, {
        policy: config.policy,
        metricNamespace: config.metricNamespace,
        perClusterMetrics: config.perClusterMetrics,
        concurrency: config.concurrency,
        source: config.source,
        deadline,
      });
      const r = summary.report;
      const by = (s: string) => r.clusters.filter((c) => c.status === s).length;
      log.log("info", "run complete", {
        now: r.now,
        complete: r.complete,
        clusters: { total: r.clusters.length, ok: by("ok"), late: by("late"), stalled: by("stalled"), missing: by("missing") },
        findings: {
          partialBlocks: r.partialBlocks.length,
          corruptBlocks: r.corruptBlocks.length,
          unlabeledBlocks: r.unlabeledBlocks.length,
          overlaps: r.overlaps.length,
          newClusters: r.newClusters.length,
        },
        requests: { list: r.stats.listRequests, get: r.stats.getRequests, prefixesListed: r.stats.prefixesListed, metaRead: r.stats.metaRead, peakBlocks: r.stats.peakBlocks },
        alert: summary.alert,
        metrics: summary.metrics,
        stateAttempts: summary.stateAttempts,
        board: summary.board,
        durationMs: clock() - started,
      });
      return { status: r.complete ? "complete" : "partial", clusters: r.clusters.length };
    } catch (err) {
      const e = err as Error;
      log.log("error", "run failed", { kind: err instanceof BucketError ? err.kind : e.name, error: e.message?.slice(0, 500) });
      throw err;
    } finally {
      bucketEnd.clear();
      runEnd.clear();
    }
  };
}
