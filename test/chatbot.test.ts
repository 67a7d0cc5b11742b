// What reaches Slack through AWS Chatbot: a capped title, and the subscription filter that
// docs/deploy.md documents, evaluated against blockwatch's messages and a CloudWatch alarm's.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { renderChatbot } from "../lib/alerts/chatbot";
import { CHAT_TITLE_MAX } from "../lib/alerts/headline";
import { emptyNotification, type Notification } from "../lib/alerts/notification";
import { renderNotification } from "../lib/alerts/render";
import { matchesAttributes, matchesBody } from "./support/sns-filter";
import { verdict } from "./support/reports";

const AT = Date.parse("2025-11-03T14:00:00Z");
const name60 = (c: string) => `prod-${c.repeat(55)}`; // 60 characters, the longest a name is shown

function news(over: Partial<Notification>): Notification {
  return { ...emptyNotification(AT), ...over };
}
const down = (cluster: string, status: "stalled" | "missing" = "stalled") => verdict(cluster, { status, dataLagSeconds: status === "missing" ? null : 9 * 3600 });

describe("the Chatbot title", () => {
  const everything = news({
    down: [down(name60("a"), "missing"), down(name60("b"))],
    reminders: [down(name60("c"))],
    recovered: [{ verdict: verdict(name60("d")), was: "stalled", downSince: "2025-11-03T01:00:00Z" }],
    newClusters: [verdict(name60("e"))],
    corruptBlocks: [{ block: "01JNAAAAAAAAAAAAAAAAAAAAAA", reason: "not JSON" }],
  });

  it(`stays within ${CHAT_TITLE_MAX} characters with five long names, and says there is more`, () => {
    const title = renderChatbot(everything, {}).content.title;
    expect(title.length).toBeLessThanOrEqual(CHAT_TITLE_MAX);
    expect(title).toMatch(/^:rotating_light: blockwatch: `prod-a+…` missing, `prod-b+…` stalled, …$/);
    // Cut between parts: every name's code span is closed.
    expect((title.match(/`/g) ?? []).length % 2).toBe(0);
  });

  it("keeps a name escaped when escaping lengthens it, and never cuts an entity", () => {
    const hostile = "&".repeat(60);
    const title = renderChatbot(news({ down: [down(hostile)], reminders: [down("<!channel>")] }), {}).content.title;
    expect(title.length).toBeLessThanOrEqual(CHAT_TITLE_MAX);
    expect(title).not.toMatch(/&(?!amp;|lt;|gt;)/);
    expect(title).not.toContain("<!channel>");
    expect((title.match(/`/g) ?? []).length % 2).toBe(0);
  });

  it("names a lone cluster in full when it fits", () => {
    expect(renderChatbot(news({ down: [down("prod-eu-west-1")] }), {}).content.title).toBe(":rotating_light: blockwatch: `prod-eu-west-1` stalled");
  });
});

// Published by CloudWatch for an alarm action: a JSON body and no message attributes.
const alarmNotification = (state: "ALARM" | "OK") =>
  JSON.stringify({
    AlarmName: "blockwatch-prod-not-reporting",
    AlarmDescription: "blockwatch has not completed a run in 3 schedule intervals",
    AWSAccountId: "111122223333",
    AlarmConfigurationUpdatedTimestamp: "2025-11-03T10:00:00.000+0000",
    NewStateValue: state,
    NewStateReason: "Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [Breaching].",
    StateChangeTime: "2025-11-03T14:00:00.000+0000",
    Region: "US East (N. Virginia)",
    AlarmArn: "arn:aws:cloudwatch:us-east-1:111122223333:alarm:blockwatch-prod-not-reporting",
    OldStateValue: state === "ALARM" ? "OK" : "ALARM",
    OKActions: ["arn:aws:sns:us-east-1:111122223333:blockwatch-prod-alerts"],
    AlarmActions: ["arn:aws:sns:us-east-1:111122223333:blockwatch-prod-alerts"],
    InsufficientDataActions: [],
    Trigger: {
      MetricName: "RunSucceeded",
      Namespace: "Blockwatch",
      StatisticType: "Statistic",
      Statistic: "SUM",
      Unit: null,
      Dimensions: [],
      Period: 7200,
      EvaluationPeriods: 3,
      ComparisonOperator: "LessThanThreshold",
      Threshold: 1.0,
      TreatMissingData: "breaching",
      EvaluateLowSampleCountPercentile: "",
    },
  });

