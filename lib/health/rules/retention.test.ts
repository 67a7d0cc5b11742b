import { describe, expect, it } from "vitest";
import { makeUlid } from "../../demo/bucket-objects";
import type { RetentionReading } from "../../state/lifecycle-state";
import { parseState, serializeState } from "../../state/state";
import { H, NOW, judge, random } from "../../../test/support/health";

const D = 24 * H;
const reading = (over: Partial<RetentionReading> = {}): RetentionReading => ({
  checkedAt: NOW,
  retentionMs: 30 * D,
  // ULIDs 29 and 35 days old; the second holds data 40 days old (compacted late).
  oldest: [
    [makeUlid(NOW - 35 * D, random), NOW - 40 * D, "a"],
    [makeUlid(NOW - 29 * D, random), NOW - 30 * D, "b"],
  ],
  overdueByUlid: 1,
  ...over,
});

describe("retention (rules/retention.ts)", () => {
  it("overdue: blocks holding data older than retention + 2 days", () => {
    const r = reading();
    const { report } = judge([], { policy: { retentionMs: 30 * D }, extra: { retention: r } });
    // The first block's ULID already proved it overdue in the listing; the second is within 32 days.
    expect(report.retention).toEqual({
      expected: "30d",
      oldestMaxTime: new Date(NOW - 40 * D).toISOString(),
      overdueBlocks: 1,
      oldestByCluster: [
        { cluster: "a", oldestMaxTime: new Date(NOW - 40 * D).toISOString() },
        { cluster: "b", oldestMaxTime: new Date(NOW - 30 * D).toISOString() },
      ],
    });
    // A block whose data is old although its ULID is young counts too.
    const young = reading({ oldest: [[makeUlid(NOW - 3 * D, random), NOW - 40 * D, "a"]], overdueByUlid: 0 });
    expect(judge([], { policy: { retentionMs: 30 * D }, extra: { retention: young } }).report.retention!.overdueBlocks).toBe(1);
    expect(judge([], { policy: { retentionMs: 60 * D }, extra: { retention: reading({ overdueByUlid: 0 }) } }).report.retention!.overdueBlocks).toBe(0);
  });

  it("without --retention: the oldest data per cluster only", () => {
    const { report } = judge([], { extra: { retention: reading({ retentionMs: null, overdueByUlid: 0 }) } });
    expect(report.retention).toMatchObject({ expected: null, overdueBlocks: null });
    expect(report.retention!.oldestByCluster.map((c) => c.cluster)).toEqual(["a", "b"]);
  });

  it("no reading yet: null; a reading is kept in state and reported by the runs of the day after it", () => {
    expect(judge([]).report.retention).toBeNull();
    const first = judge([], { policy: { retentionMs: 30 * D }, extra: { retention: reading() } });
    const prev = parseState(serializeState(first.state));
    const later = judge([], { prev, now: NOW + 2 * H, policy: { retentionMs: 30 * D } });
    expect(later.report.retention).toEqual(first.report.retention);
    // An older state without the lifecycle key still parses.
    const { lifecycle: _l, ...older } = first.state;
    expect(parseState(JSON.stringify(older)).lifecycle).toEqual({ lastCompaction: null, retention: null });
  });
});
