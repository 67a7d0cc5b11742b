import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { SnsAlertPublisher } from "../alerts/sns-publisher";
import { S3Bucket } from "../bucket/s3";
import { BucketError } from "../bucket/bucket";
import { cloudWatchSink } from "../metrics/cloudwatch-sink";
import { S3StateStore } from "../state/s3-store";
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

/** The scheduled handler, wired from validated config and clients: no logic of its own. */
export function makeHandler(config: MonitorConfig, clients: MonitorClients, log: Logger = jsonLogger(), clock: () => number = Date.now) {
  return async (_event: unknown, context: LambdaContextLike) => {
    const started = clock();
    const remaining = context.getRemainingTimeInMillis();
    // Stop listing with a margin left to save state, publish and put metrics.
    const deadline = started + remaining - Math.max(30_000, remaining * 0.2);
    const deps = {
      bucket: new S3Bucket(clients.thanosS3, config.thanosBucket, config.thanosPrefix, {
        settingNames: { bucket: "the thanosBucket param", region: "the thanosRegion param" },
        mayRetry: () => clock() < deadline,
      }),
      store: new S3StateStore(clients.stateS3, config.stateBucket, config.stateKey),
      alerts: new SnsAlertPublisher(clients.sns, config.alertTopicArn, { bucket: config.thanosBucket }),
      metrics: cloudWatchSink(clients.cloudwatch),
      log,
      clock,
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
        requests: { list: r.stats.listRequests, get: r.stats.getRequests, prefixesListed: r.stats.prefixesListed, metaRead: r.stats.metaRead },
        alert: summary.alert,
        metrics: summary.metrics,
        stateAttempts: summary.stateAttempts,
        durationMs: clock() - started,
      });
      return { status: r.complete ? "complete" : "partial", clusters: r.clusters.length };
    } catch (err) {
      const e = err as Error;
      log.log("error", "run failed", { kind: err instanceof BucketError ? err.kind : e.name, error: e.message?.slice(0, 500) });
      throw err;
    }
  };
}
