import { formatLabels, type Labels } from "../domain/labels";

/**
 * Cluster names, label values, block names and reasons come from other people's configs and buckets.
 * Every such value goes through one of these functions before it reaches a message.
 */

/** Longest value shown: its start and an ellipsis keep it recognisable. */
export const MAX_VALUE_CHARS = 200;

// Line breaks collapse to one space, so a value cannot forge extra lines of a message (as do runs of
// spaces left behind).
const LINE_BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]+/g;
// Controls, zero-width spaces and bidi overrides (which can make a name read as another one), BOM,
// noncharacters. ZWJ/ZWNJ stay: scripts such as Persian and emoji sequences need them.
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufffe\uffff]/g;
// A lone surrogate is not Unicode: SNS and SQS refuse it.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** One line of plain text (email, SMS, SQS): printable, single-line, at most `max` characters. */
export function plainText(value: string, max = MAX_VALUE_CHARS): string {
  const clean = value
    .replace(LONE_SURROGATE, "\ufffd")
    .replace(LINE_BREAKS, " ")
    .replace(INVISIBLE, "")
    .replace(/ {2,}/g, " ")
    .trim();
  if (clean === "") return value === "" ? "(empty)" : "(unprintable)";
  if (clean.length <= max) return clean;
  const chars = Array.from(clean); // code points: never cut a surrogate pair in two
  return chars.length <= max ? clean : chars.slice(0, max - 1).join("") + "…";
}

/**
 * A value for chat markdown (Slack mrkdwn via AWS Chatbot, or Teams): inline code, so `*_~`, links
 * and `:emoji:` are not formatted. Backticks would close the code span and become `'`. Slack still
 * reads `<!channel>`, `<@U123>` and `<http://x|y>` sequences and needs `&`, `<`, `>` as entities; a
 * word joiner after `@` and inside `://` keeps `@here` and URLs from turning into mentions or links
 * in clients that ignore the code span.
 */
export function chatCode(value: string, max = MAX_VALUE_CHARS): string {
  const text = plainText(value, max)
    .replace(/`/g, "'")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/@/g, "@\u2060")
    .replace(/:\/\//g, ":\u2060//");
  return "`" + text + "`";
}

/** Printable ASCII only: an SNS Subject, or the part of one taken from a value. */
export function asciiText(value: string, max = MAX_VALUE_CHARS): string {
  const ascii = plainText(value, max).replace(/\u2026$/, "...").replace(/[^\x20-\x7e]/gu, "?");
  return ascii.length <= max ? ascii : ascii.slice(0, max - 3) + "...";
}

/** `{cluster_id="a", replica="r0"}`, made safe like any other value. */
export function labelsText(labels: Labels, max = 300): string {
  return plainText(formatLabels(labels), max);
}
