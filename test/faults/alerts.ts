// What subscribers received, read back from the SQS queue subscribed to the SNS topic, and the
// accounting of the table: expected / sent / lost / duplicated / unexpected news items.
//
// An item is one entry of one section of a message ("STALLED (2)" lists two items). Items are
// named by what the email text shows (the cluster name, the block, the label set); a section too
// long to list in full ("- and 3,990 more") contributes anonymous items that count against the
// section's expected count.
import type { ChatbotNotification } from "../../lib/alerts/chatbot";
import { plainText } from "../../lib/alerts/escape";

export type SectionKey =
  | "unreadable"
  | "missing"
  | "stalled"
  | "reminder"
  | "overlap"
  | "corrupt"
  | "partial"
  | "unlabeled"
  | "recovered"
  | "new"
  | "readable"
  | "sources"
  | "lost"
  | "degraded"
  | "replica-back"
  | "compactor"
  | "retention"
  | "etl-gap"
  | "etl-file"
  | "unknown";

export interface DeliveredItem {
  section: SectionKey;
  /** As the email shows it; null for items only counted ("and N more"). */
  name: string | null;
}

export interface Captured {
  subject: string;
  attributes: Record<string, string>;
  /** The SNS Message as published (MessageStructure json: default, email, sms, https). */
  message: string;
  email: string;
  https: string;
  chat: ChatbotNotification;
  items: DeliveredItem[];
}

export function sectionOf(title: string): SectionKey {
  const t = title.toUpperCase();
  if (/CANNOT READ/.test(t)) return "unreadable";
  if (/^TWO SOURCES/.test(t)) return "sources";
  if (/^DATA LOST/.test(t)) return "lost";
  if (/^HA REPLICA DOWN/.test(t)) return "degraded";
  if (/^HA REPLICA BACK/.test(t)) return "replica-back";
  if (/^COMPACTOR/.test(t)) return "compactor";
  if (/^RETENTION/.test(t)) return "retention";
  if (/^GAPS IN FEDERATED ETL/.test(t)) return "etl-gap";
  if (/^MISNAMED FEDERATED ETL/.test(t)) return "etl-file";
  if (/READS THE BUCKET AGAIN|READABLE AGAIN/.test(t)) return "readable";
  if (/REMINDER|STILL DOWN/.test(t)) return "reminder";
  if (/^MISSING/.test(t)) return "missing";
  if (/^STALLED/.test(t)) return "stalled";
  if (/OVERLAP/.test(t)) return "overlap";
  if (/CORRUPT/.test(t)) return "corrupt";
  if (/PARTIAL/.test(t)) return "partial";
  if (/WITHOUT CLUSTER LABEL|UNLABELED/.test(t)) return "unlabeled";
  if (/RECOVERED/.test(t)) return "recovered";
  if (/NEW CLUSTER/.test(t)) return "new";
  return "unknown";
}

const ITEM_NAME: Partial<Record<SectionKey, RegExp>> = {
  missing: /^- (.*): (?:stalled|missing) since /,
  stalled: /^- (.*): (?:stalled|missing) since /,
  reminder: /^- (.*): (?:stalled|missing) since /,
  overlap: /^- (.*): [\d,]+ blocks? with labels /,
  corrupt: /^- (\S+): /,
  partial: /^- (\S+): no meta\.json/,
  unlabeled: /^- (.*): [\d,]+ blocks?: /,
  recovered: /^- (.*): (?:ok|late) again, /,
  new: /^- (.*): first seen, /,
  sources: /^- (.*): [\d,]+ streams? overlapping in time, /,
  lost: /^- (.*): \S+ of data missing, /,
  degraded: /^- (.*): replica .* stalled, lag /,
  "replica-back": /^- (.*): replica .* ships again, /,
  "etl-gap": /^- (.*): no \S+ files from /,
};

