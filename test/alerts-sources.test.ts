// Alerts for the findings of issue 11: two sources under one cluster_id, a degraded HA pair.
import { describe, expect, it } from "vitest";
import { decideAlerts } from "../lib/alerts/decide";
import { renderNotification } from "../lib/alerts/render";
import type { Ledger } from "../lib/alerts/ledger";
import type { ChatbotNotification } from "../lib/alerts/chatbot";
import type { Report, StreamVerdict } from "../lib/health/report";
import { report, verdict } from "./support/reports";

const H = 3_600_000;
const T0 = Date.parse("2025-03-01T12:00:00Z");
const policy = { remindEveryMs: 24 * H };
const r0 = { cluster_id: "prod", prometheus_replica: "r0" };
const r1 = { cluster_id: "prod", prometheus_replica: "r1" };
const stream = (labels: StreamVerdict["labels"], status: StreamVerdict["status"], lagH: number): StreamVerdict => ({ labels, status, dataLagSeconds: lagH * 3600 });
const pair = (r1Status: StreamVerdict["status"], lagH: number) => verdict("prod", { streams: [stream(r1, r1Status, lagH), stream(r0, "ok", 1)] });
const conflict: NonNullable<Report["conflicts"]>[number] = {
  cluster: "cluster-one",
  streams: [{ cluster_id: "cluster-one", team: "platform" }, { cluster_id: "cluster-one" }],
  differingLabels: ["team"],
};

/** Runs decideAlerts over successive reports, saving the ledger as a successful publish would. */
function sequence(reports: Report[], start: Ledger | null = { clusters: ["cluster-one", "prod", "<!channel>"].map((cluster) => ({ cluster, down: null })), findings: [], bucketFailure: null }) {
  let ledger = start;
  return reports.map((r, i) => {
    const d = decideAlerts(ledger, r, T0 + i * 2 * H, policy);
    ledger = d.ledgerAfterPublish;
    return d.notification;
  });
}

describe("two sources under one cluster_id", () => {
  it("warned once, while it lasts; again if it recurs after it cleared", () => {
    const c = verdict("cluster-one");
    const [first, second, cleared, again] = sequence([report([c], { conflicts: [conflict] }), report([c], { conflicts: [conflict] }), report([c]), report([c], { conflicts: [conflict] })]);
    expect(first!.conflicts).toEqual([conflict]);
    expect(second).toBeNull();
    expect(cleared).toBeNull();
    expect(again!.conflicts).toEqual([conflict]);
  });

  it("a replica of one of the sources coming or going is not news", () => {
    const more = { ...conflict, streams: [...conflict.streams, { cluster_id: "cluster-one", team: "platform", replica: "1" }] };
    const [, second] = sequence([report([verdict("cluster-one")], { conflicts: [conflict] }), report([verdict("cluster-one")], { conflicts: [more] })]);
    expect(second).toBeNull();
  });

  it("the message is a warning that names the streams and, in the next step, the labels that differ", () => {
    const [n] = sequence([report([verdict("cluster-one")], { conflicts: [conflict] })]);
    const m = renderNotification(n!);
    expect(m.Subject).toBe("blockwatch: cluster-one has two sources");
    expect(m.MessageAttributes.severity.StringValue).toBe("warning");
    expect(m.MessageAttributes.cluster.StringValue).toBe("cluster-one");
    const text = JSON.parse(m.Message).default as string;
    expect(text).toContain('TWO SOURCES UNDER ONE CLUSTER (COSTS COUNTED TWICE) (1)\n- cluster-one: 2 streams overlapping in time, differing in team: {cluster_id="cluster-one", team="platform"}, {cluster_id="cluster-one"}');
    expect(text).toMatch(/NEXT STEPS\n1\. Two sources: cluster-one gets data from streams that differ in team and overlap in time/);
  });

  it("label names and values from the bucket are escaped in chat", () => {
    const hostile: NonNullable<Report["conflicts"]>[number] = { cluster: "<!channel>", streams: [{ cluster_id: "<!channel>", "`x`": "*y*" }, { cluster_id: "<!channel>" }], differingLabels: ["`x`"] };
    const [n] = sequence([report([verdict("<!channel>")], { conflicts: [hostile] })]);
    const chat = JSON.parse(JSON.parse(renderNotification(n!).Message).https) as ChatbotNotification;
    expect(chat.content.description).not.toContain("<!channel>");
    expect(chat.content.nextSteps.join("\n")).not.toContain("<!channel>");
    expect(chat.content.nextSteps.join("\n")).toContain("`'x'`");
    // The label name in the section line too, not only in the next step.
    expect(chat.content.description).not.toMatch(/differing in `x`/);
    expect(chat.content.description).toContain("differing in `'x'`");
  });
});

