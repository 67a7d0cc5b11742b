// The local servers of the fault suite and the wiring of the real Lambda handler to them:
//
//   handler ──thanosS3──▶ FaultProxy (s3) ──▶ fauxqs S3 (Thanos buckets)
//           ──stateS3───▶ ConditionalFront ──▶ fauxqs S3 (state bucket; If-Match enforced here)
//           ──sns───────▶ FaultProxy (sns) ──▶ fauxqs SNS ──▶ SQS queue (what subscribers got)
//           ──cloudwatch▶ CloudWatch recorder (test/support), failures injected with failNext
//
// Every client gets explicit local credentials and endpoints; the AWS credential chain is never used.
// Retry and HTTP settings are taken from the production clients (defaultClients), so the suite
// exercises what the Lambda really does (and follows any change to it).
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { FauxqsServer } from "fauxqs";
import type { BucketObject } from "../../lib/demo/bucket-objects";
import { configFromEnv, type MonitorConfig } from "../../lib/monitor/config";
import { defaultClients, makeHandler, type LambdaContextLike, type MonitorClients } from "../../lib/monitor/handler";
import { jsonLogger } from "../../lib/monitor/log";
import { startCloudWatchRecorder, type CloudWatchRecorder } from "../support/cloudwatch-recorder";
import { startLocalS3, type LocalS3 } from "../support/s3-server";
import { parseCaptured, type Captured } from "./alerts";
import { ConditionalFront, FaultProxy } from "./proxy";

export const LOCAL = { region: "us-east-1", credentials: { accessKeyId: "faults", secretAccessKey: "faults" } };
export const STATE_BUCKET = "blockwatch-state";

interface StoredObjectLike {
  lastModified: Date;
}
interface S3StoreLike {
  putObject(bucket: string, key: string, body: Buffer, contentType?: string): StoredObjectLike;
}

let captureStore: ((s: S3StoreLike) => void) | null = null;
let storePatched: Promise<void> | undefined;

/**
 * Bulk loading (20,000 prefixes) goes straight into fauxqs's store, with each object's LastModified
 * set to the simulated write time; every read of the suite goes over HTTP through the fronts.
 */
async function patchStoreCapture(): Promise<void> {
  const url = new URL("../../node_modules/fauxqs/dist/s3/s3Store.js", import.meta.url);
  const mod = (await import(url.href)) as { S3Store: { prototype: { createBucket: (this: S3StoreLike, name: string) => void; __captured?: boolean } } };
  const proto = mod.S3Store.prototype;
  if (proto.__captured) return;
  const original = proto.createBucket;
  proto.createBucket = function (name) {
    captureStore?.(this);
    return original.call(this, name);
  };
  proto.__captured = true;
}

export interface LogLine {
  level: string;
  msg: string;
  [k: string]: unknown;
}

export interface HandlerRun {
  ok: boolean;
  result?: { status: string; clusters: number };
  error?: Error;
  logs: LogLine[];
  /** Notifications that reached the queue during this run. */
  captured: Captured[];
  durationMs: number;
}

export interface Channel {
  topicArn: string;
  queueUrl: string;
}

export class World {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  private bucketsMade = new Set<string>();
  private channels = 0;

  private constructor(
    readonly local: LocalS3,
    private readonly store: S3StoreLike,
    readonly recorder: CloudWatchRecorder,
    readonly thanosProxy: FaultProxy,
    readonly stateFront: ConditionalFront,
    readonly snsProxy: FaultProxy,
  ) {
    this.s3 = local.client;
    this.sqs = new SQSClient({ ...LOCAL, endpoint: local.endpoint });
  }

  static async start(): Promise<World> {
    await patchStoreCapture();
    let store: S3StoreLike | null = null;
    captureStore = (s) => (store ??= s);
    const local = await startLocalS3();
    local.createBucket(STATE_BUCKET);
    captureStore = null;
    if (!store) throw new Error("could not reach fauxqs's S3 store");
    const upstream = new URL(local.endpoint);
    const [recorder, thanosProxy, stateFront, snsProxy] = await Promise.all([
      startCloudWatchRecorder(),
      new FaultProxy(upstream, "s3").start(),
      new ConditionalFront(upstream).start(),
      new FaultProxy(upstream, "sns").start(),
    ]);
    return new World(local, store, recorder, thanosProxy, stateFront, snsProxy);
  }

  get fauxqs(): FauxqsServer {
    return this.local.server;
  }

  async stop(): Promise<void> {
    this.sqs.destroy();
    await Promise.all([this.thanosProxy.stop(), this.stateFront.stop(), this.snsProxy.stop(), this.recorder.close()]);
    await this.local.stop();
  }

  bucket(name: string): string {
    if (!this.bucketsMade.has(name)) {
      this.local.createBucket(name);
      this.bucketsMade.add(name);
    }
    return name;
  }

