// The compactor notices over the fleet replay: the real scheduled run against the simulated Thanos
// compactor, which halts on overlapping blocks until an operator cleans them up.
import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../lib/policy/policy";
import { scoreCompactor } from "../lib/simulate/compactor-score";
import { HOUR } from "../lib/simulate/model";
import { TARGETED } from "../lib/simulate/scenarios";
import { simulate } from "../lib/simulate/simulate";

const scenario = (name: string) => TARGETED.find((t) => t.name === name)!.scenario;

describe("compactor incidents in the fleet replay", () => {
  it("halted by an overlap for 10 days: warned once within the threshold plus one run, one recovery once it compacts again", async () => {
    const sim = await simulate({ scenario: scenario("revived-by-compactor"), schedules: [2 * HOUR], policy: DEFAULT_POLICY, bucket: "memory" });
    const halts = sim.timeline.compactorHalts;
    expect(halts.length).toBeGreaterThan(0);
    const score = scoreCompactor(sim.timeline, sim.results[0]!.replay.published, DEFAULT_POLICY, 2 * HOUR);
    expect(score.deviations).toEqual([]);
    const long = score.incidents.find((i) => i.end === null || i.end - i.start > 5 * 24 * HOUR)!;
    expect(long.warnedAt).not.toBeNull();
    expect(long.warnedAt!).toBeLessThanOrEqual(long.deadline);
    if (long.end !== null && long.end < sim.timeline.to - 24 * HOUR) expect(long.recoveries).toBe(1);
  }, 120_000);

  it("no compactor warning while it keeps up", async () => {
    const sim = await simulate({ scenario: scenario("stalls"), schedules: [2 * HOUR], policy: DEFAULT_POLICY, bucket: "memory" });
    expect(sim.timeline.compactorHalts).toEqual([]);
    const score = scoreCompactor(sim.timeline, sim.results[0]!.replay.published, DEFAULT_POLICY, 2 * HOUR);
    expect(score.falseWarnings).toEqual([]);
    expect(sim.results[0]!.replay.published.some((n) => n.compactor !== undefined)).toBe(false);
  }, 120_000);

  it.each([["compactor-down"], ["compactor-slow"]])("%s", async (name) => {
    const sim = await simulate({ scenario: scenario(name), schedules: [2 * HOUR], policy: DEFAULT_POLICY, bucket: "memory" });
    const score = scoreCompactor(sim.timeline, sim.results[0]!.replay.published, DEFAULT_POLICY, 2 * HOUR);
    expect(score.deviations).toEqual([]);
    if (name === "compactor-down") {
      expect(sim.timeline.compactorHalts).toHaveLength(1);
      expect(score.incidents[0]).toMatchObject({ recoveries: 1 });
      expect(score.incidents[0]!.warnedAt).not.toBeNull();
    } else {
      expect(sim.timeline.compactorHalts).toEqual([]);
      expect(sim.results[0]!.replay.published.some((n) => n.compactor !== undefined)).toBe(false);
    }
  }, 120_000);
});
