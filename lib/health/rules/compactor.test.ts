import { describe, expect, it } from "vitest";
import type { ObservedBlock } from "../evaluate";
import { parseState, serializeState } from "../../state/state";
import { H, NOW, block, judge } from "../../../test/support/health";

const D = 24 * H;
const one = { cluster_id: "a" };

/** The 2h blocks of a stream whose data ends in [from, to), each shipped an hour after its end. */
function series(from: number, to: number, labels: Record<string, string> = one): ObservedBlock[] {
  const out: ObservedBlock[] = [];
  for (let end = Math.ceil((from + 1) / (2 * H)) * 2 * H; end <= to; end += 2 * H) out.push(block({ labels, maxTime: end }));
  return out;
}

/** The block the compactor writes at `at` from `members`. */
function compacted(members: ObservedBlock[], at: number, over: Partial<ObservedBlock> = {}): ObservedBlock {
  return {
    ...block({
      labels: members[0]!.labels,
      minTime: Math.min(...members.map((m) => m.minTime)),
      maxTime: Math.max(...members.map((m) => m.maxTime)),
      level: 2,
      source: "compactor",
      ulidTime: at,
      uploadTime: at,
      ...over,
    }),
    sources: members.map((m) => m.ulid),
  };
}

// NOW is 2025-11-03T14:00Z: the 8h window [00:00, 08:00) ended 6h ago, [08:00, 16:00) is open.
const W = Math.floor(NOW / (8 * H)) * 8 * H - 8 * H;

