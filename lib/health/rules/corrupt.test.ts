import { describe, expect, it } from "vitest";
import { makeUlid } from "../../demo/bucket-objects";
import { H, NOW, block, judge, random } from "../../../test/support/health";

describe("corrupt blocks (rules/corrupt.ts)", () => {
  it("corrupt blocks are kept as findings, except deletion-marked ones", () => {
    const c1 = { block: makeUlid(NOW - H, random), reason: "version is 2, expected 1", deletionMarked: false };
    const c2 = { block: makeUlid(NOW - H, random), reason: "meta.json is not JSON", deletionMarked: true };
    expect(judge([], { extra: { corrupt: [c1, c2] } }).report.corruptBlocks).toEqual([{ block: c1.block, reason: c1.reason }]);
  });
});

describe("data from the future is not trusted (rules/corrupt.ts)", () => {
  it.each([
    ["within the hour of slack", 59 * 60_000, false],
    ["more than an hour ahead", 61 * 60_000, true],
  ])("maxTime %s", (_name, ahead, isCorrupt) => {
    const b = block({ maxTime: NOW + ahead, ulidTime: NOW - 60_000 });
    const { report } = judge([b]);
    expect(report.corruptBlocks.map((c) => c.block)).toEqual(isCorrupt ? [b.ulid] : []);
    expect(report.clusters).toHaveLength(isCorrupt ? 0 : 1);
  });
});
