import type { ClusterVerdict } from "../health/report";
import { chatCode, labelsText, plainText } from "./escape";
import { count, lag, lostText, num, stamp } from "./format";
import type { Notification, Recovery, UnlabeledGroup } from "./notification";

/**
 * One kind of news in a notification, worst kinds first. Items render on demand so that a message
 * about 10,000 clusters only formats the few it lists.
 */
export interface Section {
  title: string;
  total: number;
  /** Plain text: "- " then the item, continuation lines indented by two spaces. */
  plain(i: number): string;
  /** Chat markdown: one line. */
  chat(i: number): string;
}

const BLOCKS_LISTED = 5;

function section<T>(title: string, items: readonly T[], plain: (t: T) => string, chat: (t: T) => string): Section {
  return { title, total: items.length, plain: (i) => plain(items[i]!), chat: (i) => chat(items[i]!) };
}

function blockList(blocks: readonly string[], code: boolean): string {
  const shown = blocks.slice(0, BLOCKS_LISTED).map((b) => (code ? chatCode(b, 40) : plainText(b, 40)));
  const more = blocks.length - shown.length;
  return shown.join(", ") + (more > 0 ? ` and ${num(more)} more` : "");
}

export function sections(n: Notification): Section[] {
  const now = n.at;
  // Thanos-only verdicts read as before; Federated ETL ones (and clusters in both) say their source.
  const via = (v: ClusterVerdict) => (v.source === "federated-etl" ? " (Federated ETL)" : v.sources ? " (Thanos)" : "");
  const other = (v: ClusterVerdict) => {
    const o = v.sources?.[1];
    return o ? `${o.source === "thanos" ? "Thanos" : "Federated ETL"} is ${o.status}${o.dataLagSeconds === null ? "" : `, lag ${lag(o.dataLagSeconds)}`}` : null;
  };
  const fileOrBlock = (v: ClusterVerdict) => (v.source === "federated-etl" ? "file" : "block");
  const verdictPlain = (v: ClusterVerdict): string => {
    const lines = [`- ${plainText(v.cluster)}: ${v.status} since ${stamp(v.since, now)}${via(v)}`];
    if (v.newestMaxTime !== null) {
      lines.push(`  lag ${lag(v.dataLagSeconds)}, newest data ${stamp(v.newestMaxTime, now)}`);
      if (v.newestBlock !== null) lines.push(`  newest ${fileOrBlock(v)} ${plainText(v.newestBlock, 60)}`);
    } else if (v.reason) {
      lines.push(`  ${plainText(v.reason)}`);
    } else {
      lines.push("  no block within the lookback window");
    }
    if (v.lastUploadAt !== null) lines.push(`  last upload ${stamp(v.lastUploadAt, now)}`);
    if (other(v)) lines.push(`  ${other(v)}`);
    return lines.join("\n");
  };
  const verdictChat = (v: ClusterVerdict): string => {
    const parts = [`• ${chatCode(v.cluster)} ${v.status} since ${stamp(v.since, now)}${via(v)}`];
    if (v.newestMaxTime === null) parts.push(v.reason ? chatCode(v.reason) : "no block within the lookback window");
    else parts.push(`lag *${lag(v.dataLagSeconds)}*`);
    if (v.newestBlock !== null) parts.push(`newest ${fileOrBlock(v)} ${chatCode(v.newestBlock, 60)}`);
    if (v.lastUploadAt !== null) parts.push(`last upload ${stamp(v.lastUploadAt, now)}`);
    if (other(v)) parts.push(other(v)!);
    return parts.join(", ");
  };
  const recoveredText = (r: Recovery, name: string) =>
    `${name}: ${r.verdict.status} again, lag ${lag(r.verdict.dataLagSeconds)}; was ${r.was} since ${stamp(r.downSince, now)}` +
    (r.lost ? `; ${lostText(r.lost)}` : r.filled ? "; the backlog filled the outage, no data lost" : "");
  const newText = (v: ClusterVerdict, name: string) =>
    `${name}: first seen, ${count(v.streams.length, "stream")}, newest data ${stamp(v.newestMaxTime, now)}`;
  const overlapText = (o: Notification["overlaps"][number], name: string, labels: string, code: boolean) =>
    `${name}: ${count(o.blocks.length, "block")} with labels ${labels} overlap: ${blockList(o.blocks, code)}`;
  const unlabeledText = (u: UnlabeledGroup, labels: string, code: boolean) =>
    `${labels}: ${count(u.blocks.length, "block")}: ${blockList(u.blocks, code)}`;
  // Label names come from other people's meta.json too: escaped like the values.
  const conflictText = (c: NonNullable<Notification["conflicts"]>[number], name: string, differing: string[], labels: string[]) =>
    `${name}: ${count(c.streams.length, "stream")} overlapping in time, differing in ${differing.join(", ")}: ${labels.join(", ")}`;
  const degradedText = (d: NonNullable<Notification["degraded"]>[number], name: string, labels: string) =>
    `${name}: replica ${labels} stalled, lag ${lag(d.dataLagSeconds)}; its twin ships, the cluster is ok`;
  const backText = (d: NonNullable<Notification["replicasBack"]>[number], name: string, labels: string) =>
    `${name}: replica ${labels} ships again, lag ${lag(d.dataLagSeconds)}`;
  const partialText = (p: Notification["partialBlocks"][number], block: string) =>
    `${block}: no meta.json, no activity for ${lag(p.ageSeconds)}`;

  const compactorText = (c: NonNullable<Notification["compactor"]>, block: (b: string) => string) =>
    c.state === "stalled"
      ? `no compactor block since ${stamp(c.report.lastCompactionAt, now)}; ${count(c.report.backlogBlocks, "level-1 block")} wait` +
        (c.report.oldestBacklogBlock !== null ? `, the oldest ${block(c.report.oldestBacklogBlock)} for ${lag(c.report.oldestBacklogSeconds)}` : "") +
        (c.report.haltedOnOverlaps ? "; most likely halted on the overlaps" : "")
      : `compacting again: last compaction ${stamp(c.report.lastCompactionAt, now)}, ${count(c.report.backlogBlocks, "compactable block")} wait`;
  const retentionText = (r: NonNullable<Notification["retention"]>) =>
    `${count(r.overdueBlocks ?? 0, "block")} hold data older than the expected ${plainText(r.expected ?? "", 20)} + 2 days; oldest data ${stamp(r.oldestMaxTime, now)}`;
  const compactorNews = n.compactor?.state === "stalled" ? [n.compactor] : [];
  const compactorBack = n.compactor?.state === "resumed" ? [n.compactor] : [];
  const retention = n.retention ? [n.retention] : [];
  const stalled = n.down.filter((v) => v.status === "stalled");
  const missing = n.down.filter((v) => v.status === "missing");
  const unreadable = n.bucket?.state === "unreadable" ? [n.bucket] : [];
  const readable = n.bucket?.state === "readable" ? [n.bucket] : [];
  return [
    section(
      "blockwatch cannot read the bucket: no cluster is judged until it can",
      unreadable,
      (b) => `- ${plainText(b.reason, 400)}\n  failing since ${stamp(new Date(b.since).toISOString(), now)}`,
      (b) => `• ${chatCode(b.reason, 400)}, failing since ${stamp(new Date(b.since).toISOString(), now)}`,
    ),
    section("Missing", missing, verdictPlain, verdictChat),
    section("Stalled", stalled, verdictPlain, verdictChat),
    section("Still down (reminder)", n.reminders, verdictPlain, verdictChat),
    section(
      "Overlapping uploads (the compactor halts on these)",
      n.overlaps,
      (o) => `- ${overlapText(o, plainText(o.cluster), labelsText(o.labels), false)}`,
      (o) => `• ${overlapText(o, chatCode(o.cluster), chatCode(labelsText(o.labels), 300), true)}`,
    ),
    section(
      "Compactor stalled (retention and downsampling stop with it)",
      compactorNews,
      (c) => `- ${compactorText(c, (b) => plainText(b, 40))}`,
      (c) => `• ${compactorText(c, (b) => chatCode(b, 40))}`,
    ),
    section("Retention not applied", retention, (r) => `- ${retentionText(r)}`, (r) => `• ${retentionText(r)}`),
    section(
      "Two sources under one cluster (costs counted twice)",
      n.conflicts ?? [],
      (c) => `- ${conflictText(c, plainText(c.cluster), c.differingLabels.map((k) => plainText(k, 60)), c.streams.map((l) => labelsText(l)))}`,
      (c) => `• ${conflictText(c, chatCode(c.cluster), c.differingLabels.map((k) => chatCode(k, 60)), c.streams.map((l) => chatCode(labelsText(l), 300)))}`,
    ),
    section(
      "Data lost (never in a cost report)",
      n.gaps ?? [],
      (g) => `- ${plainText(g.cluster)}: ${lostText([g])}`,
      (g) => `• ${chatCode(g.cluster)}: ${lostText([g])}`,
    ),
    section(
      "HA replica down (no redundancy left)",
      n.degraded ?? [],
      (d) => `- ${degradedText(d, plainText(d.cluster), labelsText(d.labels))}`,
      (d) => `• ${degradedText(d, chatCode(d.cluster), chatCode(labelsText(d.labels), 300))}`,
    ),
    section(
      "Corrupt blocks",
      n.corruptBlocks,
      (c) => `- ${plainText(c.block, 40)}: ${plainText(c.reason)}`,
      (c) => `• ${chatCode(c.block, 40)}: ${chatCode(c.reason)}`,
    ),
    section(
      "Partial uploads",
      n.partialBlocks,
      (p) => `- ${partialText(p, plainText(p.block, 40))}`,
      (p) => `• ${partialText(p, chatCode(p.block, 40))}`,
    ),
    section(
      "Blocks without cluster label",
      n.unlabeled,
      (u) => `- ${unlabeledText(u, labelsText(u.labels), false)}`,
      (u) => `• ${unlabeledText(u, chatCode(labelsText(u.labels), 300), true)}`,
    ),
    section(
      "Gaps in Federated ETL (hours missing from the federated view)",
      n.dataGaps ?? [],
      (g) => `- ${plainText(g.cluster)}: no ${plainText(g.kind, 20)} files from ${stamp(g.from, now)} to ${stamp(g.to, now)} (${lag(g.seconds)})`,
      (g) => `• ${chatCode(g.cluster)}: no ${chatCode(g.kind, 20)} files from ${stamp(g.from, now)} to ${stamp(g.to, now)} (${lag(g.seconds)})`,
    ),
    section(
      "Misnamed Federated ETL files",
      n.corruptFiles ?? [],
      (f) => `- ${plainText(f.file, 200)}: ${plainText(f.reason)}`,
      (f) => `• ${chatCode(f.file, 200)}: ${chatCode(f.reason)}`,
    ),
    section(
      "Recovered",
      n.recovered,
      (r) => `- ${recoveredText(r, plainText(r.verdict.cluster))}`,
      (r) => `• ${recoveredText(r, chatCode(r.verdict.cluster))}`,
    ),
    section(
      "Compactor resumed",
      compactorBack,
      (c) => `- ${compactorText(c, (b) => plainText(b, 40))}`,
      (c) => `• ${compactorText(c, (b) => chatCode(b, 40))}`,
    ),
    section(
      "HA replica back",
      n.replicasBack ?? [],
      (d) => `- ${backText(d, plainText(d.cluster), labelsText(d.labels))}`,
      (d) => `• ${backText(d, chatCode(d.cluster), chatCode(labelsText(d.labels), 300))}`,
    ),
    section(
      "New clusters",
      n.newClusters,
      (v) => `- ${newText(v, plainText(v.cluster))}`,
      (v) => `• ${newText(v, chatCode(v.cluster))}`,
    ),
    section(
      "Fleet config unusable: judged with the deployment's settings alone, no silence applied",
      n.fleetConfig ? [n.fleetConfig] : [],
      (f) => `- ${plainText(f.reason, 400)}\n  fix the object ${plainText(f.object, 200)} (blockwatch silence list --fleet-config ${plainText(f.object, 200)} shows the error)`,
      (f) => `• ${chatCode(f.reason, 400)}: fix ${chatCode(f.object, 200)}`,
    ),
    section(
      "Decommissioned (no more alerts about them)",
      n.decommissioned ?? [],
      (d) => `- ${plainText(d.cluster)}: decommissioned ${stamp(d.at, now)}${d.reason ? `: ${plainText(d.reason, 200)}` : ""}`,
      (d) => `• ${chatCode(d.cluster)}: decommissioned ${stamp(d.at, now)}${d.reason ? `: ${chatCode(d.reason, 200)}` : ""}`,
    ),
    section(
      "blockwatch reads the bucket again",
      readable,
      (b) => `- unreadable since ${stamp(new Date(b.unreadableSince).toISOString(), now)}; this run judged every cluster again`,
      (b) => `• unreadable since ${stamp(new Date(b.unreadableSince).toISOString(), now)}; this run judged every cluster again`,
    ),
  ].filter((s) => s.total > 0);
}