describe("compactor (rules/compactor.ts)", () => {
  it("ok: every ended window compacted; the open window and the newest block are no backlog", () => {
    const old = series(W - 8 * H, W);
    const recent = series(W, NOW - H);
    const { report } = judge([...old, compacted(old, W + 3 * H), ...recent]);
    expect(report.compactor).toMatchObject({ status: "ok", lastCompactionAt: new Date(W + 3 * H).toISOString(), haltedOnOverlaps: false });
    // [00:00, 08:00) ended 6h ago: its four blocks are compactable, none waited 12h.
    expect(report.compactor!.backlogBlocks).toBe(4);
    expect(report.compactor!.oldestBacklogSeconds).toBe(6 * 3600);
    expect(report.clusters[0]!.compactedUntil).toBe(new Date(W).toISOString());
    expect(report.compactor!.downsampling).toBeUndefined();
    expect(report.clusters[0]!.streams[0]!.downsampledUntil).toBeUndefined();
  });

  it.each([
    ["too little history", series(NOW - 12 * H, NOW - H), "too-little-history"],
    ["blocks compactable for days and no compactor block", series(NOW - 4 * D, NOW - H), "none-deployed"],
  ])("unknown without a compactor block in the lookback: %s", (_name, blocks, reason) => {
    const { report } = judge(blocks);
    expect(report.compactor).toMatchObject({ status: "unknown", unknownReason: reason, lastCompactionAt: null });
    expect(report.clusters[0]!.compactedUntil).toBeNull();
  });

  it("behind: a compactable block has waited more than --compaction-behind-after while the compactor still runs", () => {
    const late = series(W - 16 * H, W - 8 * H, { cluster_id: "b" });
    const old = series(W - 8 * H, W);
    const blocks = [...late, ...series(W - 8 * H, NOW - H, { cluster_id: "b" }), ...old, compacted(old, NOW - 2 * H), ...series(W, NOW - H)];
    const { report } = judge(blocks);
    expect(report.compactor).toMatchObject({ status: "behind", oldestBacklogBlock: late[0]!.ulid, oldestBacklogSeconds: 22 * 3600 });
    expect(judge(blocks, { policy: { compactionBehindAfterMs: 23 * H } }).report.compactor!.status).toBe("ok");
  });

  it("stalled: no compactor block for --compactor-stall-after while blocks wait; halted on overlaps when there are any", () => {
    const old = series(W - 40 * H, W - 32 * H);
    const blocks = [...old, compacted(old, NOW - 25 * H), ...series(W - 32 * H, NOW - H)];
    expect(judge(blocks).report.compactor).toMatchObject({ status: "stalled", haltedOnOverlaps: false });
    expect(judge(blocks, { policy: { compactorStallAfterMs: 26 * H } }).report.compactor!.status).toBe("behind");
    const twin = block({ labels: one, maxTime: NOW - H, ulidTime: NOW - 30 * 60_000 });
    expect(judge([...blocks, twin]).report.compactor).toMatchObject({ status: "stalled", haltedOnOverlaps: true });
  });

  it("not stalled when nothing waits: a quiet fleet gives the compactor nothing to do; a stream's newest block is never compactable", () => {
    const old = series(W - 40 * H, W - 32 * H);
    // The cluster stopped shipping 32h ago: its last block is the newest of its stream.
    const blocks = [...old, compacted(old.slice(0, -1), NOW - 30 * H)];
    expect(judge(blocks).report.compactor).toMatchObject({ status: "ok", backlogBlocks: 0, oldestBacklogBlock: null });
  });

  it("compactedUntil per cluster: the newest maxTime of its level >= 2 blocks", () => {
    const a = series(W - 16 * H, W);
    const b = series(W - 16 * H, W - 8 * H, { cluster_id: "b" });
    const { report } = judge([...a, compacted(a.slice(0, 4), W + H), compacted(a.slice(4), W + 3 * H), ...b, compacted(b, W + H)]);
    const until = Object.fromEntries(report.clusters.map((c) => [c.cluster, c.compactedUntil]));
    expect(until).toEqual({ a: new Date(W).toISOString(), b: new Date(W - 8 * H).toISOString() });
  });

  it("downsampling, where used: behind when a 2-day raw block waited a day for its 5m copy, ok once it has one", () => {
    const long = (end: number, at: number, over: Partial<ObservedBlock> = {}) => compacted(series(end - 48 * H, end), at, { level: 3, ...over });
    const first = long(W - 3 * D, W - 3 * D + 2 * H);
    const fiveOfFirst = long(W - 3 * D, W - 3 * D + 3 * H, { resolution: 300_000 });
    const second = long(W - D, W - D + 2 * H);
    const recent = series(W, NOW - H);
    const { report } = judge([first, fiveOfFirst, second, ...recent]);
    expect(report.compactor!.downsampling).toEqual({
      status: "behind",
      waitingBlocks: 1,
      oldestWaitingBlock: second.ulid,
      oldestWaitingSeconds: (NOW - (W - D + 2 * H)) / 1000,
    });
    expect(report.compactor!.status).toBe("behind");
    expect(report.clusters[0]!.streams[0]!.downsampledUntil).toBe(new Date(W - 3 * D).toISOString());
    const fiveOfSecond = long(W - D, W - D + 3 * H, { resolution: 300_000 });
    expect(judge([first, fiveOfFirst, second, fiveOfSecond, ...recent]).report.compactor!.downsampling).toMatchObject({ status: "ok", waitingBlocks: 0 });
  });

  it("the same over many runs through a saved state as in one run without state", () => {
    const blocks = series(W - 3 * D, NOW - H);
    const windows: ObservedBlock[] = [];
    for (let w = W - 3 * D; w < W - D; w += 8 * H) windows.push(compacted(blocks.filter((b) => b.minTime >= w && b.maxTime <= w + 8 * H), w + 11 * H));
    const all = [...blocks, ...windows];
    const stateless = judge(all).report;
    expect(stateless.compactor!.status).toBe("stalled");
    let prev;
    let prevT = -Infinity;
    let j = null;
    for (const t of [...Array.from({ length: 16 }, (_, i) => W - 3 * D + (i + 1) * 5 * H), NOW]) {
      j = judge(all.filter((b) => b.ulidTime > prevT && b.ulidTime <= t), { prev, now: t });
      prev = parseState(serializeState(j.state));
      prevT = t;
    }
    expect(j!.report.compactor).toEqual(stateless.compactor);
    expect(j!.report.clusters.map((c) => c.compactedUntil)).toEqual(stateless.clusters.map((c) => c.compactedUntil));
  });
});
