import { describe, expect, it } from "vitest";
import { makeUlid } from "../../demo/bucket-objects";
import { H, NOW, judge, random } from "../../../test/support/health";

describe("partial blocks (rules/partial.ts)", () => {
  it("partial blocks: reported once no activity for more than 2h", () => {
    const young = { block: makeUlid(NOW - 3 * H, random), lastActivity: NOW - 2 * H };
    const old = { block: makeUlid(NOW - 5 * H, random), lastActivity: NOW - 2 * H - 1000 };
    const { report, state } = judge([], { extra: { pending: [young, old] } });
    expect(report.partialBlocks).toEqual([{ block: old.block, ageSeconds: 7201 }]);
    expect(state.pending.map((p) => p.block).sort()).toEqual([young.block, old.block].sort());
  });
});

describe("partial blocks by the age of their last activity", () => {
  it.each([
    ["active 1h ago", H, false],
    ["exactly 2h", 2 * H, false],
    ["2h and a second", 2 * H + 1000, true],
    ["a ULID older than the lookback", 8 * 24 * H, false],
  ])("%s", (_name, age, reported) => {
    const p = { block: makeUlid(NOW - age, random), lastActivity: NOW - age };
    expect(judge([], { extra: { pending: [p] } }).report.partialBlocks.map((x) => x.block)).toEqual(reported ? [p.block] : []);
  });
});
