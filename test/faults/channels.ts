// What "safe" means, channel by channel. Each function returns the problems it found (empty: safe).
//
// - CLI table (people at a terminal): no control character other than the line feed between lines,
//   no escape sequence except blockwatch's own colours (SGR 1/2/22/31/32/33/39), no bidi mark
//   (U+061C, U+200E, U+200F), override or isolate, no zero-width space, no U+2028/U+2029.
// - JSON (`check --output json`, scripts): parses, is well-formed Unicode (no lone surrogate), and
//   carries every cluster name exactly (scripts must see the real value).
// - Email / SMS / SNS `default` (plain text): no control character but line feeds, no bidi or
//   zero-width character, well-formed Unicode, and no forged structure: every line is one of ours
//   (subject, section header "TITLE (N)", "- item", "  continuation", "NEXT STEPS", "N. step",
//   "   command", the footer), each section lists exactly the number of items its header announces,
//   and the footer appears once, last. SNS Subject: printable ASCII, under 100 characters.
// - Chatbot markdown (title, description, next steps): no raw `<` or `>` (Slack reads `<!channel>`,
//   `<@U…>`, `<http://…|…>` even inside code spans), every `&` an entity, no `@` directly followed by
//   a word character (`@here`, `@channel`), an even number of backticks on every line (no breakout of
//   a code span), no marker of a hostile value outside a code span (its markdown is inert), no raw
//   `://` inside a code span that holds a hostile value, no control/bidi/line-separator character.
// - CloudWatch dimension: 1..1,024 printable ASCII characters with a non-blank one; distinct names
//   give distinct values.
// "Recognisable": the marker (the ASCII heart of a hostile name) is present in the channel.
import type { ChatbotNotification } from "../../lib/alerts/chatbot";