describe("a degraded HA pair", () => {
  it("a warning once, silence while it lasts and while the replica catches up, an info notice when it ships again", () => {
    const degraded = [{ cluster: "prod", labels: r1, dataLagSeconds: 9 * 3600 }];
    const notes = sequence([
      report([pair("stalled", 9)], { degraded }),
      report([pair("stalled", 11)], { degraded: [{ ...degraded[0]!, dataLagSeconds: 11 * 3600 }] }),
      report([pair("late", 3.75)]),
      report([pair("ok", 1)]),
      report([pair("ok", 1)]),
    ]);
    expect(notes[0]!.degraded).toEqual(degraded);
    expect(notes[0]!.down).toEqual([]);
    expect(notes.slice(1, 3)).toEqual([null, null]);
    expect(notes[3]!.replicasBack).toEqual([{ cluster: "prod", labels: r1, dataLagSeconds: 3600 }]);
    expect(notes[4]).toBeNull();
    const warn = renderNotification(notes[0]!);
    expect(warn.Subject).toBe("blockwatch: prod lost a replica");
    expect(warn.MessageAttributes.severity.StringValue).toBe("warning");
    expect(JSON.parse(warn.Message).default).toContain('- prod: replica {cluster_id="prod", prometheus_replica="r1"} stalled, lag 9h; its twin ships, the cluster is ok');
    const back = renderNotification(notes[3]!);
    expect(back.Subject).toBe("blockwatch: prod replica back");
    expect(back.MessageAttributes.severity.StringValue).toBe("info");
  });

  it("a replica that leaves the report (its blocks left the lookback) is forgotten silently", () => {
    const degraded = [{ cluster: "prod", labels: r1, dataLagSeconds: 9 * 3600 }];
    const notes = sequence([report([pair("stalled", 9)], { degraded }), report([verdict("prod", { streams: [stream(r0, "ok", 1)] })]), report([pair("ok", 1)])]);
    expect(notes[1]).toBeNull();
    expect(notes[2]).toBeNull();
  });

  it("a cluster announced recovered: a replica still catching up is judged on the next run, not announced beside the recovery", () => {
    const down: Ledger = { clusters: [{ cluster: "prod", down: { status: "stalled", since: "2025-03-01T00:00:00.000Z", notifiedAt: T0 - 6 * H } }], findings: [], bucketFailure: null };
    const degraded = [{ cluster: "prod", labels: r1, dataLagSeconds: 9 * 3600 }];
    const notes = sequence([report([pair("stalled", 9)], { degraded }), report([pair("stalled", 11)], { degraded })], down);
    expect(notes[0]!.recovered).toHaveLength(1);
    expect(notes[0]!.degraded).toBeUndefined();
    expect(notes[1]!.degraded).toEqual(degraded);
  });

  it("the first run (no ledger) tells what is already wrong: both findings, then the replica's return", () => {
    const degraded = [{ cluster: "prod", labels: r1, dataLagSeconds: 9 * 3600 }];
    const [n, second] = sequence([report([pair("stalled", 9)], { degraded, conflicts: [conflict] }), report([pair("ok", 1)])], null);
    expect(n!.degraded).toEqual(degraded);
    expect(n!.conflicts).toEqual([conflict]);
    expect(second!.replicasBack).toHaveLength(1);
  });
});

describe("data gaps", () => {
  const gap = { from: "2025-03-01T04:00:00.000Z", to: "2025-03-01T04:45:00.000Z", seconds: 2700 };
  const withGap = (status: "ok" | "stalled", gaps = [gap]) =>
    verdict("prod", { status, gapSeconds: gaps.reduce((a, g) => a + g.seconds, 0), dataGaps: gaps, streams: [stream({ cluster_id: "prod" }, status === "ok" ? "ok" : "stalled", status === "ok" ? 1 : 9)] });

  it("lost while the cluster was up (a restart that lost 45 minutes): a warning once", () => {
    const notes = sequence([report([withGap("ok", [])]), report([withGap("ok")]), report([withGap("ok")])]);
    expect(notes[0]).toBeNull();
    expect(notes[1]!.gaps).toEqual([{ cluster: "prod", ...gap }]);
    expect(notes[2]).toBeNull();
    const m = renderNotification(notes[1]!);
    expect(m.Subject).toBe("blockwatch: prod lost data");
    expect(m.MessageAttributes.severity.StringValue).toBe("warning");
    expect(JSON.parse(m.Message).default).toContain("- prod: 45m of data missing, 2025-03-01 04:00–04:45 UTC");
  });

  it("lost during an outage: said with the recovery, not before, and not again", () => {
    const down: Ledger = { clusters: [{ cluster: "prod", down: { status: "stalled", since: "2025-03-01T04:00:00.000Z", notifiedAt: T0 - 6 * H } }], findings: [], bucketFailure: null };
    const sixHours = { from: "2025-03-01T10:00:00.000Z", to: "2025-03-01T16:00:00.000Z", seconds: 6 * 3600 };
    const notes = sequence([report([withGap("stalled", [sixHours])]), report([withGap("ok", [sixHours])]), report([withGap("ok", [sixHours])])], down);
    expect(notes[0]).toBeNull();
    expect(notes[1]!.recovered[0]!.lost).toEqual([sixHours]);
    expect(notes[1]!.gaps).toBeUndefined();
    expect(notes[2]).toBeNull();
    expect(JSON.parse(renderNotification(notes[1]!).Message).default).toContain("was stalled since 2025-03-01 04:00 UTC (10h ago); 6h of data missing, 2025-03-01 10:00–16:00 UTC");
  });

  it("an outage the backlog filled: the recovery says no data was lost", () => {
    const down: Ledger = { clusters: [{ cluster: "prod", down: { status: "stalled", since: "2025-03-01T04:00:00.000Z", notifiedAt: T0 - 6 * H } }], findings: [], bucketFailure: null };
    const [n] = sequence([report([withGap("ok", [])])], down);
    expect(n!.recovered[0]!.filled).toBe(true);
    expect(JSON.parse(renderNotification(n!).Message).default).toContain("; the backlog filled the outage, no data lost");
  });

  it("gaps already in the bucket when blockwatch is deployed are told by the first run, once", () => {
    const [first, second] = sequence([report([withGap("ok")]), report([withGap("ok")])], null);
    expect(first!.gaps).toHaveLength(1);
    expect(second).toBeNull();
  });
});
