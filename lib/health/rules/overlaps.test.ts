import { describe, expect, it } from "vitest";
import { blocksToCheckForDeletion } from "../evaluate";
import { DEFAULT_POLICY } from "../../policy/policy";
import { H, M, NOW, block, judge } from "../../../test/support/health";

describe("overlaps (rules/overlaps.ts)", () => {
  const one = { cluster_id: "cluster-one" };
  it("two level-1 sidecar blocks with the identical label set and overlapping ranges", () => {
    const a = block({ labels: one, maxTime: NOW - H });
    const b = block({ labels: one, minTime: NOW - 3 * H + 17 * M, maxTime: NOW - H + 17 * M });
    const c = block({ labels: one, maxTime: NOW - 5 * H });
    const { report } = judge([a, b, c]);
    expect(report.overlaps).toEqual([{ cluster: "cluster-one", labels: one, blocks: [a.ulid, b.ulid].sort() }]);
  });
  it.each([
    ["different label sets (an HA pair)", { labels: { cluster_id: "cluster-one", replica: "r1" } }],
    ["a compacted block", { level: 2, source: "compactor" }],
    ["a compactor-sourced level-1 block", { source: "compactor" }],
    ["an out-of-order block", { outOfOrder: true }],
    ["a deletion-marked block", { deletionMarked: true }],
    ["adjacent ranges (maxTime is exclusive)", { minTime: NOW - H, maxTime: NOW + H }],
  ])("not for %s", (_name, other) => {
    const a = block({ labels: one, maxTime: NOW - H });
    const b = block({ labels: one, maxTime: NOW - H, ...other });
    expect(judge([a, b]).report.overlaps).toEqual([]);
  });
  it("receive blocks count like sidecar blocks", () => {
    const a = block({ labels: one, maxTime: NOW - H, source: "receive" });
    const b = block({ labels: one, maxTime: NOW - H, source: "receive" });
    expect(judge([a, b]).report.overlaps[0]!.blocks).toHaveLength(2);
  });
  it("a new block overlapping one remembered from an earlier run; the finding persists", () => {
    const a = block({ labels: one, maxTime: NOW - 3 * H });
    const first = judge([a], { now: NOW - H });
    expect(first.report.overlaps).toEqual([]);
    const b = block({ labels: one, maxTime: NOW - 3 * H + 30 * M, ulidTime: NOW - 10 * M });
    const second = judge([b], { prev: first.state });
    expect(second.report.overlaps[0]!.blocks).toEqual([a.ulid, b.ulid].sort());
    const third = judge([], { prev: second.state, now: NOW + 2 * H });
    expect(third.report.overlaps[0]!.blocks).toEqual([a.ulid, b.ulid].sort());
    // The deletion-mark lookup is asked for the new block only when it would be a finding.
    expect([...blocksToCheckForDeletion(first.state, [b], DEFAULT_POLICY, NOW)]).toEqual([b.ulid]);
    expect([...blocksToCheckForDeletion(first.state, [block({ labels: one, maxTime: NOW - H })], DEFAULT_POLICY, NOW)]).toEqual([]);
  });
});