const C0_C1_BUT_LF = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const LINE_SEPARATORS = /[\u2028\u2029]/;
const ZERO_WIDTH = /[\u200b\u2060-\u2064\ufeff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const OUR_SGR = /\u001b\[(?:1|2|22|31|32|33|39)m/g;

const show = (s: string) => JSON.stringify(s.length > 80 ? s.slice(0, 77) + "..." : s);

function charProblems(where: string, text: string, opts: { zeroWidth?: boolean } = {}): string[] {
  const out: string[] = [];
  const at = (re: RegExp) => {
    const m = re.exec(text);
    return m ? ` at ${show(text.slice(Math.max(0, m.index - 20), m.index + 20))}` : "";
  };
  if (C0_C1_BUT_LF.test(text)) out.push(`${where}: control character${at(C0_C1_BUT_LF)}`);
  if (BIDI.test(text)) out.push(`${where}: bidi control${at(BIDI)}`);
  if (LINE_SEPARATORS.test(text)) out.push(`${where}: U+2028/2029 line separator${at(LINE_SEPARATORS)}`);
  if (LONE_SURROGATE.test(text)) out.push(`${where}: lone surrogate${at(LONE_SURROGATE)}`);
  if (opts.zeroWidth === false && ZERO_WIDTH.test(text)) out.push(`${where}: zero-width character${at(ZERO_WIDTH)}`);
  return out;
}

/**
 * A lone surrogate is not checked here: writing to a terminal turns it into U+FFFD, harmless. A
 * zero-width space is: two names differing by one read the same on a terminal.
 */
export function tableProblems(text: string, colour: boolean): string[] {
  const stripped = colour ? text.replace(OUR_SGR, "") : text;
  const where = colour ? "table (colour)" : "table";
  const out = charProblems(where, stripped.replace(/\u001b/g, "\u0000").replace(/[\ud800-\udfff]/g, "?"));
  const zwsp = stripped.indexOf("\u200b");
  if (zwsp >= 0) out.push(`${where}: zero-width space at ${show(stripped.slice(Math.max(0, zwsp - 20), zwsp + 20))}`);
  return out;
}

export function jsonProblems(text: string, names: readonly string[]): string[] {
  const out: string[] = [];
  let doc: { clusters?: { cluster: string }[] };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch (err) {
    return [`json: does not parse (${(err as Error).message})`];
  }
  if (LONE_SURROGATE.test(text)) out.push("json: lone surrogate in the output (not well-formed Unicode)");
  const got = new Set((doc.clusters ?? []).map((c) => c.cluster));
  for (const n of names) if (!got.has(n)) out.push(`json: cluster ${show(n)} not carried exactly`);
  return out;
}

export function subjectProblems(subject: string): string[] {
  const out: string[] = [];
  if (!/^[\x20-\x7e]+$/.test(subject)) out.push(`subject: not printable ASCII ${show(subject)}`);
  if (subject.length >= 100) out.push(`subject: ${subject.length} characters (SNS: under 100)`);
  return out;
}

/** The plain-text message: characters, and a structure no value can forge. */
export function emailProblems(email: string): string[] {
  const out = charProblems("email", email, { zeroWidth: false });
  const lines = email.split("\n");
  let i = 2;
  let footers = 0;
  if (lines[1] !== "") out.push("email: second line is not blank");
  while (i < lines.length) {
    const line = lines[i]!;
    if (line === "") {
      i++;
      continue;
    }
    const header = /^([^\s-].*) \(([\d,]+)\)$/.exec(line);
    if (line.startsWith("-- blockwatch run at ")) {
      footers++;
      if (lines.slice(i + 1).some((l) => l !== "")) out.push("email: text after the footer");
      i++;
      continue;
    }
    if (line === "NEXT STEPS") {
      i++;
      while (i < lines.length && lines[i] !== "") {
        if (!/^\d+\. /.test(lines[i]!) && !/^ {3}\S/.test(lines[i]!)) out.push(`email: forged line in next steps ${show(lines[i]!)}`);
        i++;
      }
      continue;
    }
    if (header && !/^\d+\. /.test(line)) {
      const total = Number(header[2]!.replace(/,/g, ""));
      let items = 0;
      let more = 0;
      i++;
      while (i < lines.length && lines[i] !== "") {
        const l = lines[i]!;
        const m = /^- and ([\d,]+) more$/.exec(l);
        if (m) more += Number(m[1]!.replace(/,/g, ""));
        else if (l === "- (too many to list)") more += total;
        else if (l.startsWith("- ")) items++;
        else if (!l.startsWith("  ") || l.startsWith("  -") || /^ {2}\s/.test(l)) out.push(`email: forged line ${show(l)}`);
        i++;
      }
      if (items + more !== total) out.push(`email: section ${show(header[1]!)} announces ${total} items, shows ${items} + ${more} more`);
      continue;
    }
    out.push(`email: forged line ${show(line)}`);
    i++;
  }
  if (footers !== 1) out.push(`email: ${footers} footers`);
  return out;
}

/** Splits a markdown line into its text outside code spans and its code spans. */
function spans(line: string): { outside: string[]; code: string[] } {
  const parts = line.split("`");
  return { outside: parts.filter((_, i) => i % 2 === 0), code: parts.filter((_, i) => i % 2 === 1) };
}

export function chatProblems(chat: ChatbotNotification, markers: readonly string[], maxDescription: number): string[] {
  const out: string[] = [];
  const fields: [string, string][] = [
    ["title", chat.content.title],
    ["description", chat.content.description],
    ...chat.content.nextSteps.map((s, i): [string, string] => [`nextSteps[${i}]`, s]),
  ];
  for (const [where, text] of fields) {
    out.push(...charProblems(`chat ${where}`, text));
    if (/[<>]/.test(text)) out.push(`chat ${where}: raw < or > ${show(text.slice(Math.max(0, text.search(/[<>]/) - 20), text.search(/[<>]/) + 20))}`);
    if (/&(?!amp;|lt;|gt;)/.test(text)) out.push(`chat ${where}: bare &`);
    if (/@[A-Za-z0-9_]/.test(text)) out.push(`chat ${where}: live @mention ${show(text.slice(text.search(/@[A-Za-z0-9_]/), text.search(/@[A-Za-z0-9_]/) + 20))}`);
    for (const line of text.split("\n")) {
      if ((line.match(/`/g) ?? []).length % 2 !== 0) out.push(`chat ${where}: odd number of backticks ${show(line)}`);
      const { outside, code } = spans(line);
      for (const m of markers) {
        if (outside.some((o) => o.includes(m))) out.push(`chat ${where}: hostile value ${m} outside a code span ${show(line)}`);
      }
      for (const c of code) if (markers.some((m) => c.includes(m)) && c.includes("://")) out.push(`chat ${where}: live link in a hostile code span ${show(c)}`);
    }
  }
  if (chat.content.description.length > maxDescription) out.push(`chat description: ${chat.content.description.length} characters > ${maxDescription}`);
  if (!/^[\x20-\x7e]+$/.test(chat.metadata.summary)) out.push(`chat summary: not printable ASCII ${show(chat.metadata.summary)}`);
  if (!/^[\x21-\x7e]{1,128}$/.test(chat.metadata.threadId)) out.push(`chat threadId: ${show(chat.metadata.threadId)}`);
  return out;
}

export function attributeProblems(attributes: Record<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(attributes)) {
    out.push(...charProblems(`attribute ${k}`, v));
    if (v.length === 0) out.push(`attribute ${k}: empty`);
  }
  return out;
}

export function snsMessageProblems(message: string, maxBytes: number): string[] {
  const out: string[] = [];
  const bytes = Buffer.byteLength(message, "utf8");
  if (bytes > maxBytes) out.push(`sns: message of ${bytes} bytes > ${maxBytes}`);
  if (LONE_SURROGATE.test(message)) out.push("sns: lone surrogate in the message");
  try {
    const doc = JSON.parse(message) as Record<string, unknown>;
    for (const k of ["default", "email", "https"]) if (typeof doc[k] !== "string") out.push(`sns: key ${k} missing`);
    JSON.parse(String(doc.https));
  } catch (err) {
    out.push(`sns: message is not valid JSON (${(err as Error).message})`);
  }
  return out;
}

export function dimensionProblems(value: string): string[] {
  if (!/^[\x20-\x7e]{1,1024}$/.test(value) || !/\S/.test(value)) return [`dimension: invalid value ${show(value)}`];
  return [];
}