/** Sections and their items, from the plain-text (email) rendering. */
export function itemsOfEmail(text: string): DeliveredItem[] {
  const lines = text.split("\n");
  const items: DeliveredItem[] = [];
  let section: { key: SectionKey; total: number; listed: number } | null = null;
  const close = () => {
    if (section) for (let i = section.listed; i < section.total; i++) items.push({ section: section.key, name: null });
    section = null;
  };
  // Line 0 is the subject, line 1 blank: sections start after.
  for (const line of lines.slice(2)) {
    if (line === "") {
      close();
      continue;
    }
    const header = /^([^\s-].*) \(([\d,]+)\)$/.exec(line);
    if (header && !/^\d+\. /.test(line)) {
      close();
      section = { key: sectionOf(header[1]!), total: Number(header[2]!.replace(/,/g, "")), listed: 0 };
      continue;
    }
    const s = section as { key: SectionKey; total: number; listed: number } | null;
    if (!s || !line.startsWith("- ")) continue;
    if (/^- and [\d,]+ more$/.test(line) || line === "- (too many to list)") continue;
    const m = ITEM_NAME[s.key]?.exec(line);
    const name = s.key === "unreadable" || s.key === "readable" ? "bucket" : m ? m[1]! : line.slice(2);
    if (s.listed < s.total) {
      items.push({ section: s.key, name });
      s.listed++;
    }
  }
  close();
  return items;
}

interface Envelope {
  Subject?: string | null;
  Message: string;
  MessageAttributes?: Record<string, { Value: string }>;
}

/** One SQS body (the SNS envelope) as a captured notification. Throws if it is not what we publish. */
export function parseCaptured(body: string): Captured {
  const envelope = JSON.parse(body) as Envelope;
  // fauxqs delivers the whole MessageStructure=json document; AWS would deliver the `sqs`/`default` key.
  const doc = JSON.parse(envelope.Message) as { default: string; email: string; https: string };
  const attributes: Record<string, string> = {};
  for (const [k, v] of Object.entries(envelope.MessageAttributes ?? {})) attributes[k] = v.Value;
  return {
    subject: envelope.Subject ?? "",
    attributes,
    message: envelope.Message,
    email: doc.email,
    https: doc.https,
    chat: JSON.parse(doc.https) as ChatbotNotification,
    items: itemsOfEmail(doc.email),
  };
}

/** What a scenario expects subscribers to hear: a named item `times` times, or `count` items of a section. */
export type Expectation = { section: SectionKey; name: string; times?: number; exact?: boolean } | { section: SectionKey; count: number };

export interface Tally {
  expected: number;
  sent: number;
  lost: number;
  duplicated: number;
  /** Items nobody expected: a false "recovered", a stall invented from a partial view… */
  unexpected: number;
  notes: string[];
}

/** Items are compared by the text the email shows: the expected name goes through the same escaping. */
export function shown(name: string): string {
  return plainText(name);
}

export function tally(expected: readonly Expectation[], delivered: readonly DeliveredItem[]): Tally {
  const t: Tally = { expected: 0, sent: delivered.length, lost: 0, duplicated: 0, unexpected: 0, notes: [] };
  const named = new Map<string, number>();
  const counted = new Map<SectionKey, number>();
  for (const e of expected) {
    if ("name" in e) {
      const k = `${e.section}\u0000${e.exact ? e.name : shown(e.name)}`;
      named.set(k, (named.get(k) ?? 0) + (e.times ?? 1));
      t.expected += e.times ?? 1;
    } else {
      counted.set(e.section, (counted.get(e.section) ?? 0) + e.count);
      t.expected += e.count;
    }
  }
  const got = new Map<string, number>();
  const towardCount = new Map<SectionKey, number>();
  for (const d of delivered) {
    const k = d.name === null ? null : `${d.section}\u0000${d.name}`;
    if (k !== null && named.has(k)) got.set(k, (got.get(k) ?? 0) + 1);
    else if (counted.has(d.section)) towardCount.set(d.section, (towardCount.get(d.section) ?? 0) + 1);
    else {
      t.unexpected++;
      if (t.notes.length < 8) t.notes.push(`unexpected ${d.section} ${JSON.stringify(d.name)}`);
    }
  }
  for (const [k, want] of named) {
    const n = got.get(k) ?? 0;
    const [section, name] = k.split("\u0000");
    if (n < want) {
      t.lost += want - n;
      if (t.notes.length < 8) t.notes.push(`lost ${section} ${JSON.stringify(name)} (${n} of ${want})`);
    }
    if (n > want) {
      t.duplicated += n - want;
      if (t.notes.length < 8) t.notes.push(`duplicated ${section} ${JSON.stringify(name)} (${n} for ${want})`);
    }
  }
  for (const [section, want] of counted) {
    const n = towardCount.get(section) ?? 0;
    if (n < want) t.lost += want - n;
    if (n > want) t.duplicated += n - want;
    if (n !== want && t.notes.length < 8) t.notes.push(`${section}: ${n} items for ${want} expected`);
  }
  return t;
}
