import { describe, expect, it } from "vitest";
import { H, M, NOW, block, judge } from "../../../test/support/health";

describe("new clusters (rules/new-clusters.ts)", () => {
  it("new clusters: absent from the previous state; none without previous state; an expected cluster appearing is not new", () => {
    const first = judge([block({ labels: { cluster_id: "a" }, maxTime: NOW - 3 * H, ulidTime: NOW - 2 * H })], {
      policy: { expectedClusters: ["e"] },
      now: NOW - H,
    });
    expect(first.report.newClusters).toEqual([]);
    const second = judge(
      [block({ labels: { cluster_id: "b" }, maxTime: NOW - H, ulidTime: NOW - 5 * M }), block({ labels: { cluster_id: "e" }, maxTime: NOW - H, ulidTime: NOW - 5 * M })],
      { prev: first.state, policy: { expectedClusters: ["e"] } },
    );
    expect(second.report.newClusters).toEqual(["b"]);
  });
});
