import { describe, expect, it } from "vitest";
import { H, NOW, block, judge } from "../../../test/support/health";

const r0 = { cluster_id: "a", prometheus_replica: "r0" };
const r1 = { cluster_id: "a", prometheus_replica: "r1" };

describe("a degraded HA pair (rules/degraded.ts)", () => {
  it("one replica stalled, the other ok: degraded, with its lag; the cluster stays ok", () => {
    const { report } = judge([block({ labels: r0, maxTime: NOW - H }), block({ labels: r1, maxTime: NOW - 9 * H })]);
    expect(report.clusters[0]!.status).toBe("ok");
    expect(report.degraded).toEqual([{ cluster: "a", labels: r1, dataLagSeconds: 9 * 3600 }]);
  });

  it.each([
    ["both replicas stalled (the cluster is stalled: a page, not a warning)", [block({ labels: r0, maxTime: NOW - 5 * H }), block({ labels: r1, maxTime: NOW - 9 * H })]],
    ["the replica only late", [block({ labels: r0, maxTime: NOW - H }), block({ labels: r1, maxTime: NOW - 3.75 * H })]],
    [
      "a stalled stream whose fresh sibling differs in another label (a label added)",
      [block({ labels: { cluster_id: "a" }, maxTime: NOW - 9 * H }), block({ labels: { cluster_id: "a", team: "x" }, maxTime: NOW - H })],
    ],
    ["a lone stream", [block({ labels: r1, maxTime: NOW - 9 * H })]],
    // A cluster-wide failure that began between the replicas' uploads of one block: the twin is one
    // block ahead and stalls on the next; no warning before the page.
    ["a replica stalled only one block behind its ok twin", [block({ labels: r0, maxTime: NOW - 3.25 * H }), block({ labels: r1, maxTime: NOW - 5.25 * H })]],
    // After a cluster-wide failure both ship their backlogs; the one still shipping catches up.
    [
      "a stalled replica still shipping its backlog (an upload within the last block period)",
      [block({ labels: r0, maxTime: NOW - H }), block({ labels: r1, maxTime: NOW - 9 * H, ulidTime: NOW - 8 * H, uploadTime: NOW - 20 * 60_000 })],
    ],
  ])("not for %s", (_name, blocks) => {
    expect(judge(blocks).report.degraded).toEqual([]);
  });

  it("replica labels are configurable", () => {
    const blocks = [block({ labels: { cluster_id: "a", pod: "0" }, maxTime: NOW - H }), block({ labels: { cluster_id: "a", pod: "1" }, maxTime: NOW - 9 * H })];
    expect(judge(blocks).report.degraded).toEqual([]);
    expect(judge(blocks, { policy: { replicaLabels: ["pod"] } }).report.degraded).toHaveLength(1);
  });
});
