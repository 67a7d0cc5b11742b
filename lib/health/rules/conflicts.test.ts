import { describe, expect, it } from "vitest";
import { parseState, serializeState } from "../../state/state";
import { H, NOW, block, judge } from "../../../test/support/health";

/** Sidecar blocks of one stream every 2h, data [from, to). */
const series = (labels: Record<string, string>, from: number, to: number) => {
  const out = [];
  for (let t = from; t < to; t += 2 * H) out.push(block({ labels, minTime: t, maxTime: t + 2 * H }));
  return out;
};
const a = { cluster_id: "a" };
const aTeam = { cluster_id: "a", team: "platform" };

describe("two sources under one cluster_id (rules/conflicts.ts)", () => {
  it.each([
    ["a label added: the old stream ends where the new one begins", [series(a, NOW - 48 * H, NOW - 20 * H), series(aTeam, NOW - 20 * H, NOW - 2 * H)], []],
    ["a label renamed (env -> environment)", [series({ ...a, env: "prod" }, NOW - 48 * H, NOW - 20 * H), series({ ...a, environment: "prod" }, NOW - 20 * H, NOW - 2 * H)], []],
    ["an HA pair: streams differing only in a replica label", [series({ ...a, prometheus_replica: "r0" }, NOW - 48 * H, NOW - 2 * H), series({ ...a, prometheus_replica: "r1" }, NOW - 48 * H, NOW - 2 * H)], []],
    ["two clusters in one cluster_id, one added team", [series(a, NOW - 48 * H, NOW - 2 * H), series(aTeam, NOW - 20 * H, NOW - 2 * H)], [{ cluster: "a", streams: [aTeam, a], differingLabels: ["team"] }]],
    [
      "one with env, one with team",
      [series({ ...a, env: "prod" }, NOW - 10 * H, NOW - 2 * H), series(aTeam, NOW - 10 * H, NOW - 2 * H)],
      [{ cluster: "a", streams: [{ ...a, env: "prod" }, aTeam], differingLabels: ["env", "team"] }],
    ],
    ["other clusters are not compared", [series(a, NOW - 10 * H, NOW - 2 * H), series({ cluster_id: "b", team: "x" }, NOW - 10 * H, NOW - 2 * H)], []],
  ])("%s", (_name, streams, expected) => {
    expect(judge(streams.flat()).report.conflicts).toEqual(expected);
  });

  it("an HA pair beside a second source: every stream of both sources, replica labels not named as differing", () => {
    const blocks = [
      ...series({ ...a, prometheus_replica: "r0" }, NOW - 10 * H, NOW - 2 * H),
      ...series({ ...a, prometheus_replica: "r1" }, NOW - 10 * H, NOW - 2 * H),
      ...series({ ...aTeam, replica: "0" }, NOW - 6 * H, NOW - 2 * H),
    ];
    const [c] = judge(blocks).report.conflicts!;
    expect(c!.streams).toHaveLength(3);
    expect(c!.differingLabels).toEqual(["team"]);
  });

  it("replica labels are configurable: with --replica-label pod, streams differing in pod are one source", () => {
    const blocks = [...series({ ...a, pod: "p0" }, NOW - 10 * H, NOW - 2 * H), ...series({ ...a, pod: "p1" }, NOW - 10 * H, NOW - 2 * H)];
    expect(judge(blocks).report.conflicts).toHaveLength(1);
    expect(judge(blocks, { policy: { replicaLabels: ["pod"] } }).report.conflicts).toEqual([]);
  });

  it("a compacted block of the old stream covers no more than its sources: still a label change", () => {
    const old = series(a, NOW - 48 * H, NOW - 20 * H);
    const compacted = block({ labels: a, source: "compactor", level: 2, minTime: NOW - 28 * H, maxTime: NOW - 20 * H, ulidTime: NOW - H });
    expect(judge([...old, compacted, ...series(aTeam, NOW - 20 * H, NOW - 2 * H)]).report.conflicts).toEqual([]);
  });

  it("with state, the same as without: the second source found when its blocks arrive, over several runs", () => {
    const first = series(a, NOW - 48 * H, NOW - 8 * H);
    const later = [...series(a, NOW - 8 * H, NOW - 2 * H), ...series(aTeam, NOW - 8 * H, NOW - 2 * H)];
    const run1 = judge(first, { now: NOW - 7 * H });
    expect(run1.report.conflicts).toEqual([]);
    // Through a saved document, as the scheduled run keeps it.
    const run2 = judge(later, { prev: parseState(serializeState(run1.state)) });
    expect(run2.report.conflicts).toEqual(judge([...first, ...later]).report.conflicts);
    expect(run2.report.conflicts).toHaveLength(1);
  });

  it("a state written before streams kept where their data begins invents no conflict", () => {
    const run1 = judge(series(a, NOW - 48 * H, NOW - 20 * H), { now: NOW - 19 * H });
    const old = JSON.parse(serializeState(run1.state));
    for (const s of Object.values(old.streams) as { dataFrom?: number }[]) delete s.dataFrom;
    const run2 = judge(series(aTeam, NOW - 20 * H, NOW - 2 * H), { prev: parseState(JSON.stringify(old)) });
    expect(run2.report.conflicts).toEqual([]);
  });
});
