// The scheduled Lambda end to end: the real handler wiring and real SDK clients against a local
// S3 + SNS + SQS server (fauxqs) and a local CloudWatch recorder, over several scheduled runs.
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { startFauxqs, type FauxqsServer } from "fauxqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blockObjects, seededRandom, type BucketObject } from "../lib/demo/bucket-objects";
import { HOUR, sidecarBlocks } from "../lib/demo/fleet";
import { readPublishedBoard, stateSavedAt } from "../lib/board/published";
import { renderWidget } from "../lib/board/widget";
import { configFromEnv } from "../lib/monitor/config";
import { makeHandler, type MonitorClients } from "../lib/monitor/handler";
import { jsonLogger } from "../lib/monitor/log";
import { parseState } from "../lib/state/state";
import { startCloudWatchRecorder, type CloudWatchRecorder } from "./support/cloudwatch-recorder";

const local = { region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } };
// Simulated schedule close to the real clock: S3 LastModified comes from the server's clock.
const T0 = Math.floor((Date.now() - 30 * HOUR) / (2 * HOUR)) * 2 * HOUR + 15 * 60_000;
const context = { getRemainingTimeInMillis: () => 300_000 };

interface Captured {
  subject: string;
  severity: string;
  cluster: string;
  text: string;
  chat: { version: string; source: string; content: { textType: string; title: string; description: string; nextSteps?: string[] }; metadata: { threadId: string } };
}