/** What Chatbot's https subscription receives of a blockwatch message, and its attributes. */
function published(n: Notification) {
  const m = renderNotification(n);
  return { https: (JSON.parse(m.Message) as { https: string }).https, attributes: m.MessageAttributes };
}
const critical = published(news({ down: [down("prod-eu-west-1")] }));
const reminder = published(news({ reminders: [down("prod-eu-west-1")] }));
const warning = published(news({ partialBlocks: [{ block: "01JNAAAAAAAAAAAAAAAAAAAAAA", ageSeconds: 3 * 3600 }] }));
const info = published(news({ recovered: [{ verdict: verdict("prod-eu-west-1"), was: "stalled", downSince: "2025-11-03T01:00:00Z" }] }));

async function documentedPolicy() {
  const doc = await readFile(new URL("../docs/deploy.md", import.meta.url), "utf8");
  const block = /<!-- chatbot-filter-policy[^>]*-->\n```json\n([\s\S]*?)\n```/.exec(doc);
  if (!block) throw new Error("docs/deploy.md has no chatbot-filter-policy block");
  return JSON.parse(block[1]!) as Record<string, never>;
}

describe("the Chatbot subscription filter in docs/deploy.md (FilterPolicyScope: MessageBody)", () => {
  it("passes blockwatch's critical messages and every alarm notification", async () => {
    const policy = await documentedPolicy();
    expect(matchesBody(policy, critical.https)).toBe(true);
    expect(matchesBody(policy, reminder.https)).toBe(true);
    expect(matchesBody(policy, alarmNotification("ALARM"))).toBe(true);
    expect(matchesBody(policy, alarmNotification("OK"))).toBe(true);
  });

  it("drops blockwatch's warning and info messages", async () => {
    const policy = await documentedPolicy();
    expect(matchesBody(policy, warning.https)).toBe(false);
    expect(matchesBody(policy, info.https)).toBe(false);
  });

  it("keeps within SNS's limits: at most 5 keys, 150 value combinations", async () => {
    const policy = await documentedPolicy();
    const branches = (policy as unknown as { $or: Record<string, unknown>[] }).$or;
    const keys = (o: unknown): number => (typeof o === "object" && o !== null && !Array.isArray(o) ? Object.values(o).reduce<number>((n, v) => n + (Array.isArray(v) ? 1 : keys(v)), 0) : 0);
    for (const b of branches) expect(keys(b)).toBeLessThanOrEqual(5);
  });
});

describe("why not the attribute filter {\"severity\": [\"critical\"]} (FilterPolicyScope: MessageAttributes)", () => {
  it("passes blockwatch's critical messages, which carry the severity attribute", () => {
    expect(matchesAttributes({ severity: ["critical"] }, critical.attributes)).toBe(true);
    expect(matchesAttributes({ severity: ["critical"] }, warning.attributes)).toBe(false);
  });

  it("drops every alarm: an alarm notification has no attributes, so not even {exists: false} matches it", () => {
    expect(matchesAttributes({ severity: ["critical"] }, {})).toBe(false);
    expect(matchesAttributes({ $or: [{ severity: ["critical"] }, { severity: [{ exists: false }] }] } as never, {})).toBe(false);
  });
});

describe("the evaluator follows AWS's documented matching rules", () => {
  it("nested keys, any element of an array, exists, prefix, $or; a body that is not JSON matches nothing", () => {
    const body = JSON.stringify({ store: { city: "seattle" }, interests: ["rugby", "soccer"], price: 10 });
    expect(matchesBody({ store: { city: ["seattle"] } } as never, body)).toBe(true);
    expect(matchesBody({ store: { city: ["Seattle"] } } as never, body)).toBe(false); // case-sensitive
    expect(matchesBody({ interests: ["soccer"] } as never, body)).toBe(true);
    expect(matchesBody({ missing: [{ exists: false }] } as never, body)).toBe(true);
    expect(matchesBody({ missing: [{ exists: true }] } as never, body)).toBe(false);
    expect(matchesBody({ store: { city: [{ prefix: "sea" }] } } as never, body)).toBe(true);
    expect(matchesBody({ $or: [{ a: ["x"] }, { interests: ["rugby"] }] } as never, body)).toBe(true);
    expect(matchesBody({ interests: ["soccer"] } as never, "plain text")).toBe(false);
    expect(() => matchesBody({ price: [{ numeric: [">", 1] }] } as never, body)).toThrow(/outside the subset/);
  });
});
