import { asciiText, chatCode } from "./escape";
import { count } from "./format";
import type { Notification } from "./notification";

/**
 * What changed, worst first, for a subject or a title: "prod-eu stalled", "2 clusters stalled",
 * "1 recovered". A lone cluster is named; many are counted. `name` escapes a cluster name.
 */
export function headlineParts(n: Notification, name: (cluster: string) => string): string[] {
  const parts: string[] = [];
  if (n.bucket?.state === "unreadable") parts.push(n.bucket.reminder ? "still cannot read the bucket" : "cannot read the bucket");
  const clusters = (names: string[], what: string) => {
    if (names.length === 1) parts.push(`${name(names[0]!)} ${what}`);
    else if (names.length > 1) parts.push(`${count(names.length, "cluster")} ${what}`);
  };
  clusters(n.down.filter((v) => v.status === "missing").map((v) => v.cluster), "missing");
  clusters(n.down.filter((v) => v.status === "stalled").map((v) => v.cluster), "stalled");
  clusters(n.reminders.map((v) => v.cluster), "still down");
  if (n.overlaps.length > 0) parts.push(count(n.overlaps.length, "overlap"));
  clusters((n.conflicts ?? []).map((c) => c.cluster), "has two sources");
  clusters([...new Set((n.degraded ?? []).map((d) => d.cluster))], "lost a replica");
  clusters([...new Set((n.gaps ?? []).map((g) => g.cluster))], "lost data");
  if (n.corruptBlocks.length > 0) parts.push(count(n.corruptBlocks.length, "corrupt block"));
  if (n.partialBlocks.length > 0) parts.push(count(n.partialBlocks.length, "partial upload"));
  if (n.unlabeled.length > 0) parts.push(count(n.unlabeled.length, "unlabeled label set"));
  if (n.compactor?.state === "stalled") parts.push(n.compactor.report.haltedOnOverlaps ? "compactor halted on overlaps" : "compactor stalled");
  if (n.retention) parts.push("retention not applied");
  if (n.compactor?.state === "resumed") parts.push("compactor resumed");
  clusters(n.recovered.map((r) => r.verdict.cluster), "recovered");
  clusters([...new Set((n.replicasBack ?? []).map((d) => d.cluster))], "replica back");
  if (n.newClusters.length === 1) parts.push(`new cluster ${name(n.newClusters[0]!.cluster)}`);
  else if (n.newClusters.length > 1) parts.push(count(n.newClusters.length, "new cluster"));
  if (n.fleetConfig) parts.push("fleet config invalid");
  clusters((n.decommissioned ?? []).map((d) => d.cluster), "decommissioned");
  if (n.bucket?.state === "readable") parts.push("bucket readable again");
  return parts;
}

/** SNS allows fewer than 100 characters and no line breaks; ASCII survives every mail client. */
export const SUBJECT_MAX = 99;

/** "blockwatch: 2 clusters stalled, 1 recovered", cut at a comma when too long. */
export function subjectOf(n: Notification): string {
  const parts = headlineParts(n, (c) => asciiText(c, 30));
  let subject = "blockwatch: " + parts[0]!;
  for (const [i, part] of parts.entries()) {
    if (i === 0) continue;
    const rest = parts.length - i - 1;
    const tail = rest > 0 ? ", ..." : "";
    if (subject.length + 2 + part.length + tail.length > SUBJECT_MAX) {
      subject += ", ...";
      break;
    }
    subject += ", " + part;
  }
  return subject.slice(0, SUBJECT_MAX);
}

/**
 * The longest Chatbot title, icon included: Slack's header block takes 150 characters, and a title
 * is read at a glance. Names are up to 60 characters and escaping can lengthen them (`&` is `&amp;`).
 */
export const CHAT_TITLE_MAX = 150;
const TITLE_NAME_MAX = 40;

/**
 * The Chatbot title: the same news, names as escaped inline code, within `max` characters. Parts
 * that do not fit become ", …" (never cut inside a name's code span or an entity); when even the
 * first does not, its name is left to the description.
 */
export function chatTitleOf(n: Notification, max = CHAT_TITLE_MAX): string {
  const named = joinWithin("blockwatch: ", headlineParts(n, (c) => chatCode(c, TITLE_NAME_MAX)), max);
  if (named !== null) return named;
  return joinWithin("blockwatch: ", headlineParts(n, () => "1 cluster"), max) ?? "blockwatch: news about your clusters";
}

/** `prefix` + as many parts as fit in `max`, then ", …"; null when not even the first fits. */
function joinWithin(prefix: string, parts: string[], max: number): string | null {
  if (parts.length === 0) return prefix.trimEnd();
  const more = ", …";
  let out = prefix + parts[0];
  if (out.length > max || (parts.length > 1 && out.length + more.length > max)) return null;
  for (let i = 1; i < parts.length; i++) {
    const last = i === parts.length - 1;
    if (out.length + 2 + parts[i]!.length + (last ? 0 : more.length) > max) return out + more;
    out += ", " + parts[i];
  }
  return out;
}
