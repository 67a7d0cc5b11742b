// Silences, decommissions and the fleet config: pure decisions with `now` as input, run after run.
import { describe, expect, it } from "vitest";
import type { Ledger } from "../lib/alerts/ledger";
import { severityOf } from "../lib/alerts/notification";
import { applyFleetToReport, decideFleetAlerts, type FleetProblem } from "../lib/alerts/silences";
import { EMPTY_FLEET, FleetConfigError, parseFleetConfig, type FleetConfig } from "../lib/fleet/fleet-config";
import { mergeFleetPolicy } from "../lib/fleet/merge";
import type { ClusterStatus } from "../lib/health/status";
import { DEFAULT_POLICY } from "../lib/policy/policy";
import { report, verdict } from "./support/reports";

const H = 3_600_000;
const T0 = Date.parse("2026-03-01T00:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();
const policy = { remindEveryMs: 24 * H };

function fleet(yaml: string): FleetConfig {
  return parseFleetConfig(yaml, "test/fleet.yaml");
}

/** Status of each cluster at each run (hours after T0); undefined: absent from the report. */
type Step = [hours: number, statuses: Record<string, ClusterStatus | undefined>];

/**
 * Plays runs in order, every publish succeeding, and says what each run announced:
 * "down:a", "reminder:a", "recovered:a", "decommissioned:a", "fleet-config", or "" for nothing.
 */
function play(steps: Step[], config: FleetConfig, opts: { problem?: (h: number) => FleetProblem | null; ledger?: Ledger | null } = {}): string[] {
  let ledger: Ledger | null = opts.ledger === undefined ? { clusters: [], findings: [], bucketFailure: null } : opts.ledger;
  const out: string[] = [];
  for (const [hours, statuses] of steps) {
    const now = T0 + hours * H;
    const clusters = Object.entries(statuses)
      .filter(([, s]) => s !== undefined)
      .map(([name, status]) => verdict(name, { status: status!, since: iso(T0), dataLagSeconds: status === "missing" ? null : 3600 }));
    const r = applyFleetToReport(report(clusters, { now: iso(now) }), config, now);
    const d = decideFleetAlerts(ledger, r, now, policy, config, opts.problem?.(hours) ?? null);
    const n = d.notification;
    const said = n
      ? [
          ...n.down.map((v) => `down:${v.cluster}`),
          ...n.reminders.map((v) => `reminder:${v.cluster}`),
          ...n.recovered.map((x) => `recovered:${x.verdict.cluster}`),
          ...(n.decommissioned ?? []).map((x) => `decommissioned:${x.cluster}`),
          ...(n.fleetConfig ? ["fleet-config"] : []),
        ]
      : [];
    out.push(said.join(" "));
    ledger = d.ledgerAfterPublish;
  }
  return out;
}

describe("silences", () => {
  // Silence of `a` from hour 2 to hour 10 (until is exclusive).
  const silenced = fleet(`silences:\n  - cluster: a\n    from: ${iso(T0 + 2 * H)}\n    until: ${iso(T0 + 10 * H)}\n    reason: node pool upgrade\n`);

  it.each<[string, Step[], string[]]>([
    [
      "down during the silence and still down at its end: one page, when it ends",
      [[0, { a: "ok" }], [4, { a: "stalled" }], [6, { a: "stalled" }], [9.99, { a: "stalled" }], [10, { a: "stalled" }], [12, { a: "stalled" }]],
      ["", "", "", "", "down:a", ""],
    ],
    [
      "down and recovered within the silence: nothing, then or after",
      [[0, { a: "ok" }], [4, { a: "stalled" }], [8, { a: "ok" }], [10, { a: "ok" }], [12, { a: "ok" }]],
      ["", "", "", "", ""],
    ],
    [
      "announced before the silence, recovered during it: the recovery is not announced",
      [[0, { a: "stalled" }], [4, { a: "stalled" }], [8, { a: "ok" }], [11, { a: "ok" }]],
      ["down:a", "", "", ""],
    ],
    [
      "a silence that has not started yet: pages as usual",
      [[0, { a: "ok" }], [1, { a: "stalled" }], [3, { a: "stalled" }]],
      ["", "down:a", ""],
    ],
    [
      "another cluster is not silenced",
      [[0, { a: "ok", b: "ok" }], [4, { a: "stalled", b: "stalled" }], [8, { a: "ok", b: "ok" }]],
      ["", "down:b", "recovered:b"],
    ],
    [
      "late at the silence's end is not down: nothing until it stalls",
      [[0, { a: "ok" }], [4, { a: "stalled" }], [10, { a: "late" }], [12, { a: "stalled" }]],
      ["", "", "", "down:a"],
    ],
  ])("%s", (_name, steps, expected) => {
    expect(play(steps, silenced)).toEqual(expected);
  });

  it("announced before, down throughout a long silence: no reminder during it, one when it ends", () => {
    const long = fleet(`silences:\n  - {cluster: a, from: ${iso(T0 + 2 * H)}, until: ${iso(T0 + 30 * H)}}\n`);
    expect(play([[0, { a: "stalled" }], [3, { a: "stalled" }], [25, { a: "stalled" }], [29.9, { a: "stalled" }], [30, { a: "stalled" }], [32, { a: "stalled" }], [54, { a: "stalled" }]], long)).toEqual([
      "down:a",
      "",
      "",
      "",
      "reminder:a",
      "",
      "reminder:a",
    ]);
  });

  // Reminders are 24h apart: a silence shorter than what is left of the period adds no page.
  it("a short silence over an outage already announced: the next reminder comes on schedule", () => {
    const short = fleet(`silences:\n  - {cluster: a, from: ${iso(T0 + 2 * H)}, until: ${iso(T0 + 4 * H)}}\n`);
    expect(play([[0, { a: "stalled" }], [3, { a: "stalled" }], [5, { a: "stalled" }], [24, { a: "stalled" }]], short)).toEqual(["down:a", "", "", "reminder:a"]);
  });

  it("the first run (no ledger): a silenced cluster already down is not announced, and is once the silence ends", () => {
    expect(play([[4, { a: "stalled" }], [10, { a: "stalled" }]], silenced, { ledger: null })).toEqual(["", "down:a"]);
  });

  it("a silenced cluster is still judged and counted, and marked with its end and reason", () => {
    const r = applyFleetToReport(report([verdict("a", { status: "stalled" }), verdict("b")]), silenced, T0 + 3 * H);
    expect(r.clusters.map((c) => [c.cluster, c.status, c.silenced])).toEqual([
      ["a", "stalled", { until: iso(T0 + 10 * H), reason: "node pool upgrade" }],
      ["b", "ok", undefined],
    ]);
    expect(applyFleetToReport(report([verdict("a")]), silenced, T0 + 10 * H).clusters[0]!.silenced).toBeUndefined();
  });

  it("findings about a silenced cluster are still announced (warnings, not pages)", () => {
    const r = applyFleetToReport(
      report([verdict("a", { status: "stalled" })], { overlaps: [{ cluster: "a", labels: { cluster_id: "a" }, blocks: ["B1", "B2"] }] }),
      silenced,
      T0 + 3 * H,
    );
    const d = decideFleetAlerts({ clusters: [{ cluster: "a", down: null }], findings: [], bucketFailure: null }, r, T0 + 3 * H, policy, silenced);
    expect(d.notification?.down).toEqual([]);
    expect(d.notification?.overlaps).toHaveLength(1);
    expect(severityOf(d.notification!)).toBe("warning");
  });
});

describe("decommission", () => {
  const gone = fleet(`decommissioned:\n  - {cluster: a, at: ${iso(T0 + 5 * H)}, reason: migrated to eu-2}\n`);

  it("one info notice, then nothing: no reminder, no recovery, out of the report", () => {
    expect(
      play([[0, { a: "stalled", b: "ok" }], [5, { a: "stalled", b: "ok" }], [30, { a: "stalled", b: "ok" }], [40, { a: "ok", b: "ok" }], [60, { b: "ok" }]], gone),
    ).toEqual(["down:a", "decommissioned:a", "", "", ""]);
    const r = applyFleetToReport(report([verdict("a", { status: "stalled" }), verdict("b")], { newClusters: ["a"] }), gone, T0 + 5 * H);
    expect(r.clusters.map((c) => c.cluster)).toEqual(["b"]);
    expect(r.newClusters).toEqual([]);
    expect(r.decommissioned).toEqual([{ cluster: "a", at: iso(T0 + 5 * H) }]);
  });

  it("the notice is info and names the cluster; the ledger forgets the cluster", () => {
    const r = applyFleetToReport(report([verdict("a", { status: "stalled" })]), gone, T0 + 6 * H);
    const ledger: Ledger = { clusters: [{ cluster: "a", down: { status: "stalled", since: iso(T0), notifiedAt: T0 } }], findings: [], bucketFailure: null };
    const d = decideFleetAlerts(ledger, r, T0 + 6 * H, policy, gone);
    expect(severityOf(d.notification!)).toBe("info");
    expect(d.notification!.decommissioned).toEqual([{ cluster: "a", at: iso(T0 + 5 * H), reason: "migrated to eu-2" }]);
    expect(d.ledgerAfterPublish!.clusters).toEqual([]);
    expect(d.ledgerAfterPublish!.decommissioned).toEqual(["a"]);
  });

  it("before its time it is judged as usual; a state rebuilt from scratch does not announce it again", () => {
    expect(play([[0, { a: "stalled" }]], gone)).toEqual(["down:a"]);
    expect(play([[6, { a: "stalled" }], [7, { a: "stalled" }]], gone, { ledger: null })).toEqual(["", ""]);
  });

  it("leaves the expected clusters, from the object and from the deployment params alike", () => {
    const config = fleet(`expectedClusters: [a, c]\ndecommissioned:\n  - {cluster: a, at: ${iso(T0)}}\n  - {cluster: b, at: ${iso(T0)}}\n`);
    const { policy: merged } = mergeFleetPolicy({ ...DEFAULT_POLICY, expectedClusters: ["b", "d"] }, config, T0);
    expect([...merged.expectedClusters].sort()).toEqual(["c", "d"]);
  });
});

describe("a fleet config that cannot be used", () => {
  const problem = (reason: string): FleetProblem => ({ object: "s3://state/state/fleet.yaml", reason });

  it("a warning on first sight, again every remindEvery and when the reason changes; none once fixed", () => {
    const reasons: Record<number, string | null> = { 0: "silences[0].until: bad", 2: "silences[0].until: bad", 24: "silences[0].until: bad", 25: "expectedClusters[3]: bad", 26: null, 27: "x" };
    const steps: Step[] = [0, 2, 24, 25, 26, 27].map((h) => [h, { a: "ok" }]);
    expect(play(steps, EMPTY_FLEET, { problem: (h) => (reasons[h] ? problem(reasons[h]!) : null) })).toEqual([
      "fleet-config",
      "",
      "fleet-config",
      "fleet-config",
      "",
      "fleet-config",
    ]);
  });

  it("is a warning naming the object, beside whatever the run judged", () => {
    const r = report([verdict("a", { status: "stalled" })]);
    const d = decideFleetAlerts({ clusters: [], findings: [], bucketFailure: null }, r, T0, policy, EMPTY_FLEET, problem("clusters.b.stallAfter: bad"));
    expect(d.notification!.fleetConfig).toEqual({ object: "s3://state/state/fleet.yaml", reason: "clusters.b.stallAfter: bad" });
    expect(d.notification!.down.map((v) => v.cluster)).toEqual(["a"]);
    expect(severityOf(d.notification!)).toBe("critical");
  });
});

describe("the fleet config object", () => {
  it("reads expected clusters, thresholds, silences and decommissions", () => {
    const f = fleet(
      [
        "# 200 clusters do not fit in 4 KB of Lambda environment",
        "expectedClusters: [prod-1, prod-2, prod-1]",
        "clusters:",
        "  dev-1: {stallAfter: 12h}",
        "  batch: {lateAfter: 6h, stallAfter: 8h}",
        "silences:",
        "  - {cluster: prod-2, until: 2026-03-02T00:00:00Z, reason: upgrade}",
        "decommissioned:",
        "  - {cluster: old-1, at: 2026-02-01T00:00:00Z}",
      ].join("\n"),
    );
    expect(f.expectedClusters).toEqual(["prod-1", "prod-2"]);
    expect({ ...f.clusters }).toEqual({ "dev-1": { stallAfterMs: 12 * H }, batch: { lateAfterMs: 6 * H, stallAfterMs: 8 * H } });
    expect(f.silences).toEqual([{ cluster: "prod-2", from: null, until: Date.parse("2026-03-02T00:00:00Z"), reason: "upgrade" }]);
    expect(f.decommissioned).toEqual([{ cluster: "old-1", at: Date.parse("2026-02-01T00:00:00Z"), reason: null }]);
    expect(parseFleetConfig("", "x")).toEqual(EMPTY_FLEET);
  });

  it.each([
    ["silences:\n  - {cluster: a, until: tomorrow}\n", /^fleet config test\/fleet.yaml: silences\[0\]\.until: not an ISO 8601 time: "tomorrow"/],
    ["silence:\n  - {cluster: a, until: 2026-03-02T00:00:00Z}\n", /^fleet config test\/fleet.yaml: \(top level\): unknown key "silence"/],
    ["clusters:\n  dev-1: {stallAfter: 12 hours}\n", /clusters\.dev-1\.stallAfter: invalid duration "12 hours"/],
    ["clusters:\n  dev-1: {stall-after: 12h}\n", /clusters\.dev-1: unknown key "stall-after"/],
    ["expectedClusters: [a, '']\n", /expectedClusters\[1\]: a cluster name must not be empty/],
    ["expectedClusters: a,b\n", /expectedClusters: /],
    ["expectedClusters: [a\n", /not valid YAML/],
    ["expectedClusters: [a]\nexpectedClusters: [b]\n", /not valid YAML/],
    ["silences:\n  - {cluster: a, from: 2026-03-03T00:00:00Z, until: 2026-03-02T00:00:00Z}\n", /silences\[0\]: from is not before until/],
    ["- a\n- b\n", /must be a mapping/],
  ])("refuses %j, naming the object and the field", (yaml, message) => {
    expect(() => fleet(yaml)).toThrow(FleetConfigError);
    expect(() => fleet(yaml)).toThrow(message);
  });

  it("merges with the deployment: expected clusters unite, the object's thresholds win setting by setting", () => {
    const base = { ...DEFAULT_POLICY, expectedClusters: ["a"], clusters: { x: { lateAfterMs: H, stallAfterMs: 2 * H }, y: { stallAfterMs: 5 * H } } };
    const { policy: merged, conflicts } = mergeFleetPolicy(base, fleet("expectedClusters: [b, a]\nclusters:\n  x: {stallAfter: 3h}\n  z: {stallAfter: 9h}\n"), T0);
    expect(merged.expectedClusters).toEqual(["a", "b"]);
    expect({ ...merged.clusters }).toEqual({ x: { lateAfterMs: H, stallAfterMs: 3 * H }, y: { stallAfterMs: 5 * H }, z: { stallAfterMs: 9 * H } });
    expect(conflicts).toEqual(["x.stallAfter"]);
    expect(() => mergeFleetPolicy(base, fleet("clusters:\n  x: {stallAfter: 30m}\n"), T0)).toThrow(/cluster "x": late-after 1h is above stall-after 30m/);
  });

  it("a cluster called __proto__ keeps its thresholds", () => {
    const f = fleet("clusters:\n  __proto__: {stallAfter: 9h}\n");
    expect(Object.keys(f.clusters)).toEqual(["__proto__"]);
  });
});
