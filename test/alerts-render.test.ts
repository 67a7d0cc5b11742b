import { describe, expect, it } from "vitest";
import { CHAT_DESCRIPTION_MAX, type ChatbotNotification } from "../lib/alerts/chatbot";
import { asciiText, chatCode, plainText } from "../lib/alerts/escape";
import type { Notification } from "../lib/alerts/notification";
import { renderNotification, type SnsMessage } from "../lib/alerts/render";
import type { ClusterVerdict } from "../lib/health/report";
import type { ClusterStatus } from "../lib/health/status";

const H = 3_600_000;
const T0 = Date.parse("2025-06-01T12:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();
const HOSTILE = "<!channel> `rm -rf` [x](http://evil) @here \u0007\nFAKE LINE: all clusters ok";

function verdict(cluster: string, status: ClusterStatus = "stalled"): ClusterVerdict {
  const has = status !== "missing";
  return {
    cluster,
    status,
    dataLagSeconds: has ? 9 * 3600 + 12 * 60 : null,
    newestMaxTime: has ? iso(T0 - 9 * H - 12 * 60_000) : null,
    lastUploadAt: has ? iso(T0 - 7 * H) : null,
    newestBlock: has ? "01JXABCDEFGHJKMNPQRSTVWXYZ" : null,
    since: iso(T0 - 5 * H),
    blocksUploaded: 0,
    bytesUploaded: 0,
    streams: [],
  };
}

function notification(parts: Partial<Notification>): Notification {
  return {
    at: T0,
    down: [],
    reminders: [],
    overlaps: [],
    corruptBlocks: [],
    partialBlocks: [],
    unlabeled: [],
    recovered: [],
    newClusters: [],
    ...parts,
  };
}

interface Parsed {
  message: { default: string; email: string; sms: string; https: string };
  chat: ChatbotNotification;
}

function parse(m: SnsMessage): Parsed {
  const message = JSON.parse(m.Message) as Parsed["message"];
  return { message, chat: JSON.parse(message.https) as ChatbotNotification };
}

function expectValidSubject(subject: string): void {
  expect(subject.length).toBeLessThan(100);
  expect(subject).toMatch(/^[\x20-\x7e]+$/);
  expect(subject).toMatch(/^[A-Za-z0-9]/);
}

describe("renderNotification: structure", () => {
  const stalled = notification({ down: [verdict("prod-eu"), verdict("prod-us")], recovered: [{ verdict: verdict("dev", "ok"), was: "stalled", downSince: iso(T0 - 30 * H) }] });

  it("subject, attributes and the JSON message structure", () => {
    const m = renderNotification(stalled, { bucket: "kubecost-thanos" });
    expect(m.Subject).toBe("blockwatch: 2 clusters stalled, dev recovered");
    expect(m.MessageStructure).toBe("json");
    expect(m.MessageAttributes).toEqual({
      severity: { DataType: "String", StringValue: "critical" },
      cluster: { DataType: "String", StringValue: "multiple" },
    });
    const { message, chat } = parse(m);
    expect(Object.keys(message).sort()).toEqual(["default", "email", "https", "sms"]);
    expect(message.email).toBe(message.default);
    expect(message.sms).toBe(m.Subject);
    expect(chat.version).toBe("1.0");
    expect(chat.source).toBe("custom");
    expect(chat.content.textType).toBe("client-markdown");
    expect(chat.content.title).toContain("2 clusters stalled");
    expect(chat.content.description).toContain("`prod-eu` stalled since");
    expect(chat.content.nextSteps.length).toBeGreaterThanOrEqual(3);
    expect(chat.metadata.threadId).toBe(`blockwatch-run-${iso(T0)}`);
    expect(chat.metadata.summary).toBe(m.Subject);
  });

  it("the plain text says what broke, since when, the lag, the last block and upload, and what to check", () => {
    const one = notification({ down: [verdict("prod-eu")] });
    const { message } = parse(renderNotification(one, { bucket: "kubecost-thanos" }));
    const text = message.default;
    expect(text).toContain("STALLED (1)");
    expect(text).toContain("- prod-eu: stalled since 2025-06-01 07:00 UTC (5h ago)");
    expect(text).toContain("lag 9h12m, newest data 2025-06-01 02:48 UTC (9h12m ago)");
    expect(text).toContain("newest block 01JXABCDEFGHJKMNPQRSTVWXYZ");
    expect(text).toContain("last upload 2025-06-01 05:00 UTC (7h ago)");
    expect(text).toContain("On cluster prod-eu");
    expect(text).toContain("kubectl logs -n kubecost deploy/kubecost-prometheus-server --container thanos-sidecar | grep uploaded");
    expect(text).toContain("prometheus.server.global.external_labels.cluster_id must be prod-eu");
    expect(text).toContain(`"serviceAccountName":"kubecost-serviceaccount"`);
    expect(text).toContain("s3 ls s3://kubecost-thanos/");
  });

  it("a message about one cluster is threaded and attributed to it; stall and recovery share the thread", () => {
    const down = renderNotification(notification({ down: [verdict("prod-eu")] }));
    const up = renderNotification(notification({ recovered: [{ verdict: verdict("prod-eu", "ok"), was: "stalled", downSince: iso(T0 - 5 * H) }] }));
    expect(down.MessageAttributes.cluster.StringValue).toBe("prod-eu");
    expect(up.MessageAttributes.severity.StringValue).toBe("info");
    expect(down.Subject).toBe("blockwatch: prod-eu stalled");
    const [a, b] = [parse(down).chat.metadata.threadId, parse(up).chat.metadata.threadId];
    expect(a).toMatch(/^blockwatch-cluster-[0-9a-f]{32}$/);
    expect(a).toBe(b);
    expect(parse(renderNotification(notification({ down: [verdict("prod-us")] }))).chat.metadata.threadId).not.toBe(a);
    expect(parse(up).chat.content.nextSteps).toEqual([]);
  });

  it("findings: overlaps, corrupt, partial and unlabeled blocks with their fixes", () => {
    const n = notification({
      overlaps: [{ cluster: "cluster-one", labels: { cluster_id: "cluster-one" }, blocks: ["01A", "01B", "01C", "01D", "01E", "01F", "01G"] }],
      corruptBlocks: [{ block: "01K", reason: "version 2, expected 1" }],
      partialBlocks: [{ block: "01P", ageSeconds: 3 * 3600 }],
      unlabeled: [{ labels: { prometheus: "kubecost/prometheus" }, blocks: ["01U"] }],
    });
    const m = renderNotification(n, { bucket: "b-1" });
    expect(m.MessageAttributes.severity.StringValue).toBe("warning");
    expect(m.Subject).toBe("blockwatch: 1 overlap, 1 corrupt block, 1 partial upload, 1 unlabeled label set");
    const { message, chat } = parse(m);
    expect(message.default).toContain(`- cluster-one: 7 blocks with labels {cluster_id="cluster-one"} overlap: 01A, 01B, 01C, 01D, 01E and 2 more`);
    expect(message.default).toContain("- 01K: version 2, expected 1");
    expect(message.default).toContain("- 01P: no meta.json, no activity for 3h");
    expect(message.default).toContain(`- {prometheus="kubecost/prometheus"}: 1 block: 01U`);
    expect(chat.content.nextSteps.join("\n")).toContain("marked for deletion");
    expect(message.default).not.toContain("kubectl logs"); // no cluster is down
  });

  it("a long subject is cut at a comma", () => {
    const long = "x".repeat(60);
    const m = renderNotification(
      notification({
        down: [verdict(long), verdict(`${long}-missing`, "missing")],
        reminders: [verdict("r1"), verdict("r2")],
        corruptBlocks: [{ block: "01K", reason: "r" }],
        newClusters: [verdict("new-one", "ok")],
      }),
    );
    expectValidSubject(m.Subject);
    expect(m.Subject.endsWith(", ...")).toBe(true);
  });
});

describe("escaping user-controlled names", () => {
  it("chat: mentions, links, code and formatting render as text", () => {
    const code = chatCode(HOSTILE);
    expect(code).toBe("`&lt;!channel&gt; 'rm -rf' [x](http:\u2060//evil) @\u2060here FAKE LINE: all clusters ok`");
    // One code span: only the delimiting backticks remain.
    expect(code.slice(1, -1)).not.toContain("`");
  });

  it("every part of a message about a hostile cluster is escaped", () => {
    const n = notification({
      down: [{ ...verdict(HOSTILE), newestBlock: "01<@U123>" }],
      overlaps: [{ cluster: HOSTILE, labels: { cluster_id: HOSTILE, "evil\nkey": "<!here>" }, blocks: ["01A", "01B"] }],
      unlabeled: [{ labels: { replica: "@channel *bold* ~x~ _y_" }, blocks: ["01U"] }],
    });
    const m = renderNotification(n);
    const { message, chat } = parse(m);
    const chatText = [chat.content.title, chat.content.description, ...chat.content.nextSteps].join("\n");
    for (const bad of ["<!channel>", "<!here>", "<@U123>", "@here", "@channel", "http://"]) {
      expect(chatText).not.toContain(bad);
    }
    // Every backtick pairs up: user text never opens or closes a code span.
    for (const line of chatText.split("\n")) expect((line.match(/`/g) ?? []).length % 2).toBe(0);
    // Markdown in names is shown inside inline code, not formatted or linked.
    expect(chatText).toMatch(/`[^`]*\*bold\* ~x~ _y_[^`]*`/);
    expect(chatText).toMatch(/`[^`]*\[x\]\(http:\u2060\/\/evil\)[^`]*`/);

    for (const text of [message.default, message.email]) {
      expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
      expect(text.split("\n").some((line) => line.startsWith("FAKE LINE"))).toBe(false);
      expect(text).toContain("<!channel> `rm -rf` [x](http://evil) @here FAKE LINE: all clusters ok");
    }
    expectValidSubject(m.Subject);
    expect(m.Subject).not.toMatch(/[\r\n]/);
    expect(m.MessageAttributes.cluster.StringValue).toBe("multiple");
  });

  it("the cluster attribute carries a cleaned name", () => {
    const m = renderNotification(notification({ down: [verdict(HOSTILE)] }));
    expect(m.MessageAttributes.cluster.StringValue).toBe("<!channel> `rm -rf` [x](http://evil) @here FAKE LINE: all clusters ok");
  });

  it("non-ASCII names survive, bidi overrides and lone surrogates do not", () => {
    const name = "生产-集群-é-😀";
    expect(plainText(name)).toBe(name);
    expect(chatCode(name)).toBe("`" + name + "`");
    expect(asciiText(name)).toBe("??-??-?-?");
    expect(plainText("prod\u202Egnp.exe")).toBe("prodgnp.exe");
    expect(plainText("a\ud800b")).toBe("a\ufffdb");
    expect(plainText("")).toBe("(empty)");
    expect(plainText("\u0007\u200b")).toBe("(unprintable)");
    const { message, chat } = parse(renderNotification(notification({ down: [verdict(name)] })));
    expect(message.default).toContain(`- ${name}: stalled`);
    expect(chat.content.description).toContain("`" + name + "`");
  });

  it("very long values are capped with an ellipsis, recognisably", () => {
    const long = "prod-" + "a".repeat(10_000);
    const shown = plainText(long);
    expect(Array.from(shown)).toHaveLength(200);
    expect(shown.startsWith("prod-aaa")).toBe(true);
    expect(shown.endsWith("…")).toBe(true);
    expect(Array.from(plainText("😀".repeat(500)))).toHaveLength(200); // no half surrogate pair
  });
});

describe("size: thousands of clusters at once", () => {
  const SNS_LIMIT = 256 * 1024;

  function check(n: Notification): Parsed {
    const m = renderNotification(n, { bucket: "kubecost-thanos" });
    const publish = JSON.stringify({ TopicArn: "arn:aws:sns:us-east-1:000000000000:blockwatch", ...m });
    expect(Buffer.byteLength(publish, "utf8")).toBeLessThan(SNS_LIMIT);
    expectValidSubject(m.Subject);
    const parsed = parse(m);
    expect(parsed.chat.content.description.length).toBeLessThanOrEqual(CHAT_DESCRIPTION_MAX);
    return parsed;
  }

  it("10,000 stalled clusters fit in one valid message", () => {
    const n = notification({ down: Array.from({ length: 10_000 }, (_, i) => verdict(`cluster-${String(i).padStart(5, "0")}`)) });
    const { message, chat } = check(n);
    expect(message.default).toContain("STALLED (10,000)");
    expect(message.default).toMatch(/- and [\d,]+ more/);
    expect(message.default).toContain("- cluster-00000: stalled");
    expect(chat.content.title).toContain("10,000 clusters stalled");
    expect(chat.content.description).toMatch(/• and 9,99\d more/);
  });

  it("10,000 long, hostile, multi-byte names in every kind still fit", () => {
    const name = (i: number) => `${i}-` + "<😀&".repeat(100);
    const many = Array.from({ length: 10_000 }, (_, i) => i);
    const n = notification({
      down: many.map((i) => verdict(name(i))),
      reminders: many.map((i) => verdict(name(i))),
      overlaps: many.map((i) => ({ cluster: name(i), labels: { cluster_id: name(i), x: name(i) }, blocks: ["01A", "01B"] })),
      corruptBlocks: many.map((i) => ({ block: `01K${i}`, reason: name(i) })),
      partialBlocks: many.map((i) => ({ block: `01P${i}`, ageSeconds: 9000 })),
      unlabeled: many.map((i) => ({ labels: { replica: name(i) }, blocks: ["01U"] })),
      recovered: many.map((i) => ({ verdict: verdict(name(i), "ok"), was: "stalled" as const, downSince: iso(T0) })),
      newClusters: many.map((i) => verdict(name(i), "ok")),
    });
    const { message } = check(n);
    expect(message.default).toContain("RECOVERED (10,000)");
    expect(message.default).toContain("NEW CLUSTERS (10,000)");
  });
});
