/**
 * Reads a state document from its UTF-8 bytes without making one string of it: the top-level
 * members are parsed one by one, and the members of the large records (streams, clusters) one
 * entry at a time, each with JSON.parse. At 10,000 clusters the document is 13 MB; read as one
 * string beside its bytes and the objects parsed from it, loading the state alone took 82 MiB.
 * The result is what JSON.parse of the whole text gives; a document this reader does not take
 * (not an object of members, malformed) throws, and the caller parses it whole for the error.
 */
export function parseDocumentBytes(bytes: Uint8Array, records: ReadonlySet<string>): Record<string, unknown> {
  const b = asBuffer(bytes);
  const parse = (from: number, to: number): unknown => JSON.parse(b.toString("utf8", from, to));
  let i = skipSpace(b, 0);
  if (b[i] !== OPEN_OBJECT) throw new SyntaxError("not a JSON object");
  const out: Record<string, unknown> = {};
  i = members(b, i, (key, from, to) => {
    if (records.has(key) && b[from] === OPEN_OBJECT) {
      const record: Record<string, unknown> = {};
      members(b, from, (k, f, t) => set(record, k, parse(f, t)));
      set(out, key, record);
    } else set(out, key, parse(from, to));
  });
  if (skipSpace(b, i) !== b.length) throw new SyntaxError("text after the document");
  return out;
}

/** The document's text, for what needs it whole (JSON.parse's own error, a copy kept aside). */
export function documentText(doc: string | Uint8Array): string {
  return typeof doc === "string" ? doc : asBuffer(doc).toString("utf8");
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;

/** As JSON.parse assigns: "__proto__" is an own member, never the prototype. */
function set(o: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
  else o[key] = value;
}

function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipSpace(b: Buffer, i: number): number {
  while (isSpace(b[i])) i++;
  return i;
}

/** The members of the object opening at `i`, as (key, value's first byte, past its last); returns past the object. */
function members(b: Buffer, i: number, each: (key: string, from: number, to: number) => void): number {
  i = skipSpace(b, i + 1);
  if (b[i] === CLOSE_OBJECT) return i + 1;
  for (;;) {
    if (b[i] !== QUOTE) throw new SyntaxError(`expected a member name at byte ${i}`);
    const keyEnd = endOfString(b, i);
    const key = JSON.parse(b.toString("utf8", i, keyEnd)) as string;
    i = skipSpace(b, keyEnd);
    if (b[i] !== COLON) throw new SyntaxError(`expected ':' at byte ${i}`);
    const from = skipSpace(b, i + 1);
    const to = endOfValue(b, from);
    each(key, from, to);
    i = skipSpace(b, to);
    if (b[i] === COMMA) i = skipSpace(b, i + 1);
    else if (b[i] === CLOSE_OBJECT) return i + 1;
    else throw new SyntaxError(`expected ',' or '}' at byte ${i}`);
  }
}

/** Past the string opening at `i` (UTF-8 continuation bytes are never a quote or a backslash). */
function endOfString(b: Buffer, i: number): number {
  for (i++; i < b.length; i++) {
    const c = b[i];
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i + 1;
  }
  throw new SyntaxError("unterminated string");
}

/** Past the value starting at `i`: its text is checked by JSON.parse, only its extent here. */
function endOfValue(b: Buffer, i: number): number {
  const c = b[i];
  if (c === QUOTE) return endOfString(b, i);
  if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
    let depth = 0;
    while (i < b.length) {
      const d = b[i];
      if (d === QUOTE) {
        i = endOfString(b, i);
        continue;
      }
      if (d === OPEN_OBJECT || d === OPEN_ARRAY) depth++;
      else if (d === CLOSE_OBJECT || d === CLOSE_ARRAY) {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    throw new SyntaxError("unterminated value");
  }
  const start = i;
  while (i < b.length && !(b[i] === COMMA || b[i] === CLOSE_OBJECT || b[i] === CLOSE_ARRAY || isSpace(b[i]))) i++;
  if (i === start) throw new SyntaxError(`expected a value at byte ${i}`);
  return i;
}
