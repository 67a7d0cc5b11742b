import { describe, expect, it } from "vitest";
import { H, NOW, block, judge } from "./support/health";

// The engine around the rules (evaluate.ts): what is carried, forgotten and never mutated.
// Each rule's own table tests are beside it in lib/health/rules/.
describe("state", () => {
  it("a stream is forgotten once its newest block leaves the lookback", () => {
    const first = judge([block({ maxTime: NOW - 3 * H })]);
    expect(Object.keys(first.state.streams)).toHaveLength(1);
    const later = judge([], { prev: first.state, now: NOW + 7 * 24 * H });
    expect(later.state.streams).toEqual({});
    expect(later.report.clusters).toEqual([]);
  });

  it("the stalled status keeps its since across runs", () => {
    const first = judge([block({ maxTime: NOW - 5 * H })]);
    const second = judge([], { prev: first.state, now: NOW + 2 * H });
    expect(second.report.clusters[0]!.since).toBe(first.report.clusters[0]!.since);
    expect(first.report.clusters[0]!.since).toBe(new Date(NOW - 5 * H + 4 * H).toISOString());
  });

  it("does not change the previous state (pure)", () => {
    const first = judge([block({ maxTime: NOW - 3 * H })]);
    const snapshot = JSON.stringify(first.state);
    judge([block({ maxTime: NOW - H })], { prev: first.state });
    expect(JSON.stringify(first.state)).toBe(snapshot);
  });
});