describe("scheduled handler end to end", () => {
  let server: FauxqsServer;
  let recorder: CloudWatchRecorder;
  let s3: S3Client;
  let sqs: SQSClient;
  let queueUrl: string;
  let clients: MonitorClients;
  let topicArn: string;
  const logs: Record<string, unknown>[] = [];
  const random = seededRandom(42);

  const env = (overrides: Record<string, string> = {}) =>
    configFromEnv({
      THANOS_BUCKET: "kc-thanos-store",
      STATE_BUCKET: "blockwatch-state",
      STATE_KEY: "state/blockwatch.json",
      ALERT_TOPIC_ARN: topicArn,
      EXPECTED_CLUSTERS: "prod-us-east-1,dev-eu-west-1,prod-ap-south-1",
      PER_CLUSTER_METRICS: "true", // opt-in since the board took over the per-cluster view; this test reads them
      ...overrides,
    });

  async function put(objects: BucketObject[]) {
    await Promise.all(objects.map((o) => s3.send(new PutObjectCommand({ Bucket: "kc-thanos-store", Key: o.key, Body: o.body }))));
  }
  // Blocks each cluster's sidecar has shipped by `now`: everything up to `now` minus what is already there.
  const shipped = new Set<string>();
  async function ship(now: number, streams: { cluster: string; from: number; stopAt?: number }[]) {
    const objects: BucketObject[] = [];
    for (const s of streams) {
      for (const b of sidecarBlocks({ labels: { cluster_id: s.cluster }, from: s.from, stopAt: s.stopAt }, now, seededRandom(s.cluster.length))) {
        const key = `${s.cluster}:${b.minTime}`;
        if (shipped.has(key)) continue;
        shipped.add(key);
        objects.push(...blockObjects({ ...b, ulid: b.ulid.slice(0, 10) + b.ulid.slice(10).replace(/./g, () => "0123456789ABCDEFGHJKMNPQRSTVWXYZ"[Math.floor(random() * 32)]!) }));
      }
    }
    await put(objects);
  }
  async function run(now: number, config = env()) {
    const handler = makeHandler(config, clients, jsonLogger((l) => logs.push(JSON.parse(l))), () => now);
    return handler({}, context);
  }
  async function received(): Promise<Captured[]> {
    const out: Captured[] = [];
    for (;;) {
      const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ["All"] }));
      if (!r.Messages?.length) return out;
      for (const m of r.Messages) {
        const envelope = JSON.parse(m.Body!) as { Subject: string; Message: string; MessageAttributes: Record<string, { Value: string }> };
        // fauxqs delivers the whole MessageStructure=json document; AWS would deliver its `default`.
        const message = JSON.parse(envelope.Message) as { default: string; email: string; https: string };
        out.push({
          subject: envelope.Subject,
          severity: envelope.MessageAttributes.severity!.Value,
          cluster: envelope.MessageAttributes.cluster!.Value,
          text: message.email,
          chat: JSON.parse(message.https),
        });
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
      }
    }
  }
  async function savedState() {
    const res = await s3.send(new GetObjectCommand({ Bucket: "blockwatch-state", Key: "state/blockwatch.json" }));
    return parseState(await res.Body!.transformToString());
  }
  const metric = (name: string, cluster?: string) =>
    recorder
      .data()
      .filter((d) => d.MetricName === name && (cluster === undefined ? !d.Dimensions?.length : d.Dimensions?.some((x) => x.Value === cluster)))
      .map((d) => d.Value);

  beforeAll(async () => {
    server = await startFauxqs({ port: 0, logger: false });
    recorder = await startCloudWatchRecorder();
    server.createBucket("kc-thanos-store");
    server.createBucket("blockwatch-state");
    queueUrl = server.createQueue("captured").queueUrl;
    topicArn = server.createTopic("blockwatch-alerts").topicArn;
    server.subscribe({ topic: "blockwatch-alerts", queue: "captured" });
    const endpoint = { ...local, endpoint: server.address };
    s3 = new S3Client({ ...endpoint, forcePathStyle: true });
    sqs = new SQSClient(endpoint);
    clients = {
      thanosS3: new S3Client({ ...endpoint, forcePathStyle: true }),
      stateS3: new S3Client({ ...endpoint, forcePathStyle: true }),
      sns: new SNSClient(endpoint),
      cloudwatch: new CloudWatchClient({ ...local, endpoint: recorder.endpoint }),
    };
  });
  afterAll(async () => {
    await server?.stop();
    await recorder?.close();
  });

  it("announces a stall once, reminds, announces the recovery once, and is silent otherwise", async () => {
    const from = T0 - 24 * HOUR;
    const devStops = T0 + 50 * 60_000;
    const fleet = (now: number, devBack?: number) =>
      ship(now, [
        { cluster: "prod-us-east-1", from },
        { cluster: "dev-eu-west-1", from, stopAt: devBack === undefined || now < devBack ? devStops : undefined },
      ]);

    // Run 1: first run ever. prod-ap-south-1 is expected but has never uploaded: announced at once.
    await fleet(T0);
    await run(T0);
    let msgs = await received();
    expect(msgs).toHaveLength(1);
    expect(msgs[0]!).toMatchObject({ severity: "critical", cluster: "prod-ap-south-1" });
    expect(msgs[0]!.text).toContain("prod-ap-south-1");
    expect(msgs[0]!.chat).toMatchObject({ version: "1.0", source: "custom", content: { textType: "client-markdown" } });
    expect(metric("RunSucceeded")).toEqual([1]);
    expect(metric("ClustersMissing")).toEqual([1]);
    expect(metric("Stalled", "dev-eu-west-1")).toEqual([0]);

    // Run 2, two hours later: dev uploaded nothing since (lag 2h15m); nothing changed for subscribers.
    await fleet(T0 + 2 * HOUR);
    await run(T0 + 2 * HOUR);
    expect(await received()).toEqual([]);

    // Run 3: dev is past 4h of data lag: one critical alert naming it, with the guide's next steps.
    await fleet(T0 + 4 * HOUR);
    await run(T0 + 4 * HOUR);
    msgs = await received();
    expect(msgs).toHaveLength(1);
    const stall = msgs[0]!;
    expect(stall.severity).toBe("critical");
    expect(stall.cluster).toBe("dev-eu-west-1");
    expect(stall.subject.length).toBeLessThan(100);
    expect(stall.subject).toMatch(/stalled/i);
    expect(stall.text).toContain("dev-eu-west-1");
    expect(stall.text).toMatch(/thanos-sidecar/);
    expect(stall.text).toMatch(/grep uploaded/);
    expect(stall.text).toContain("kc-thanos-store");
    expect(stall.chat.metadata.threadId).toBeTruthy();
    expect(metric("Stalled", "dev-eu-west-1").at(-1)).toBe(1);
    expect(metric("DataLagSeconds", "dev-eu-west-1").at(-1)).toBeGreaterThan(4 * 3600);

    // The run drew the dashboard's board beside the state; the widget serves that object as is.
    const boardObject = await s3.send(new GetObjectCommand({ Bucket: "blockwatch-state", Key: "state/board.html" }));
    const board = await boardObject.Body!.transformToString();
    expect(boardObject.ContentType).toContain("text/html");
    expect(board).toMatch(/<tr class="stalled" data-cluster="dev-eu-west-1">/);
    expect(board).toContain(`drawn by the run of ${new Date(T0 + 4 * HOUR).toISOString().slice(0, 16).replace("T", " ")}Z`);
    expect(logs.at(-1)).toMatchObject({ msg: "run complete", board: { written: true } });
    let stateReads = 0;
    const served = await renderWidget(
      { widgetContext: { dashboardName: "blockwatch-dev", width: 1200, height: 600, params: {} } },
      {
        loadBoard: (signal) => readPublishedBoard(s3, "blockwatch-state", "state/board.html", signal),
        stateSavedAt: (signal) => stateSavedAt(s3, "blockwatch-state", "state/blockwatch.json", signal),
        load: async () => {
          stateReads += 1;
          return null;
        },
        policy: env().policy,
        location: "s3://kc-thanos-store/",
        staleAfterMs: 6 * HOUR,
      },
      5000,
    );
    expect(served).toBe(board);
    expect(stateReads).toBe(0);

    // Runs 4-12 (the next 18 hours): still stalled, no reminder before 24h, no repeats.
    for (let t = T0 + 6 * HOUR; t <= T0 + 22 * HOUR; t += 2 * HOUR) {
      await fleet(t);
      await run(t);
    }
    expect(await received()).toEqual([]);

    // 24h after the first alert: one reminder per down cluster (dev, and the missing one).
    await fleet(T0 + 28 * HOUR);
    await run(T0 + 28 * HOUR);
    msgs = await received();
    expect(msgs).toHaveLength(1);
    expect(msgs[0]!.text).toContain("dev-eu-west-1");
    expect(msgs[0]!.text).toMatch(/remind|still/i);

    // dev's sidecar is fixed: it ships its backlog; the next run announces the recovery once.
    await fleet(T0 + 30 * HOUR, T0 + 29 * HOUR);
    await run(T0 + 30 * HOUR);
    msgs = await received();
    expect(msgs).toHaveLength(1);
    expect(msgs[0]!.severity).toBe("info");
    expect(msgs[0]!.text).toMatch(/recover/i);
    expect(msgs[0]!.text).toContain("dev-eu-west-1");
    const state = await savedState();
    expect(state.clusters["dev-eu-west-1"]!.status).toBe("ok");
    expect(state.outbox).toBeNull();

    await fleet(T0 + 32 * HOUR, T0 + 29 * HOUR);
    await run(T0 + 32 * HOUR);
    expect(await received()).toEqual([]);

    // Every run logged one summary line, without secrets or meta.json bodies.
    const summaries = logs.filter((l) => l.msg === "run complete");
    expect(summaries.length).toBe(15);
    expect(summaries.at(-1)).toMatchObject({ complete: true, clusters: { total: 3, ok: 2, missing: 1 } });
    expect(JSON.stringify(logs)).not.toMatch(/"thanos"|segment_files|secret/i);
  });

  it("a failed publish is re-sent by the next run, and not after that", async () => {
    // A topic that does not exist: Publish fails, the run still saves its verdicts.
    const broken = env({ ALERT_TOPIC_ARN: topicArn.replace(/:[^:]+$/, ":no-such-topic"), EXPECTED_CLUSTERS: "prod-us-east-1,dev-eu-west-1,prod-ap-south-1,eu-new-1" });
    const t = T0 + 34 * HOUR;
    await run(t, broken);
    expect(await received()).toEqual([]);
    expect(logs.some((l) => l.msg === "alert publish failed; it will be decided again next run")).toBe(true);
    const state = await savedState();
    expect(state.clusters["eu-new-1"]!.status).toBe("missing");
    expect(state.outbox).toBeNull();

    await run(t + 2 * HOUR, env({ EXPECTED_CLUSTERS: "prod-us-east-1,dev-eu-west-1,prod-ap-south-1,eu-new-1" }));
    const msgs = await received();
    expect(msgs).toHaveLength(1);
    expect(msgs[0]!.text).toContain("eu-new-1");
    await run(t + 4 * HOUR, env({ EXPECTED_CLUSTERS: "prod-us-east-1,dev-eu-west-1,prod-ap-south-1,eu-new-1" }));
    expect(await received()).toEqual([]);
  });

  it("a bucket it cannot read is announced once, judged by nobody, and its return announced once", async () => {
    const expected = "prod-us-east-1,dev-eu-west-1,prod-ap-south-1,eu-new-1";
    const gone = env({ THANOS_BUCKET: "kc-thanos-gone", EXPECTED_CLUSTERS: expected });
    const t = T0 + 40 * HOUR;
    const before = await savedState();
    const metricsBefore = recorder.data().length;
    await expect(run(t, gone)).rejects.toThrow(/bucket kc-thanos-gone does not exist/);
    let msgs = await received();
    expect(msgs).toHaveLength(1);
    expect(msgs[0]!).toMatchObject({ severity: "critical", cluster: "multiple" });
    expect(msgs[0]!.subject).toMatch(/cannot read the bucket/);
    expect(msgs[0]!.text).toContain("kc-thanos-gone does not exist");
    // Nothing judged: the clusters' verdicts are those of the last good run; no heartbeat sent.
    const during = await savedState();
    expect(during.clusters).toEqual(before.clusters);
    expect(during.cursor).toBe(before.cursor);
    expect(recorder.data().length).toBe(metricsBefore);
    expect(logs.at(-1)).toMatchObject({ level: "error", msg: "run failed", kind: "no-such-bucket" });

    await expect(run(t + 2 * HOUR, gone)).rejects.toThrow();
    expect(await received()).toEqual([]);

    await run(t + 4 * HOUR, env({ EXPECTED_CLUSTERS: expected }));
    msgs = await received();
    expect(msgs).toHaveLength(1);
    expect(msgs[0]!.severity).toBe("info");
    expect(msgs[0]!.subject).toMatch(/bucket readable again/);
    expect(metric("RunSucceeded").at(-1)).toBe(1);
  });
  it("a new deployment tells at once, in one message, what is already wrong: a duplicate cluster_id, corrupt and unlabeled blocks", async () => {
    const now = T0 + 44 * HOUR;
    server.createBucket("kc-thanos-dup");
    const first = env({ THANOS_BUCKET: "kc-thanos-dup", STATE_KEY: "state/first-run.json", EXPECTED_CLUSTERS: "" });
    const from = now - 12 * HOUR;
    const objects: BucketObject[] = [];
    // Two Prometheus servers left on the chart's default cluster_id: the same label set, overlapping blocks.
    for (const seed of [1, 2]) for (const b of sidecarBlocks({ labels: { cluster_id: "cluster-one" }, from }, now, seededRandom(seed))) objects.push(...blockObjects(b));
    for (const b of sidecarBlocks({ labels: { cluster_id: "prod-eu" }, from }, now, seededRandom(3))) objects.push(...blockObjects(b));
    const [u] = sidecarBlocks({ labels: { prometheus: "kubecost/prometheus" }, from }, now, seededRandom(4));
    const [c] = sidecarBlocks({ labels: { cluster_id: "prod-eu" }, from: from + 2 * HOUR }, now, seededRandom(5));
    objects.push(...blockObjects(u!), ...blockObjects({ ...c!, metaText: "{not json" }));
    await Promise.all(objects.map((o) => s3.send(new PutObjectCommand({ Bucket: "kc-thanos-dup", Key: o.key, Body: o.body }))));

    await run(now, first);
    const msgs = await received();
    expect(msgs).toHaveLength(1);
    const m = msgs[0]!;
    // Nothing is down: a warning, with the overlap (the compactor halts on it) named.
    expect(m.severity).toBe("warning");
    expect(m.subject).toMatch(/1 overlap/);
    expect(m.subject).toMatch(/1 corrupt block/);
    expect(m.subject).toMatch(/1 unlabeled label set/);
    expect(m.subject).not.toMatch(/new cluster/);
    expect(m.text).toMatch(/Overlapping uploads[\s\S]*cluster-one/i);
    expect(m.text).toContain(c!.ulid);
    expect(m.text).toContain("kubecost/prometheus");
    expect(m.chat.content.description).toContain("cluster-one");

    // The next run (data lag still under late-after) has nothing new to say.
    await run(now + HOUR, first);
    expect((await received()).map((x) => x.subject)).toEqual([]);
  });
});
