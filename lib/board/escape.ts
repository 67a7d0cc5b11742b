/**
 * Cluster names, label values, block names and reasons come from other people's configs: every
 * such value reaches the board's HTML through `html()` (text and attribute values alike).
 */

/** Longest value drawn: its start and an ellipsis keep it recognisable. */
export const MAX_NAME_CHARS = 120;

// Controls, zero-width characters and bidi overrides (a name that reads as another) are shown as
// \uXXXX rather than interpreted; a lone surrogate becomes U+FFFD.
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufffe\uffff]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const HTML_SPECIAL = /[&<>"']/g;
const ENTITY: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** A value made visible and single-line, at most `max` code points. */
export function visible(value: string, max = MAX_NAME_CHARS): string {
  const shown = value
    .replace(LONE_SURROGATE, "\ufffd")
    .replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  if (shown === "") return "(empty)";
  const chars = Array.from(shown);
  return chars.length <= max ? shown : chars.slice(0, max - 1).join("") + "…";
}

/** Safe in HTML text and in a quoted attribute value. */
export function html(value: string, max = MAX_NAME_CHARS): string {
  return visible(value, max).replace(HTML_SPECIAL, (c) => ENTITY[c]!);
}

/** Our own text (no user value inside): only the HTML specials are escaped. */
export function text(value: string): string {
  return value.replace(HTML_SPECIAL, (c) => ENTITY[c]!);
}
