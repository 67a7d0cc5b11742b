import { describe, expect, it } from "vitest";
import { emptyState, parseState, serializeState, serializeStateBytes, type State } from "./state";

function sample(): State {
  const s = emptyState();
  s.cursor = "01JC0000000000000000000000";
  // Integer-like keys come first in JSON.stringify's order: the writer must keep that order.
  for (const name of ["kc-b", "42", "kc-ä ü", "7", 'kc-"quoted"\\', "kc-a"]) {
    s.streams[JSON.stringify([["cluster_id", name]])] = {
      labels: { cluster_id: name },
      cluster: name,
      tops: [["01JC0000000000000000000000", 7_200_000, 0, null]],
      ranges: [["01JC0000000000000000000000", 0, 7_200_000]],
      coverage: [[0, 7_200_000]],
      dataFrom: undefined,
      backlog: [["01JC0000000000000000000000", 0, 7_300_000]],
    };
    s.clusters[name] = { status: "ok", since: 1 };
  }
  s.etl = undefined;
  return s;
}

describe("serializeStateBytes", () => {
  it("writes exactly the bytes of serializeState (key order, left-out undefined fields, UTF-8)", () => {
    const s = sample();
    const text = serializeState(s);
    expect(serializeStateBytes(s).toString("utf8")).toBe(text);
    // A size hint far too small or right on: the buffer grows, the bytes are the same.
    expect(serializeStateBytes(s, 10).equals(Buffer.from(text))).toBe(true);
    expect(serializeStateBytes(s, Buffer.byteLength(text)).equals(Buffer.from(text))).toBe(true);
    expect(parseState(serializeStateBytes(s).toString("utf8"))).toEqual(parseState(text));
  });

  it("grows past its first buffer on a large state", () => {
    const s = sample();
    const base = s.streams[Object.keys(s.streams)[0]!]!;
    for (let i = 0; i < 3000; i++) s.streams[`k${i}`] = { ...base, cluster: `c${i}` };
    const text = serializeState(s);
    expect(text.length).toBeGreaterThan(64 * 1024 * 3);
    expect(serializeStateBytes(s).equals(Buffer.from(text))).toBe(true);
  });
});
