import { describe, expect, it } from "vitest";
import { parseMeta } from "../lib/domain/meta";
import { parseDuration, formatDuration } from "../lib/domain/duration";
import { isUlid, ulidFloor } from "../lib/domain/ulid";

const ULID = "01K94WV44Z4TFF59TDWH9EDD1R";
const good = {
  ulid: ULID,
  minTime: 1762164000000,
  maxTime: 1762171200000,
  compaction: { level: 1, sources: [ULID] },
  version: 1,
  thanos: {
    labels: { cluster_id: "prod-us-east-1" },
    downsample: { resolution: 0 },
    source: "sidecar",
    files: [{ rel_path: "chunks/000001", size_bytes: 71303443 }, { rel_path: "index", size_bytes: 24011567 }, { rel_path: "meta.json" }],
    upload_time: "2025-11-03T13:00:31.482913307Z",
  },
};
const text = (o: unknown) => JSON.stringify(o, null, "\t");

describe("meta.json", () => {
  it("reads the fields the rules need", () => {
    const r = parseMeta(ULID, text(good), 0);
    expect(r).toEqual({
      ok: true,
      block: expect.objectContaining({
        ulid: ULID,
        minTime: 1762164000000,
        maxTime: 1762171200000,
        labels: { cluster_id: "prod-us-east-1" },
        resolution: 0,
        level: 1,
        source: "sidecar",
        outOfOrder: false,
        uploadTime: Date.parse("2025-11-03T13:00:31.482Z"),
        sizeBytes: 71303443 + 24011567,
      }),
    });
  });

  it("defaults for old Thanos and plain Prometheus blocks: no files, no upload_time, no thanos section", () => {
    const r = parseMeta(ULID, text({ ulid: ULID, minTime: 0, maxTime: 10, version: 1 }), 1234);
    expect(r.ok && r.block).toMatchObject({ labels: {}, resolution: 0, level: 1, source: "", uploadTime: 1234, sizeBytes: null });
  });

  it("spots from-out-of-order blocks", () => {
    const r = parseMeta(ULID, text({ ...good, compaction: { level: 1, hints: ["from-out-of-order"] } }), 0);
    expect(r.ok && r.block.outOfOrder).toBe(true);
  });

  it.each([
    ["not JSON", "{\"ulid\": ", /not JSON/],
    ["an array", "[]", /not a JSON object/],
    ["version 2", text({ ...good, version: 2 }), /version is 2, expected 1/],
    ["another block's ulid", text({ ...good, ulid: "01K94WV44Z4TFF59TDWH9EDD1S" }), /does not match its prefix/],
    ["maxTime before minTime", text({ ...good, maxTime: good.minTime - 1 }), /0 <= minTime < maxTime/],
    ["equal times", text({ ...good, maxTime: good.minTime }), /0 <= minTime < maxTime/],
    ["negative minTime", text({ ...good, minTime: -5 }), /0 <= minTime < maxTime/],
    ["string times", text({ ...good, minTime: "1" }), /0 <= minTime < maxTime/],
    ["fractional times", text({ ...good, maxTime: 1.5 }), /0 <= minTime < maxTime/],
    ["unsafe integers", text({ ...good, maxTime: 2 ** 60 }), /0 <= minTime < maxTime/],
    ["labels not strings", text({ ...good, thanos: { ...good.thanos, labels: { cluster_id: 5 } } }), /thanos.labels/],
    ["labels an array", text({ ...good, thanos: { ...good.thanos, labels: ["a"] } }), /thanos.labels/],
  ])("is corrupt when %s", (_name, body, reason) => {
    const r = parseMeta(ULID, body, 0);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(reason);
    expect(!r.ok && r.reason).not.toContain("\n");
  });

  it("keeps a label named __proto__ as data", () => {
    const body = `{"ulid":"${ULID}","minTime":0,"maxTime":5,"version":1,"thanos":{"labels":{"__proto__":"x","cluster_id":"c"}}}`;
    const r = parseMeta(ULID, body, 0);
    expect(r.ok && Object.keys(r.block.labels).sort()).toEqual(["__proto__", "cluster_id"]);
  });
});

describe("durations and ULIDs", () => {
  it.each([["3h30m", 12_600_000], ["4h", 14_400_000], ["90s", 90_000], ["2d", 172_800_000], ["1w", 604_800_000], ["500ms", 500], ["1h0m30s", 3_630_000]])(
    "%s",
    (text, ms) => expect(parseDuration(text)).toBe(ms),
  );
  it.each(["", "3", "h", "3x", "-1h", "1h 30m", "1.5.5h"])("rejects %j", (text) => expect(() => parseDuration(text)).toThrow(/invalid duration/));
  it("formats for people", () => {
    expect(formatDuration(3 * 3_600_000 + 45 * 60_000 + 10_000)).toBe("3h45m");
    // Two adjacent units at most, so 2h0m16s is never printed as "2h16s" (read as 2h16m).
    expect(formatDuration(2 * 3_600_000 + 16_000)).toBe("2h");
    expect(formatDuration(5 * 3_600_000)).toBe("5h");
    expect(formatDuration(90_000)).toBe("1m30s");
  });
  it("recognises block prefixes the way Thanos does", () => {
    expect(isUlid(ULID)).toBe(true);
    for (const name of [`${ULID}-backup`, ULID.toLowerCase(), "debug", "8ZZZZZZZZZZZZZZZZZZZZZZZZZ", ULID.slice(1), ULID.replace("K", "U")]) {
      expect(isUlid(name)).toBe(false);
    }
    expect(ulidFloor(Date.parse("2025-11-03T13:00:00Z")) < ULID).toBe(true);
  });
});

describe("meta.json reasons name the field", () => {
  it.each([
    [{ ulid: "01K94WV44Z4TFF59TDWH9EDD1R", version: 1, maxTime: 5 }, /minTime missing and maxTime 5/],
    [{ ulid: "01K94WV44Z4TFF59TDWH9EDD1R", minTime: 0, maxTime: 5 }, /version is missing, expected 1/],
    [{ version: 1, minTime: 0, maxTime: 5 }, /ulid is missing/],
  ])("%j", (meta, reason) => {
    const r = parseMeta("01K94WV44Z4TFF59TDWH9EDD1R", JSON.stringify(meta), 0);
    expect(!r.ok && r.reason).toMatch(reason);
  });
});
