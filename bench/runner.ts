// One measured run, in its own process so its peak RSS is its own: the bench bundles this file
// with esbuild like the Lambda (serverless.yml's custom.esbuild) and runs `node runner.cjs IN OUT`.
//   blockwatch: the real scheduled handler (makeHandler), its clients pointed at the local servers.
//   fullscan:   list every top-level prefix, read every meta.json (what `thanos tools bucket
//               inspect` does) with the same concurrency, judge everything at once.
import { readFileSync, writeFileSync } from "node:fs";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import type { Block } from "../lib/domain/block";
import { parseMeta } from "../lib/domain/meta";
import { isUlid } from "../lib/domain/ulid";
import { configFromEnv } from "../lib/monitor/config";
import { makeHandler } from "../lib/monitor/handler";
import { DEFAULT_POLICY } from "../lib/policy/policy";
import { forEachLimit } from "../lib/scan/concurrency";
import { judgeAll, type Verdicts } from "./judge";

export interface RunnerInput {
  mode: "blockwatch" | "fullscan";
  endpoint: string;
  region: string;
  metricsEndpoint: string;
  thanosBucket: string;
  stateBucket: string;
  stateKey: string;
  topicArn: string;
  now: number;
  expected: string[];
  concurrency: number;
  perClusterMetrics: boolean;
  /**
   * The Lambda's time budget (ms; its timeout): the handler's clock then runs in real time from
   * `now`, so the run stops listing where a Lambda would. Absent: 15 minutes, a clock fixed at `now`.
   */
  remainingMs?: number;
}

export interface RunnerOutput {
  wallMs: number;
  maxRssBytes: number;
  heapPeakBytes: number;
  /** fullscan: its verdicts; blockwatch: read from the saved state by the bench. */
  verdicts?: Verdicts;
  /** blockwatch: the handler's "run complete" log line (its own request tally, for comparison). */
  logged?: Record<string, unknown>;
  blocks?: number;
  /** Sampled peaks of process.memoryUsage(): where the RSS goes. */
  peaks?: { rss: number; heapTotal: number; external: number; arrayBuffers: number };
}

const input = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as RunnerInput;
const credentials = { accessKeyId: "bench", secretAccessKey: "bench" };
const s3 = () => new S3Client({ region: input.region, endpoint: input.endpoint, forcePathStyle: true, credentials, maxAttempts: 5 });

// Heap sampled while the run goes on (RSS peak comes from the kernel at the end).
let heapPeak = process.memoryUsage().heapUsed;
const peaks = { rss: 0, heapTotal: 0, external: 0, arrayBuffers: 0 };
const sample = () => {
  const m = process.memoryUsage();
  heapPeak = Math.max(heapPeak, m.heapUsed);
  peaks.rss = Math.max(peaks.rss, m.rss);
  peaks.heapTotal = Math.max(peaks.heapTotal, m.heapTotal);
  peaks.external = Math.max(peaks.external, m.external);
  peaks.arrayBuffers = Math.max(peaks.arrayBuffers, m.arrayBuffers);
};
const sampler = setInterval(sample, 5);

async function blockwatch(): Promise<RunnerOutput> {
  const env: Record<string, string> = {
    THANOS_BUCKET: input.thanosBucket,
    STATE_BUCKET: input.stateBucket,
    STATE_KEY: input.stateKey,
    ALERT_TOPIC_ARN: input.topicArn,
    EXPECTED_CLUSTERS: input.expected.join(","),
    PER_CLUSTER_METRICS: String(input.perClusterMetrics),
    CONCURRENCY: String(input.concurrency),
  };
  const config = configFromEnv(env);
  const clients = {
    thanosS3: s3(),
    stateS3: s3(),
    sns: new SNSClient({ region: input.region, endpoint: input.endpoint, credentials, maxAttempts: 5 }),
    cloudwatch: new CloudWatchClient({ region: input.region, endpoint: input.metricsEndpoint, credentials, maxAttempts: 3 }),
  };
  let logged: Record<string, unknown> | undefined;
  const log = {
    log(level: string, msg: string, fields: Record<string, unknown> = {}) {
      if (msg === "run complete") logged = fields;
      else if (level === "error" || level === "warn") process.stderr.write(`${level}: ${msg} ${JSON.stringify(fields).slice(0, 500)}\n`);
    },
  };
  const t0 = performance.now();
  const clock = input.remainingMs === undefined ? () => input.now : () => input.now + Math.round(performance.now() - t0);
  const handler = makeHandler(config, clients, log, clock);
  const started = performance.now();
  await handler({}, { getRemainingTimeInMillis: () => input.remainingMs ?? 900_000 });
  const wallMs = performance.now() - started;
  return { wallMs, maxRssBytes: 0, heapPeakBytes: 0, logged };
}

async function fullscan(): Promise<RunnerOutput> {
  const client = s3();
  const started = performance.now();
  const prefixes: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: input.thanosBucket, Delimiter: "/", ContinuationToken: token }));
    for (const p of page.CommonPrefixes ?? []) {
      const name = p.Prefix?.slice(0, -1) ?? "";
      if (isUlid(name)) prefixes.push(name);
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const blocks: Block[] = [];
  await forEachLimit(prefixes, input.concurrency, async (name) => {
    try {
      const res = await client.send(new GetObjectCommand({ Bucket: input.thanosBucket, Key: `${name}/meta.json` }));
      const parsed = parseMeta(name, await res.Body!.transformToString("utf-8"), res.LastModified?.getTime() ?? 0);
      if (parsed.ok) blocks.push(parsed.block);
    } catch (err) {
      if ((err as Error).name !== "NoSuchKey") throw err;
    }
  });
  const verdicts = judgeAll(blocks, input.now, { ...DEFAULT_POLICY, expectedClusters: input.expected });
  return { wallMs: performance.now() - started, maxRssBytes: 0, heapPeakBytes: 0, verdicts, blocks: blocks.length };
}

/**
 * The process's own peak RSS: VmHWM, the high-water mark of its address space. Not ru_maxrss: on
 * Linux that also holds the RSS of the image exec() replaced, i.e. the bench process that forked it.
 */
function peakRss(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return Math.max(peaks.rss, process.memoryUsage().rss);
}

// No top-level await: the bundle is CommonJS, like the Lambda's.
void (input.mode === "blockwatch" ? blockwatch() : fullscan()).then(
  (out) => {
    clearInterval(sampler);
    sample();
    out.heapPeakBytes = heapPeak;
    out.peaks = peaks;
    out.maxRssBytes = peakRss();
    writeFileSync(process.argv[3]!, JSON.stringify(out));
    process.exit(0);
  },
  (err: unknown) => {
    process.stderr.write(`runner failed: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