  /** Objects written directly into fauxqs, LastModified = their simulated write time. */
  load(bucket: string, objects: readonly BucketObject[]): void {
    this.bucket(bucket);
    for (const o of objects) {
      const stored = this.store.putObject(bucket, o.key, Buffer.from(o.body, "utf8"), o.key.endsWith(".json") ? "application/json" : "application/octet-stream");
      stored.lastModified = new Date(o.mtime);
    }
  }

  /** A topic with a queue subscribed: what every subscriber would get. */
  channel(name: string): Channel {
    const id = `${name}-${++this.channels}`;
    const { queueUrl } = this.fauxqs.createQueue(`q-${id}`);
    const { topicArn } = this.fauxqs.createTopic(`t-${id}`);
    this.fauxqs.subscribe({ topic: `t-${id}`, queue: `q-${id}` });
    return { topicArn, queueUrl };
  }

  async drain(queueUrl: string): Promise<Captured[]> {
    const out: Captured[] = [];
    for (;;) {
      const r = await this.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ["All"] }));
      if (!r.Messages?.length) return out;
      for (const m of r.Messages) {
        out.push(parseCaptured(m.Body!));
        await this.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
      }
    }
  }

  async readObject(bucket: string, key: string): Promise<string | null> {
    try {
      const res = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return (await res.Body?.transformToString("utf-8")) ?? "";
    } catch (err) {
      if ((err as Error).name === "NoSuchKey") return null;
      throw err;
    }
  }

  async writeObject(bucket: string, key: string, body: string): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from(body, "utf8") }));
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  }

  config(env: Record<string, string>): MonitorConfig {
    return configFromEnv({ STATE_BUCKET, STATE_KEY: "state/blockwatch.json", ...env });
  }

  /** The production clients' retry/HTTP settings, pointed at the local fronts. */
  clients(config: MonitorConfig, endpoints: Partial<{ thanos: string; state: string; sns: string; cloudwatch: string }> = {}): MonitorClients {
    const prod = defaultClients(config);
    const s3 = (c: S3Client, endpoint: string) =>
      new S3Client({
        ...LOCAL,
        endpoint,
        forcePathStyle: true,
        maxAttempts: c.config.maxAttempts,
        retryMode: c.config.retryMode,
        requestHandler: c.config.requestHandler,
      });
    const clients: MonitorClients = {
      thanosS3: s3(prod.thanosS3, endpoints.thanos ?? this.thanosProxy.url),
      stateS3: s3(prod.stateS3, endpoints.state ?? this.stateFront.url),
      sns: new SNSClient({
        ...LOCAL,
        endpoint: endpoints.sns ?? this.snsProxy.url,
        maxAttempts: prod.sns.config.maxAttempts,
        retryMode: prod.sns.config.retryMode,
        requestHandler: prod.sns.config.requestHandler,
      }),
      cloudwatch: new CloudWatchClient({
        ...LOCAL,
        endpoint: endpoints.cloudwatch ?? this.recorder.endpoint,
        maxAttempts: prod.cloudwatch.config.maxAttempts,
        retryMode: prod.cloudwatch.config.retryMode,
        requestHandler: prod.cloudwatch.config.requestHandler,
      }),
    };
    return clients;
  }

  /**
   * Invokes the real handler once. `queueUrl` is drained afterwards: what subscribers got from
   * this run. A thrown error is returned, not rethrown: the scenario decides whether it is expected.
   */
  async invoke(opts: {
    config: MonitorConfig;
    clients?: MonitorClients;
    clock: () => number;
    remainingMs?: number;
    queueUrl: string;
  }): Promise<HandlerRun> {
    const logs: LogLine[] = [];
    const clients = opts.clients ?? this.clients(opts.config);
    const handler = makeHandler(opts.config, clients, jsonLogger((l) => logs.push(JSON.parse(l) as LogLine)), opts.clock);
    const context: LambdaContextLike = { getRemainingTimeInMillis: () => opts.remainingMs ?? 300_000, awsRequestId: "faults" };
    const started = Date.now();
    let run: HandlerRun;
    try {
      const result = await handler({}, context);
      run = { ok: true, result, logs, captured: [], durationMs: Date.now() - started };
    } catch (err) {
      run = { ok: false, error: err as Error, logs, captured: [], durationMs: Date.now() - started };
    }
    if (!opts.clients) for (const c of Object.values(clients)) (c as { destroy(): void }).destroy();
    run.captured = await this.drain(opts.queueUrl);
    return run;
  }
}

/** Always the same instant: runs whose judgement must be comparable. */
export const fixedClock = (t: number) => () => t;

/** Starts at `t` on its first reading, then follows the real clock (`speed` times faster). */
export function runningClock(t: number, speed = 1): () => number {
  let start: number | null = null;
  return () => {
    const real = Date.now();
    if (start === null) {
      start = real;
      return t;
    }
    return t + (real - start) * speed;
  };
}
