import { describe, expect, it } from "vitest";
import { H, NOW, block, judge } from "../../../test/support/health";

describe("unlabeled blocks (rules/unlabeled.ts)", () => {
  it("unlabeled: no cluster label, or an empty one", () => {
    const a = block({ labels: { prometheus: "monitoring/k8s" }, maxTime: NOW - H });
    const b = block({ labels: { cluster_id: "", prometheus: "x" }, maxTime: NOW - H });
    const { report } = judge([a, b]);
    expect(report.clusters).toEqual([]);
    expect(report.unlabeledBlocks.map((u) => u.block).sort()).toEqual([a.ulid, b.ulid].sort());
  });
});
