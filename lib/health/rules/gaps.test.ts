import { describe, expect, it } from "vitest";
import { holes, mergeIntervals } from "../intervals";
import { parseState, serializeState } from "../../state/state";
import { H, M, NOW, block, judge } from "../../../test/support/health";

/** 2h sidecar blocks of one stream covering [from, to), aligned on `from`. */
const series = (labels: Record<string, string>, from: number, to: number) => {
  const out = [];
  for (let t = from; t < to; t += 2 * H) out.push(block({ labels, minTime: t, maxTime: Math.min(t + 2 * H, to) }));
  return out;
};
const a = { cluster_id: "a" };
const iso = (ms: number) => new Date(ms).toISOString();

describe("intervals", () => {
  it("merges overlapping and touching intervals; holes are what lies between, longer than the tolerance", () => {
    expect(mergeIntervals([[5, 7], [0, 2], [2, 3], [6, 9]])).toEqual([[0, 3], [5, 9]]);
    expect(holes([[0, 3], [5, 9], [10, 12]], 1)).toEqual([[3, 5]]);
  });
});

describe("data gaps (rules/coverage.ts, rules/gaps.ts)", () => {
  it("a Prometheus down 45 minutes between two blocks: one gap, and the cluster lost 45 minutes", () => {
    const blocks = [...series(a, NOW - 24 * H, NOW - 10 * H), ...series(a, NOW - 10 * H + 45 * M, NOW - 2 * H)];
    const { report } = judge(blocks);
    expect(report.gaps).toEqual([{ cluster: "a", labels: a, from: iso(NOW - 10 * H), to: iso(NOW - 10 * H + 45 * M), seconds: 45 * 60 }]);
    expect(report.clusters[0]).toMatchObject({ status: "ok", gapSeconds: 45 * 60, dataGaps: [{ from: iso(NOW - 10 * H), seconds: 2700 }] });
  });

  it.each([
    ["a hole of exactly the tolerance (15m)", 15 * M, 0],
    ["a hole just over it", 15 * M + 1000, 1],
  ])("%s", (_name, hole, n) => {
    const blocks = [...series(a, NOW - 24 * H, NOW - 10 * H), ...series(a, NOW - 10 * H + hole, NOW - 2 * H)];
    expect(judge(blocks).report.gaps).toHaveLength(n);
  });

  it("the tolerance is configurable", () => {
    const blocks = [...series(a, NOW - 24 * H, NOW - 10 * H), ...series(a, NOW - 10 * H + 45 * M, NOW - 2 * H)];
    expect(judge(blocks, { policy: { gapToleranceMs: H } }).report.gaps).toEqual([]);
  });

  it.each([
    ["a stream that stopped: its lag, not a gap", [...series(a, NOW - 24 * H, NOW - 10 * H)]],
    ["a stream that began within the lookback", [...series(a, NOW - 10 * H, NOW - 2 * H)]],
    ["a deletion-marked block leaves no hole where the compacted block covers it", [
      ...series(a, NOW - 24 * H, NOW - 16 * H).map((b) => ({ ...b, deletionMarked: true })),
      block({ labels: a, source: "compactor", level: 2, minTime: NOW - 24 * H, maxTime: NOW - 16 * H, ulidTime: NOW - 12 * H }),
      ...series(a, NOW - 16 * H, NOW - 2 * H),
    ]],
    ["downsampled blocks do not count, and their absence is no hole", [...series(a, NOW - 24 * H, NOW - 2 * H), block({ labels: a, resolution: 300_000, source: "compactor", level: 2, minTime: NOW - 100 * H, maxTime: NOW - 60 * H })]],
  ])("no gap: %s", (_name, blocks) => {
    const { report } = judge(blocks);
    expect(report.gaps).toEqual([]);
    expect(report.clusters[0]!.gapSeconds).toBe(0);
  });

  it("an HA pair: a replica's hole is reported per stream; the cluster lost only where both replicas have one", () => {
    const r0 = { ...a, prometheus_replica: "r0" };
    const r1 = { ...a, prometheus_replica: "r1" };
    const blocks = [
      ...series(r0, NOW - 24 * H, NOW - 12 * H), ...series(r0, NOW - 8 * H, NOW - 2 * H), // r0 lost 12h..8h
      ...series(r1, NOW - 24 * H, NOW - 10 * H), ...series(r1, NOW - 6 * H, NOW - 2 * H), // r1 lost 10h..6h
    ];
    const { report } = judge(blocks);
    expect(report.gaps!.map((g) => [g.labels.prometheus_replica, g.seconds / 3600])).toEqual([["r0", 4], ["r1", 4]]);
    expect(report.clusters[0]).toMatchObject({ gapSeconds: 2 * 3600, dataGaps: [{ from: iso(NOW - 10 * H), to: iso(NOW - 8 * H), seconds: 7200 }] });
  });

  it("a label added is no gap for the cluster: the new stream begins where the old one ends", () => {
    const blocks = [...series(a, NOW - 24 * H, NOW - 10 * H), ...series({ ...a, team: "x" }, NOW - 10 * H, NOW - 2 * H)];
    expect(judge(blocks).report.clusters[0]!.gapSeconds).toBe(0);
  });

  it("with state: the gap appears once data after it arrives, like a run without state; a later compaction does not hide it", () => {
    const before = series(a, NOW - 24 * H, NOW - 10 * H);
    const run1 = judge(before, { now: NOW - 8 * H });
    expect(run1.report.gaps).toEqual([]);
    const after = series(a, NOW - 10 * H + 45 * M, NOW - 2 * H);
    const run2 = judge(after, { prev: parseState(serializeState(run1.state)) });
    expect(run2.report.gaps).toEqual(judge([...before, ...after]).report.gaps);
    expect(run2.report.gaps).toHaveLength(1);
    // The compactor makes one block of the hole's window: its meta hides the hole, the state does not.
    const compacted = block({ labels: a, source: "compactor", level: 2, minTime: NOW - 16 * H, maxTime: NOW - 6 * H + 45 * M, ulidTime: NOW - M });
    const run3 = judge([compacted], { prev: run2.state, now: NOW + H });
    expect(run3.report.gaps).toHaveLength(1);
    expect(judge([...before, ...after, compacted], { now: NOW + H }).report.gaps).toEqual([]);
  });

  it("with a state that never saw a compacted block's sources (written before coverage was kept): the block's outer range counts, no hole is invented", () => {
    const old = series(a, NOW - 30 * H, NOW - 16 * H);
    const run1 = judge(old, { now: NOW - 15 * H });
    const saved = JSON.parse(serializeState(run1.state));
    for (const st of Object.values(saved.streams) as { coverage?: unknown }[]) delete st.coverage;
    // The upgraded run re-reads the window: the old blocks, a level-2 block whose level-1 sources
    // are already deleted, and the newest blocks.
    const compacted = block({ labels: a, source: "compactor", level: 2, minTime: NOW - 16 * H, maxTime: NOW - 8 * H, ulidTime: NOW - 7 * H });
    const window = [...old, compacted, ...series(a, NOW - 8 * H, NOW - 2 * H)];
    const run2 = judge(window, { prev: parseState(JSON.stringify(saved)) });
    expect(run2.report.gaps).toEqual([]);
    expect(run2.report.clusters[0]!.gapSeconds).toBe(0);
  });

  it("a hole leaves with the lookback", () => {
    const blocks = [...series(a, NOW - 24 * H, NOW - 10 * H), ...series(a, NOW - 10 * H + 45 * M, NOW - 2 * H)];
    const run1 = judge(blocks);
    const later = judge([], { prev: run1.state, now: NOW + 7 * 24 * H - 10 * H + H, policy: {} });
    expect(later.report.gaps).toEqual([]);
  });

  it("a state written before coverage was kept invents no gap", () => {
    const run1 = judge(series(a, NOW - 24 * H, NOW - 10 * H), { now: NOW - 9 * H });
    const old = JSON.parse(serializeState(run1.state));
    for (const s of Object.values(old.streams) as { coverage?: unknown }[]) delete s.coverage;
    const run2 = judge(series(a, NOW - 10 * H, NOW - 2 * H), { prev: parseState(JSON.stringify(old)) });
    expect(run2.report.gaps).toEqual([]);
  });
});
