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
  clusters(n.recovered.map((r) => r.verdict.cluster), "recovered");
  clusters([...new Set((n.replicasBack ?? []).map((d) => d.cluster))], "replica back");
  if (n.newClusters.length === 1) parts.push(`new cluster ${name(n.newClusters[0]!.cluster)}`);
  else if (n.newClusters.length > 1) parts.push(count(n.newClusters.length, "new cluster"));
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

/** The Chatbot title: the same news, names as escaped inline code. */
export function chatTitleOf(n: Notification): string {
  return "blockwatch: " + headlineParts(n, (c) => chatCode(c, 60)).join(", ");
}
