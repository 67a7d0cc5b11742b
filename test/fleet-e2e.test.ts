// The fleet config end to end: the real handler reads state/fleet.yaml from the state bucket on a
// local S3 + SNS + SQS (fauxqs); the real CLI edits it there (decommission); runs every 2 hours.
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { startFauxqs, type FauxqsServer } from "fauxqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blockObjects, seededRandom, type BucketObject } from "../lib/demo/bucket-objects";
import { HOUR, sidecarBlocks } from "../lib/demo/fleet";
import { configFromEnv } from "../lib/monitor/config";
import { makeHandler, type MonitorClients } from "../lib/monitor/handler";
import { jsonLogger } from "../lib/monitor/log";
import { startCloudWatchRecorder, type CloudWatchRecorder } from "./support/cloudwatch-recorder";
import { runCli } from "./support/cli";

const local = { region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } };
// Close to the real clock: S3 LastModified comes from the server's clock.
const T0 = Math.floor((Date.now() - 40 * HOUR) / (2 * HOUR)) * 2 * HOUR + 15 * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const context = { getRemainingTimeInMillis: () => 300_000 };

interface Captured {
  subject: string;
  severity: string;
  text: string;
}

describe("fleet config in the state bucket, end to end", () => {
  let server: FauxqsServer;
  let recorder: CloudWatchRecorder;
  let s3: S3Client;
  let sqs: SQSClient;
  let queueUrl: string;
  let clients: MonitorClients;
  let topicArn: string;
  const logs: Record<string, unknown>[] = [];
  const random = seededRandom(7);
  const shipped = new Set<string>();

  const config = () =>
    configFromEnv({
      THANOS_BUCKET: "thanos",
      STATE_BUCKET: "stack-state",
      STATE_KEY: "state/blockwatch.json",
      ALERT_TOPIC_ARN: topicArn,
      // Small fleets may still list clusters in the deployment: merged with the object's.
      EXPECTED_CLUSTERS: "prod-a",
      PER_CLUSTER_METRICS: "true", // opt-in since the board took over the per-cluster view; this test reads them
    });
  const cliEnv = () => ({ AWS_ENDPOINT_URL_S3: server.address, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" });

  async function ship(now: number, streams: { cluster: string; stopAt?: number }[]) {
    const objects: BucketObject[] = [];
    for (const s of streams) {
      for (const b of sidecarBlocks({ labels: { cluster_id: s.cluster }, from: T0 - 12 * HOUR, stopAt: s.stopAt }, now, seededRandom(s.cluster.length))) {
        const key = `${s.cluster}:${b.minTime}`;
        if (shipped.has(key)) continue;
        shipped.add(key);
        objects.push(...blockObjects({ ...b, ulid: b.ulid.slice(0, 10) + b.ulid.slice(10).replace(/./g, () => "0123456789ABCDEFGHJKMNPQRSTVWXYZ"[Math.floor(random() * 32)]!) }));
      }
    }
    await Promise.all(objects.map((o) => s3.send(new PutObjectCommand({ Bucket: "thanos", Key: o.key, Body: o.body }))));
  }
  const putFleet = (yaml: string) => s3.send(new PutObjectCommand({ Bucket: "stack-state", Key: "state/fleet.yaml", Body: yaml }));
  async function run(now: number) {
    await ship(now, [{ cluster: "prod-a", stopAt: T0 + 6 * HOUR + 50 * 60_000 }, { cluster: "prod-b", stopAt: T0 + 50 * 60_000 }, { cluster: "prod-c" }]);
    return makeHandler(config(), clients, jsonLogger((l) => logs.push(JSON.parse(l))), () => now)({}, context);
  }
  async function received(): Promise<Captured[]> {
    const out: Captured[] = [];
    for (;;) {
      const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ["All"] }));
      if (!r.Messages?.length) return out;
      for (const m of r.Messages) {
        const envelope = JSON.parse(m.Body!) as { Subject: string; Message: string; MessageAttributes: Record<string, { Value: string }> };
        out.push({ subject: envelope.Subject, severity: envelope.MessageAttributes.severity!.Value, text: (JSON.parse(envelope.Message) as { email: string }).email });
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
      }
    }
  }
  const subjects = async () => (await received()).map((m) => `${m.severity}: ${m.subject}`);
  const metric = (name: string, cluster?: string) =>
    recorder
      .data()
      .filter((d) => d.MetricName === name && (cluster === undefined ? !d.Dimensions?.length : d.Dimensions?.some((x) => x.Value === cluster)))
      .map((d) => d.Value);

  beforeAll(async () => {
    server = await startFauxqs({ port: 0, logger: false });
    recorder = await startCloudWatchRecorder();
    server.createBucket("thanos");
    server.createBucket("stack-state");
    queueUrl = server.createQueue("captured").queueUrl;
    topicArn = server.createTopic("alerts").topicArn;
    server.subscribe({ topic: "alerts", queue: "captured" });
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

  it("a silence that ends on a down cluster pages once; a decommission is one notice, then nothing", async () => {
    // The object lists the rest of the fleet (prod-missing never uploads) and silences prod-a
    // from T0+4h to T0+14h: its sidecar stops at T0+6h50m, it stalls during the silence.
    await putFleet(
      [
        "# the fleet: 200 names would not fit in the Lambda's environment",
        "expectedClusters: [prod-b, prod-c, prod-missing]",
        "silences:",
        `  - {cluster: prod-a, from: ${iso(T0 + 4 * HOUR)}, until: ${iso(T0 + 14 * HOUR)}, reason: node pool upgrade}`,
        "",
      ].join("\n"),
    );

    // First run: prod-b stopped at T0+50m (stalled by T0+4h); prod-missing expected by the object alone.
    await run(T0);
    expect(await subjects()).toEqual(["critical: blockwatch: prod-missing missing"]);
    await run(T0 + 2 * HOUR);
    expect(await subjects()).toEqual([]);
    await run(T0 + 4 * HOUR);
    expect(await subjects()).toEqual(["critical: blockwatch: prod-b stalled"]);

    // prod-a stalls under its silence: judged and counted (metrics), no page.
    for (let t = T0 + 6 * HOUR; t <= T0 + 12 * HOUR; t += 2 * HOUR) await run(t);
    expect(await subjects()).toEqual([]);
    expect(metric("Stalled", "prod-a").at(-1)).toBe(1);
    expect(metric("ClustersStalled").at(-1)).toBe(2);
    const summary = logs.filter((l) => l.msg === "run complete").at(-1) as { clusters: Record<string, number> };
    expect(summary.clusters).toMatchObject({ total: 4, stalled: 2, missing: 1 });

    // The silence ends at T0+14h and prod-a is still down: one page, then none.
    await run(T0 + 14 * HOUR);
    const end = await received();
    expect(end.map((m) => `${m.severity}: ${m.subject}`)).toEqual(["critical: blockwatch: prod-a stalled"]);
    await run(T0 + 16 * HOUR);
    expect(await subjects()).toEqual([]);

    // prod-b is gone on purpose: the real CLI edits the object in the state bucket.
    const cli = await runCli(["decommission", "prod-b", "--state", "s3://stack-state/state/blockwatch.json", "--reason", "migrated to eu", "--now", iso(T0 + 17 * HOUR)], { env: cliEnv() });
    expect(cli).toMatchObject({ code: 0, stderr: "" });
    expect(cli.stdout).toContain("Decommissioned prod-b in s3://stack-state/state/fleet.yaml (removed from its expected clusters)");
    await run(T0 + 18 * HOUR);
    const gone = await received();
    expect(gone.map((m) => `${m.severity}: ${m.subject}`)).toEqual(["info: blockwatch: prod-b decommissioned"]);
    expect(gone[0]!.text).toContain("migrated to eu");
    // No reminder for prod-b at T0+28h (24h after its page), no recovery, not counted; prod-missing's reminder comes.
    for (let t = T0 + 20 * HOUR; t <= T0 + 26 * HOUR; t += 2 * HOUR) await run(t);
    expect(await subjects()).toEqual(["critical: blockwatch: prod-missing still down"]);
    await run(T0 + 28 * HOUR);
    expect(await subjects()).toEqual([]);
    expect(metric("ClustersStalled").at(-1)).toBe(1);
    expect(recorder.data().filter((d) => d.Dimensions?.some((x) => x.Value === "prod-b")).length).toBeGreaterThan(0);
    expect(metric("Stalled", "prod-b").length).toBe(metric("Stalled", "prod-a").length - 6);
  });

  it("an object that does not validate: a warning naming it and the field; the run judges with the deployment's settings, known decommissions kept", async () => {
    await putFleet("expectedClusters: [prod-c]\nsilences:\n  - {cluster: prod-c, until: tomorrow}\n");
    await run(T0 + 30 * HOUR);
    const msgs = await received();
    expect(msgs.map((m) => `${m.severity}: ${m.subject}`)).toEqual(["warning: blockwatch: fleet config invalid"]);
    expect(msgs[0]!.text).toContain("s3://stack-state/state/fleet.yaml");
    expect(msgs[0]!.text).toContain('silences[0].until: not an ISO 8601 time: "tomorrow"');
    expect(logs.at(-2)).toMatchObject({ level: "error", msg: "fleet config cannot be used; judging with the deployment's settings alone" });
    // Judged with the deployment's settings: prod-a still judged; prod-b, announced as decommissioned, stays so (no page above).
    expect(metric("Stalled", "prod-a").at(-1)).toBe(1);
    await run(T0 + 32 * HOUR);
    expect(await subjects()).toEqual([]);
  });
});
