import { createHash } from "node:crypto";

/** CloudWatch: a dimension value is 1..1024 ASCII characters with at least one non-whitespace one. */
export const MAX_DIMENSION_VALUE_LENGTH = 1024;

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;
const LONE_SURROGATE = /[\ud800-\udfff]/u;
const HASH_HEX = 8;

function isValid(value: string): boolean {
  return value.length <= MAX_DIMENSION_VALUE_LENGTH && PRINTABLE_ASCII.test(value) && /\S/.test(value);
}

/** The bytes hashed: UTF-8 (what `printf %s NAME | sha256sum` gives) for well-formed strings. */
function hashInput(name: string): Buffer {
  // UTF-8 turns every lone surrogate into U+FFFD, which would merge two names; UTF-16 keeps them
  // apart, and the 0xff lead byte (never in UTF-8) keeps them apart from well-formed names.
  if (!LONE_SURROGATE.test(name)) return Buffer.from(name, "utf8");
  return Buffer.concat([Buffer.from([0xff]), Buffer.from(name, "utf16le")]);
}

/**
 * The `Cluster` dimension value of a cluster name. A valid name is kept unchanged, so dashboards
 * and alarms show the cluster id as is. Any other name (non-ASCII, control characters, empty,
 * whitespace only, longer than 1024) gets `?` per offending character, is cut to fit, and ends with
 * `~` + 8 hex of its SHA-256: names that differ only where `?` stands, or beyond the cut, stay
 * distinct (up to a 2^-32 hash collision between two such names).
 */
export function cloudwatchDimensionValue(name: string): string {
  if (isValid(name)) return name;
  const suffix = "~" + createHash("sha256").update(hashInput(name)).digest("hex").slice(0, HASH_HEX);
  let readable = "";
  const room = MAX_DIMENSION_VALUE_LENGTH - suffix.length;
  // By code point, so one emoji is one `?`, not two.
  for (const ch of name) {
    if (readable.length >= room) break;
    readable += /^[\x20-\x7e]$/.test(ch) ? ch : "?";
  }
  return readable + suffix;
}

/** Whether CloudWatch accepts `value` as a dimension value (for tests and callers that check). */
export function isValidDimensionValue(value: string): boolean {
  return value.length >= 1 && isValid(value);
}
