import { describe, expect, it } from "vitest";
import { parseDocumentBytes } from "./document";
import { parseState, StateCorruptError } from "./state";

const RECORDS = new Set(["streams", "clusters"]);
const bytes = (text: string) => Buffer.from(text, "utf8");

/** JSON.parse's result and member order, compared through JSON.stringify (own "__proto__" included). */
const same = (text: string) => expect(JSON.stringify(parseDocumentBytes(bytes(text), RECORDS))).toBe(JSON.stringify(JSON.parse(text)));

describe("parseDocumentBytes", () => {
  it.each([
    ["a state as written", '{"version":1,"cursor":null,"streams":{"a":{"labels":{"cluster_id":"a"},"tops":[["01J",1,0,null]]},"b":{}},"clusters":{"a":{"status":"ok","since":1}},"seen":""}'],
    ["empty records and an empty document", '{"streams":{},"clusters":{}}'],
    ["whitespace, tabs and CRLF everywhere", ' {\r\n\t"streams" : { "a" : { "x" : [ 1 , 2 ] } ,\n "b":{} } ,\r\n "n" : -1.5e3 , "t":true,"f":false,"z":null }  \n'],
    ["strings holding braces, brackets, commas and escapes", '{"streams":{"{\\"k\\"}":{"v":"}]{[,:\\\\\\"x"}},"s":"\\u00e9\\n\\"}"}'],
    ["UTF-8 names and values", '{"streams":{"kc-ä ü":{"labels":{"team":"日本 🚀"}}},"clusters":{"ü":{"status":"ok","since":2}}}'],
    ["integer-like keys (JSON.parse orders them first)", '{"streams":{"b":{},"42":{},"7":{},"a":{}},"clusters":{"10":{},"x":{}}}'],
    ["a duplicate key: the last one wins", '{"streams":{"a":{"v":1},"a":{"v":2}},"cursor":"x","cursor":"y"}'],
    ["a record that is not an object", '{"streams":null,"clusters":[1,2],"x":{"streams":{}}}'],
  ])("gives what JSON.parse gives: %s", (_name, text) => same(text));

  it("keeps a member named __proto__ as an own member, as JSON.parse does, never as the prototype", () => {
    const text = '{"streams":{"__proto__":{"polluted":true},"a":{}},"__proto__":{"x":1}}';
    same(text);
    const out = parseDocumentBytes(bytes(text), RECORDS) as { streams: Record<string, unknown> };
    expect(Object.getPrototypeOf(out.streams)).toBe(Object.prototype);
    expect(Object.hasOwn(out.streams, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ["cut short", '{"streams":{"a":{"v":1}'],
    ["cut short in a string", '{"streams":{"a":"abc'],
    ["text after the document", '{"a":1} x'],
    ["a missing colon", '{"a" 1}'],
    ["a missing comma", '{"a":1 "b":2}'],
    ["a trailing comma", '{"a":1,}'],
    ["a bare word", '{"a":tru}'],
    ["empty", ""],
  ])("throws on a document JSON.parse refuses: %s", (_name, text) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(() => parseDocumentBytes(bytes(text), RECORDS)).toThrow();
  });

  it("refuses a document that is not an object: the caller parses it whole", () => {
    for (const text of ["[1,2]", "1", '"x"', "null"]) expect(() => parseDocumentBytes(bytes(text), RECORDS)).toThrow(SyntaxError);
  });

  it("parseState of the bytes is parseState of the text, and names the same damage", () => {
    const text = '{"version":1,"cursor":null,"streams":{},"clusters":{"a":{"status":"ok","since":1}},"pending":[],"seen":"","corrupt":[],"unlabeled":[],"overlaps":{},"ledger":null,"outbox":null}';
    expect(parseState(bytes(text))).toEqual(parseState(text));
    for (const bad of [text.slice(0, -3), text.replace('"ok"', '"fine"'), "\u0000\u0001binary"]) {
      const asText = (() => {
        try {
          parseState(bad);
        } catch (err) {
          return err;
        }
      })() as Error;
      expect(asText).toBeInstanceOf(StateCorruptError);
      expect(() => parseState(bytes(bad))).toThrow(asText.message);
    }
  });
});
