import { SNSClient } from "@aws-sdk/client-sns";
import { ReceiveMessageCommand, SQSClient, type Message } from "@aws-sdk/client-sqs";
import { startFauxqs, type FauxqsServer } from "fauxqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatbotNotification } from "../lib/alerts/chatbot";
import type { Notification } from "../lib/alerts/notification";
import { SnsAlertPublisher } from "../lib/alerts/sns-publisher";
import type { ClusterVerdict } from "../lib/health/report";

const T0 = Date.parse("2025-06-01T12:00:00Z");
const H = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const local = { region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } };

function stalled(cluster: string): ClusterVerdict {
  return {
    cluster,
    status: "stalled",
    dataLagSeconds: 9 * 3600,
    newestMaxTime: iso(T0 - 9 * H),
    lastUploadAt: iso(T0 - 7 * H),
    newestBlock: "01JXABCDEFGHJKMNPQRSTVWXYZ",
    since: iso(T0 - 5 * H),
    blocksUploaded: 0,
    bytesUploaded: 0,
    streams: [],
  };
}

function notification(parts: Partial<Notification>): Notification {
  return { at: T0, down: [], reminders: [], overlaps: [], corruptBlocks: [], partialBlocks: [], unlabeled: [], recovered: [], newClusters: [], ...parts };
}

/**
 * fauxqs (1.9.2) does not apply MessageStructure: an SQS subscriber receives the whole JSON message,
 * where AWS delivers its `sqs` key or else `default`. Accept both, so the test holds on either.
 */
function deliveredText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { default?: unknown };
    if (typeof parsed.default === "string") return parsed.default;
  } catch {
    // Plain text: what AWS delivers for `default`.
  }
  return body;
}

describe("SnsAlertPublisher through the real SNS client (fauxqs)", () => {
  let server: FauxqsServer;
  let sns: SNSClient;
  let sqs: SQSClient;
  let topicArn: string;
  const queues: Record<string, string> = {};

  beforeAll(async () => {
    server = await startFauxqs({ port: 0, logger: false });
    for (const name of ["raw", "envelope", "critical-only"]) queues[name] = server.createQueue(name).queueUrl;
    topicArn = server.createTopic("blockwatch-alerts").topicArn;
    server.subscribe({ topic: "blockwatch-alerts", queue: "raw", attributes: { RawMessageDelivery: "true" } });
    server.subscribe({ topic: "blockwatch-alerts", queue: "envelope" });
    // Subscribers filter on the attributes, e.g. paging only on critical.
    server.subscribe({
      topic: "blockwatch-alerts",
      queue: "critical-only",
      attributes: { RawMessageDelivery: "true", FilterPolicy: JSON.stringify({ severity: ["critical"] }) },
    });
    sns = new SNSClient({ ...local, endpoint: server.address });
    sqs = new SQSClient({ ...local, endpoint: server.address });
  });

  afterAll(async () => {
    sns?.destroy();
    sqs?.destroy();
    await server?.stop();
  });

  const receive = async (queue: string): Promise<Message[]> => {
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queues[queue], MaxNumberOfMessages: 10, MessageAttributeNames: ["All"], WaitTimeSeconds: 0 }),
    );
    return out.Messages ?? [];
  };

  it("delivers the message, subject and filterable attributes", async () => {
    const publisher = new SnsAlertPublisher(sns, topicArn, { bucket: "kubecost-thanos" });
    await publisher.publish(notification({ down: [stalled("prod-eu")] }));

    const [raw] = await receive("raw");
    expect(raw).toBeDefined();
    expect(raw!.MessageAttributes?.severity).toMatchObject({ DataType: "String", StringValue: "critical" });
    expect(raw!.MessageAttributes?.cluster).toMatchObject({ DataType: "String", StringValue: "prod-eu" });
    const text = deliveredText(raw!.Body!);
    expect(text).toContain("- prod-eu: stalled since");
    expect(text).toContain("s3 ls s3://kubecost-thanos/");
    // Under fauxqs the body is the structured message: its Chatbot payload survived the trip.
    const structured = JSON.parse(raw!.Body!) as { https?: string };
    if (structured.https !== undefined) {
      const chat = JSON.parse(structured.https) as ChatbotNotification;
      expect(chat).toMatchObject({ version: "1.0", source: "custom", content: { textType: "client-markdown" } });
    }

    const [enveloped] = await receive("envelope");
    const envelope = JSON.parse(enveloped!.Body!) as {
      Type: string;
      Subject: string;
      Message: string;
      MessageAttributes: Record<string, { Type: string; Value: string }>;
    };
    expect(envelope.Type).toBe("Notification");
    expect(envelope.Subject).toBe("blockwatch: prod-eu stalled");
    expect(envelope.MessageAttributes.severity).toEqual({ Type: "String", Value: "critical" });
    expect(envelope.MessageAttributes.cluster).toEqual({ Type: "String", Value: "prod-eu" });
    expect(deliveredText(envelope.Message)).toBe(text);

    expect(await receive("critical-only")).toHaveLength(1);
  });

  it("an info message does not reach a critical-only subscriber", async () => {
    const publisher = new SnsAlertPublisher(sns, topicArn);
    await publisher.publish(notification({ newClusters: [{ ...stalled("typo-cluster"), status: "ok" }] }));
    const [raw] = await receive("raw");
    expect(raw!.MessageAttributes?.severity?.StringValue).toBe("info");
    expect(await receive("critical-only")).toHaveLength(0);
    await receive("envelope");
  });

  it("10,000 stalled clusters are accepted by SNS in one publish", async () => {
    const publisher = new SnsAlertPublisher(sns, topicArn);
    const names = Array.from({ length: 10_000 }, (_, i) => `cluster-${i}-` + "é<".repeat(80));
    await publisher.publish(notification({ down: names.map(stalled) }));
    const [raw] = await receive("raw");
    expect(raw!.MessageAttributes?.cluster?.StringValue).toBe("multiple");
    expect(deliveredText(raw!.Body!)).toContain("STALLED (10,000)");
    await receive("envelope");
    await receive("critical-only");
  });

  it("a hostile cluster name reaches subscribers cleaned, as one attribute value", async () => {
    const publisher = new SnsAlertPublisher(sns, topicArn);
    await publisher.publish(notification({ down: [stalled("<!channel> `x` @here \u0007\nFAKE \ud800 é")] }));
    const [raw] = await receive("raw");
    expect(raw!.MessageAttributes?.cluster?.StringValue).toBe("<!channel> `x` @here FAKE \ufffd é");
    expect(deliveredText(raw!.Body!).split("\n").some((l) => l.startsWith("FAKE"))).toBe(false);
    await receive("envelope");
    await receive("critical-only");
  });

  it("throws when the publish fails, so the caller keeps the old ledger", async () => {
    const publisher = new SnsAlertPublisher(sns, topicArn.replace("blockwatch-alerts", "no-such-topic"));
    await expect(publisher.publish(notification({ down: [stalled("prod-eu")] }))).rejects.toThrow(/not exist|NotFound/i);
  });
});
