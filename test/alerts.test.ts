import { describe, expect, it } from "vitest";
import { decideAlerts, decideBucketFailure, findingKey } from "../lib/alerts/decide";
import { LedgerSchema, type Ledger } from "../lib/alerts/ledger";
import { severityOf, soleCluster, type Notification } from "../lib/alerts/notification";
import type { ClusterVerdict, Report } from "../lib/health/report";
import type { ClusterStatus } from "../lib/health/status";
import { emptyState, parseState, serializeState } from "../lib/state/state";

const H = 3_600_000;
const T0 = Date.parse("2025-06-01T12:00:00Z");
const policy = { remindEveryMs: 24 * H };
const iso = (ms: number) => new Date(ms).toISOString();

function verdict(cluster: string, status: ClusterStatus, at = T0): ClusterVerdict {
  const lagH = { ok: 1, late: 3.75, stalled: 9, missing: 0 }[status];
  const has = status !== "missing";
  return {
    cluster,
    status,
    dataLagSeconds: has ? lagH * 3600 : null,
    newestMaxTime: has ? iso(at - lagH * H) : null,
    lastUploadAt: has ? iso(at - lagH * H + 30 * 60_000) : null,
    newestBlock: has ? "01JX0000000000000000000000" : null,
    since: iso(at - 5 * H),
    blocksUploaded: 0,
    bytesUploaded: 0,
    streams: has ? [{ labels: { cluster_id: cluster }, status, dataLagSeconds: lagH * 3600 }] : [],
  };
}

function report(clusters: ClusterVerdict[], extra: Partial<Report> = {}): Report {
  return {
    now: iso(T0),
    complete: true,
    clusters,
    partialBlocks: [],
    corruptBlocks: [],
    unlabeledBlocks: [],
    overlaps: [],
    newClusters: [],
    stats: { prefixesListed: 0, metaRead: 0, listRequests: 0, getRequests: 0, durationMs: 0 },
    ...extra,
  };
}

/** The ledger after a successful first run on healthy clusters a and b. */
const baseline = (): Ledger => decideAlerts(null, report([verdict("a", "ok"), verdict("b", "ok")]), T0, policy).ledgerAfterPublish!;

/** What a notification says, in short, for table rows. */
function summary(n: Notification | null): string[] {
  if (n === null) return [];
  return [
    ...n.down.map((v) => `${v.status}:${v.cluster}`),
    ...n.reminders.map((v) => `reminder:${v.cluster}`),
    ...n.overlaps.map((o) => `overlap:${o.cluster}`),
    ...n.corruptBlocks.map((c) => `corrupt:${c.block}`),
    ...n.partialBlocks.map((p) => `partial:${p.block}`),
    ...n.unlabeled.map((u) => `unlabeled:${u.blocks.length}`),
    ...n.recovered.map((r) => `recovered:${r.verdict.cluster}<-${r.was}`),
    ...n.newClusters.map((v) => `new:${v.cluster}`),
  ];
}

/** Runs reports in turn, each published successfully unless marked as failed. */
function runs(start: Ledger | null, steps: { at: number; report: Report; publishFails?: boolean }[]): string[][] {
  let ledger = start;
  return steps.map(({ at, report: r, publishFails }) => {
    const d = decideAlerts(ledger, r, at, policy);
    if (!(d.notification !== null && publishFails)) ledger = d.ledgerAfterPublish;
    return summary(d.notification);
  });
}

const ok = report([verdict("a", "ok"), verdict("b", "ok")]);
const aStalled = report([verdict("a", "stalled"), verdict("b", "ok")]);
const aLate = report([verdict("a", "late"), verdict("b", "ok")]);
const overlap = { cluster: "cluster-one", labels: { cluster_id: "cluster-one" }, blocks: ["01A", "01B"] };

describe("decideAlerts: transitions against the ledger", () => {
  const table: { name: string; steps: { at: number; report: Report; publishFails?: boolean }[]; expected: string[][] }[] = [
    { name: "stall alerts", steps: [{ at: T0, report: aStalled }], expected: [["stalled:a"]] },
    {
      name: "the same stall next run says nothing",
      steps: [{ at: T0, report: aStalled }, { at: T0 + 2 * H, report: aStalled }],
      expected: [["stalled:a"], []],
    },
    {
      name: "a reminder every remindEvery while down, not in between",
      steps: [
        { at: T0, report: aStalled },
        { at: T0 + 23 * H, report: aStalled },
        { at: T0 + 24 * H, report: aStalled },
        { at: T0 + 26 * H, report: aStalled },
        { at: T0 + 48 * H, report: aStalled },
      ],
      expected: [["stalled:a"], [], ["reminder:a"], [], ["reminder:a"]],
    },
    {
      name: "recovery is announced once",
      steps: [{ at: T0, report: aStalled }, { at: T0 + 2 * H, report: ok }, { at: T0 + 4 * H, report: ok }],
      expected: [["stalled:a"], ["recovered:a<-stalled"], []],
    },
    {
      name: "late after stalled is not a recovery yet (a backlog catching up); ok is",
      steps: [{ at: T0, report: aStalled }, { at: T0 + 2 * H, report: aLate }, { at: T0 + 4 * H, report: ok }],
      expected: [["stalled:a"], [], ["recovered:a<-stalled"]],
    },
    {
      name: "stalled -> late -> stalled is one outage: no second page, no recovery in between",
      steps: [{ at: T0, report: aStalled }, { at: T0 + H, report: aLate }, { at: T0 + 2 * H, report: aStalled }, { at: T0 + 3 * H, report: ok }],
      expected: [["stalled:a"], [], [], ["recovered:a<-stalled"]],
    },
    {
      name: "ok -> late -> ok is silent",
      steps: [{ at: T0, report: aLate }, { at: T0 + 2 * H, report: ok }],
      expected: [[], []],
    },
    {
      name: "an expected cluster without blocks is missing (and not new)",
      steps: [{ at: T0, report: report([verdict("a", "ok"), verdict("b", "ok"), verdict("expected", "missing")]) }],
      expected: [["missing:expected"]],
    },
    {
      name: "stalled turning missing is still the same outage",
      steps: [
        { at: T0, report: aStalled },
        { at: T0 + 2 * H, report: report([verdict("a", "missing"), verdict("b", "ok")]) },
        { at: T0 + 4 * H, report: ok },
      ],
      expected: [["stalled:a"], [], ["recovered:a<-missing"]],
    },
    {
      name: "an overlap is announced on first sight only, per label set",
      steps: [
        { at: T0, report: report(ok.clusters, { overlaps: [overlap] }) },
        { at: T0 + 2 * H, report: report(ok.clusters, { overlaps: [{ ...overlap, blocks: ["01A", "01B", "01C"] }] }) },
        {
          at: T0 + 4 * H,
          report: report(ok.clusters, {
            overlaps: [overlap, { cluster: "cluster-one", labels: { cluster_id: "cluster-one", replica: "1" }, blocks: ["01D", "01E"] }],
          }),
        },
      ],
      expected: [["overlap:cluster-one"], [], ["overlap:cluster-one"]],
    },
    {
      name: "a finding that went away and came back is announced again",
      steps: [
        { at: T0, report: report(ok.clusters, { overlaps: [overlap] }) },
        { at: T0 + 2 * H, report: ok },
        { at: T0 + 4 * H, report: report(ok.clusters, { overlaps: [overlap] }) },
      ],
      expected: [["overlap:cluster-one"], [], ["overlap:cluster-one"]],
    },
    {
      name: "partial and corrupt blocks once per block",
      steps: [
        { at: T0, report: report(ok.clusters, { partialBlocks: [{ block: "01P", ageSeconds: 3 * 3600 }], corruptBlocks: [{ block: "01C", reason: "meta.json is not JSON" }] }) },
        { at: T0 + 2 * H, report: report(ok.clusters, { partialBlocks: [{ block: "01P", ageSeconds: 5 * 3600 }, { block: "01Q", ageSeconds: 7300 }], corruptBlocks: [{ block: "01C", reason: "meta.json is not JSON" }] }) },
      ],
      expected: [["corrupt:01C", "partial:01P"], ["partial:01Q"]],
    },
    {
      name: "unlabeled blocks once per label set, not per block",
      steps: [
        { at: T0, report: report(ok.clusters, { unlabeledBlocks: ["01U1", "01U2", "01U3"].map((block) => ({ block, labels: { prometheus: "kubecost/p" } })) }) },
        { at: T0 + 2 * H, report: report(ok.clusters, { unlabeledBlocks: ["01U1", "01U2", "01U3", "01U4"].map((block) => ({ block, labels: { prometheus: "kubecost/p" } })) }) },
      ],
      expected: [["unlabeled:3"], []],
    },
    {
      name: "a new cluster is announced once",
      steps: [
        { at: T0, report: report([...ok.clusters, verdict("c", "ok")]) },
        { at: T0 + 2 * H, report: report([...ok.clusters, verdict("c", "ok")]) },
      ],
      expected: [["new:c"], []],
    },
    {
      name: "a new cluster that is already stalled is both new and down",
      steps: [{ at: T0, report: report([...ok.clusters, verdict("c", "stalled")]) }],
      expected: [["stalled:c", "new:c"]],
    },
    {
      name: "nothing changed: no notification",
      steps: [{ at: T0, report: ok }, { at: T0 + 2 * H, report: ok }],
      expected: [[], []],
    },
    {
      name: "a failed publish leaves the ledger behind: the same news is sent again",
      steps: [
        { at: T0, report: aStalled, publishFails: true },
        { at: T0 + 2 * H, report: aStalled, publishFails: true },
        { at: T0 + 4 * H, report: aStalled },
        { at: T0 + 6 * H, report: aStalled },
      ],
      expected: [["stalled:a"], ["stalled:a"], ["stalled:a"], []],
    },
    {
      name: "a failed recovery notice is sent again",
      steps: [
        { at: T0, report: aStalled },
        { at: T0 + 2 * H, report: ok, publishFails: true },
        { at: T0 + 4 * H, report: ok },
        { at: T0 + 6 * H, report: ok },
      ],
      expected: [["stalled:a"], ["recovered:a<-stalled"], ["recovered:a<-stalled"], []],
    },
    {
      name: "an incomplete report decides nothing: neither a stall nor a recovery",
      steps: [
        { at: T0, report: { ...aStalled, complete: false } },
        { at: T0 + 2 * H, report: aStalled },
        { at: T0 + 4 * H, report: { ...ok, complete: false } },
        { at: T0 + 6 * H, report: ok },
      ],
      expected: [[], ["stalled:a"], [], ["recovered:a<-stalled"]],
    },
    {
      name: "a down cluster that left the report (forgotten after the lookback) recovers when it comes back, not new",
      steps: [
        { at: T0, report: aStalled },
        { at: T0 + 2 * H, report: report([verdict("b", "ok")]) },
        { at: T0 + 4 * H, report: aStalled },
        { at: T0 + 6 * H, report: ok },
      ],
      expected: [["stalled:a"], [], [], ["recovered:a<-stalled"]],
    },
    {
      name: "an up cluster that left the report is dropped silently, and is new when it comes back",
      steps: [
        { at: T0, report: ok },
        { at: T0 + 2 * H, report: report([verdict("b", "ok")]) },
        { at: T0 + 4 * H, report: ok },
      ],
      expected: [[], [], ["new:a"]],
    },
    {
      name: "a down cluster absent for 30 days is forgotten: new when it comes back",
      steps: [
        { at: T0, report: aStalled },
        { at: T0 + 2 * H, report: report([verdict("b", "ok")]) },
        { at: T0 + 31 * 24 * H, report: report([verdict("b", "ok")]) },
        { at: T0 + 32 * 24 * H, report: ok },
      ],
      expected: [["stalled:a"], [], [], ["new:a"]],
    },
  ];

  for (const row of table) {
    it(row.name, () => {
      expect(runs(baseline(), row.steps)).toEqual(row.expected);
    });
  }

  it("several changes make one grouped notification, worst first", () => {
    const r = report([verdict("z", "stalled"), verdict("a", "stalled"), verdict("b", "missing"), verdict("c", "ok")], {
      overlaps: [overlap],
    });
    const start: Ledger = { clusters: [{ cluster: "c", down: { status: "stalled", since: iso(T0 - 9 * H), notifiedAt: T0 - H } }, { cluster: "z", down: null }, { cluster: "a", down: null }, { cluster: "b", down: null }], findings: [], bucketFailure: null };
    const d = decideAlerts(start, r, T0, policy);
    expect(summary(d.notification)).toEqual(["missing:b", "stalled:a", "stalled:z", "overlap:cluster-one", "recovered:c<-stalled"]);
    expect(severityOf(d.notification!)).toBe("critical");
    expect(soleCluster(d.notification!)).toBeNull();
  });

  it("severity: info for recoveries and new clusters, warning for findings", () => {
    const info = decideAlerts(baseline(), report([...ok.clusters, verdict("c", "ok")]), T0, policy).notification!;
    expect(severityOf(info)).toBe("info");
    expect(soleCluster(info)).toBe("c");
    const warning = decideAlerts(baseline(), report(ok.clusters, { corruptBlocks: [{ block: "01C", reason: "x" }] }), T0, policy).notification!;
    expect(severityOf(warning)).toBe("warning");
    expect(soleCluster(warning)).toBeNull();
  });

  it("remindEvery 0 disables reminders", () => {
    const first = decideAlerts(baseline(), aStalled, T0, { remindEveryMs: 0 });
    expect(decideAlerts(first.ledgerAfterPublish, aStalled, T0 + 100 * H, { remindEveryMs: 0 }).notification).toBeNull();
  });

  it("ledger changes without news are still returned (to be saved)", () => {
    const withA = decideAlerts(baseline(), aStalled, T0, policy).ledgerAfterPublish!;
    const dropped = decideAlerts(withA, report([verdict("b", "ok")]), T0 + H, policy);
    expect(dropped.notification).toBeNull();
    // a is down and absent: remembered (not new, not re-paged, if it comes back); b stays up.
    expect(dropped.ledgerAfterPublish!.clusters!.map((c) => [c.cluster, c.down?.status ?? "up"])).toEqual([
      ["a", "stalled"],
      ["b", "up"],
    ]);
  });
});

describe("decideAlerts: first run (no ledger)", () => {
  const findings = {
    overlaps: [overlap],
    partialBlocks: [{ block: "01P", ageSeconds: 9000 }],
    unlabeledBlocks: [{ block: "01U", labels: {} }],
    corruptBlocks: [{ block: "01C", reason: "bad" }],
  };

  it("tells in one critical message the clusters already down and every finding already present", () => {
    const r = report([verdict("a", "ok"), verdict("s", "stalled"), verdict("m", "missing")], findings);
    const d = decideAlerts(null, r, T0, policy);
    // Nothing is new or recovered: there is nothing to compare with.
    expect(summary(d.notification)).toEqual(["missing:m", "stalled:s", "overlap:cluster-one", "corrupt:01C", "partial:01P", "unlabeled:1"]);
    expect(severityOf(d.notification!)).toBe("critical");
    const ledger = d.ledgerAfterPublish!;
    expect(ledger.clusters!.map((c) => [c.cluster, c.down?.status ?? "up"])).toEqual([["a", "up"], ["m", "missing"], ["s", "stalled"]]);
    expect(new Set(ledger.findings)).toEqual(
      new Set([findingKey.overlap(overlap.labels), findingKey.partial("01P"), findingKey.unlabeled({}), findingKey.corrupt("01C")]),
    );
    // Next run, same report: nothing new.
    expect(decideAlerts(ledger, r, T0 + 2 * H, policy).notification).toBeNull();
  });

  it("a duplicate cluster_id present at deploy time is announced, as a warning when nothing is down", () => {
    const d = decideAlerts(null, report(ok.clusters, findings), T0, policy);
    expect(summary(d.notification)).toEqual(["overlap:cluster-one", "corrupt:01C", "partial:01P", "unlabeled:1"]);
    expect(severityOf(d.notification!)).toBe("warning");
    expect(d.notification!.newClusters).toEqual([]);
  });

  it("a failed first publish is decided again, findings included", () => {
    const r = report(ok.clusters, { overlaps: [overlap] });
    expect(runs(null, [{ at: T0, report: r, publishFails: true }, { at: T0 + 2 * H, report: r }, { at: T0 + 4 * H, report: r }])).toEqual([
      ["overlap:cluster-one"],
      ["overlap:cluster-one"],
      [],
    ]);
  });

  it("after a bucket failure on a new deployment, the first readable run tells what is wrong, nothing as new", () => {
    const failed = decideBucketFailure(null, { kind: "access-denied", reason: "denied" }, T0, policy).ledgerAfterPublish;
    const d = decideAlerts(failed, report([verdict("a", "stalled"), verdict("b", "ok")], { overlaps: [overlap] }), T0 + 2 * H, policy);
    expect(summary(d.notification)).toEqual(["stalled:a", "overlap:cluster-one"]);
    expect(d.notification!.bucket).toEqual({ state: "readable", unreadableSince: T0 });
  });

  it("all healthy: no notification, a ledger to save", () => {
    const d = decideAlerts(null, ok, T0, policy);
    expect(d.notification).toBeNull();
    expect(d.ledgerAfterPublish).not.toBeNull();
  });

  it("incomplete first run keeps the ledger null", () => {
    expect(decideAlerts(null, { ...aStalled, complete: false }, T0, policy)).toEqual({ notification: null, ledgerAfterPublish: null });
  });
});

describe("reminders keep time: reminder k at page + k x remindEvery, sent by the first run at or after it", () => {
  const S = 1000;
  /** Runs every 2h from `start`, the i-th `jitter(i)` ms off its slot, as EventBridge and Lambda start them. */
  const slots = (start: number, count: number, jitter: (i: number) => number) => Array.from({ length: count }, (_, i) => start + i * 2 * H + jitter(i));
  /** When reminders were sent, as whole hours after the page (runs are seconds off their slot). */
  const reminderTimes = (times: number[], r = aStalled) => {
    const out: string[] = [];
    runs(baseline(), times.map((at) => ({ at, report: r }))).forEach((notice, i) => {
      if (notice.includes("reminder:a")) out.push(`${Math.round((times[i]! - times[0]!) / H)}h`);
    });
    return out;
  };

  const table: { name: string; times: number[]; expected: string[] }[] = [
    {
      // The run 24h later starts 5 s before the due time: the reminder waits one run (26h); the next
      // one is due at 48h again, and a run 2 s after it sends it (the old rule waited for 50h).
      name: "a run seconds early costs one run for that reminder, never a shift of the later ones",
      times: [T0 + 10 * S, T0 + 24 * H + 5 * S, T0 + 26 * H + 5 * S, T0 + 48 * H + 12 * S, T0 + 72 * H + 11 * S],
      expected: ["26h", "48h", "72h"],
    },
    {
      name: "a week down with runs that start up to 30 s either side of their slot: 7 reminders, each on the first run at or after it",
      // Alternating: the run a day after the page starts 20 s before its slot, every other run 20 s after.
      times: slots(T0, 12 * 7 + 2, (i) => (i === 0 ? 0 : i % 12 === 0 ? -20 * S : 20 * S)),
      expected: ["26h", "50h", "74h", "98h", "122h", "146h", "170h"],
    },
    {
      name: "runs late after the page still come back to the anchor",
      times: slots(T0, 12 * 4 + 1, (i) => (i === 0 ? 0 : i % 12 === 0 ? 30 * S : -30 * S)),
      expected: ["24h", "48h", "72h", "96h"],
    },
    {
      // No run for three days: one reminder when runs resume, then the anchor again.
      name: "after a gap in the runs, one reminder, then back on page + k x 24h",
      times: [T0, T0 + 2 * H, T0 + 90 * H, T0 + 92 * H, T0 + 96 * H, T0 + 120 * H],
      expected: ["90h", "96h", "120h"],
    },
  ];
  for (const row of table) {
    it(row.name, () => {
      expect(reminderTimes(row.times)).toEqual(row.expected);
    });
  }

  it("matches page + k x 24h over a week of runs with seeded jitter of up to 30 s", () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 60 - 30;
    const times = slots(T0, 12 * 7 + 1, () => Math.round(rnd() * S));
    const page = times[0]!;
    // Independent of decide.ts: for each k, the first run at or after page + k x 24h.
    const expected = [1, 2, 3, 4, 5, 6, 7].map((k) => times.find((t) => t >= page + k * 24 * H)).filter((t) => t !== undefined);
    expect(reminderTimes(times)).toEqual(expected.map((t) => `${Math.round((t - page) / H)}h`));
  });

  it("keeps the anchor through late and missing: stalled -> late -> stalled -> missing is one outage", () => {
    const steps = [
      { at: T0, report: aStalled },
      { at: T0 + 22 * H, report: aLate },
      { at: T0 + 24 * H + 5 * S, report: aStalled },
      { at: T0 + 48 * H + 5 * S, report: report([verdict("a", "missing"), verdict("b", "ok")]) },
    ];
    expect(runs(baseline(), steps)).toEqual([["stalled:a"], [], ["reminder:a"], ["reminder:a"]]);
  });

  it("a failed reminder publish is sent by the next run, and the one after stays on the anchor", () => {
    const steps = [
      { at: T0, report: aStalled },
      { at: T0 + 24 * H + 5 * S, report: aStalled, publishFails: true },
      { at: T0 + 26 * H + 5 * S, report: aStalled },
      { at: T0 + 48 * H + 5 * S, report: aStalled },
    ];
    expect(runs(baseline(), steps)).toEqual([["stalled:a"], ["reminder:a"], ["reminder:a"], ["reminder:a"]]);
  });

  it("a ledger saved before pages were kept: next reminder 24h after its last notice, then anchored there", () => {
    const saved = JSON.stringify({
      ...emptyState(),
      ledger: { clusters: [{ cluster: "a", down: { status: "stalled", since: iso(T0 - 9 * H), notifiedAt: T0 } }, { cluster: "b", down: null }], findings: [], bucketFailure: null },
    });
    let ledger = parseState(saved).ledger;
    expect(ledger!.clusters![0]!.down).toEqual({ status: "stalled", since: iso(T0 - 9 * H), notifiedAt: T0 });
    const sent: number[] = [];
    for (const at of [T0 + 24 * H - 5 * S, T0 + 26 * H - 5 * S, T0 + 48 * H + 5 * S, T0 + 72 * H + 5 * S]) {
      const d = decideAlerts(ledger, aStalled, at, policy);
      if (d.notification?.reminders.length) sent.push(at);
      ledger = d.ledgerAfterPublish;
    }
    expect(sent).toEqual([T0 + 26 * H - 5 * S, T0 + 48 * H + 5 * S, T0 + 72 * H + 5 * S]);
    expect(ledger!.clusters![0]!.down!.pagedAt).toBe(T0);
  });

  it("bucket-unreadable reminders are anchored on the first notice too", () => {
    const failure = { kind: "timeout", reason: "s3 timed out" };
    let ledger: Ledger | null = baseline();
    const sent: number[] = [];
    for (const at of [T0 + 10 * S, T0 + 24 * H + 5 * S, T0 + 26 * H + 5 * S, T0 + 48 * H + 12 * S, T0 + 72 * H + 11 * S]) {
      const d = decideBucketFailure(ledger, failure, at, policy);
      if (d.notification?.bucket?.state === "unreadable" && d.notification.bucket.reminder) sent.push(at);
      ledger = d.ledgerAfterPublish;
    }
    expect(sent).toEqual([T0 + 26 * H + 5 * S, T0 + 48 * H + 12 * S, T0 + 72 * H + 11 * S]);
  });
});

describe("ledger persistence", () => {
  it("round-trips through the state document, hostile names included", () => {
    const r = report([verdict("__proto__", "stalled"), verdict("constructor", "ok"), verdict("a\nb", "missing")], { overlaps: [overlap] });
    const ledger = decideAlerts(null, r, T0, policy).ledgerAfterPublish!;
    const state = parseState(serializeState({ ...emptyState(), ledger }));
    expect(state.ledger).toEqual(ledger);
    expect(LedgerSchema.parse(JSON.parse(JSON.stringify(ledger)))).toEqual(ledger);
    expect(ledger.clusters!.map((c) => c.cluster)).toContain("__proto__");
    // __proto__ is still known to be down: no repeated alert.
    expect(decideAlerts(state.ledger, r, T0 + H, policy).notification).toBeNull();
  });

  it("refuses a ledger of another shape", () => {
    expect(LedgerSchema.safeParse({ clusters: {}, findings: [] }).success).toBe(false);
  });
});

describe("decideBucketFailure: blockwatch cannot read the bucket", () => {
  const failure = { kind: "access-denied", reason: "access denied to s3://b/: the credentials need s3:ListBucket on arn:aws:s3:::b" };

  it("is announced once, reminded after remindEvery, and its end announced once; cluster notices untouched", () => {
    const start = baseline();
    const first = decideBucketFailure(start, failure, T0 + H, policy);
    expect(first.notification?.bucket).toEqual({ state: "unreadable", kind: "access-denied", reason: failure.reason, since: T0 + H, reminder: false });
    expect(severityOf(first.notification!)).toBe("critical");
    expect(first.ledgerAfterPublish!.clusters).toEqual(start.clusters);
    const again = decideBucketFailure(first.ledgerAfterPublish, failure, T0 + 3 * H, policy);
    expect(again).toEqual({ notification: null, ledgerAfterPublish: first.ledgerAfterPublish });
    const reminder = decideBucketFailure(first.ledgerAfterPublish, failure, T0 + 25 * H, policy);
    expect(reminder.notification?.bucket).toMatchObject({ state: "unreadable", reminder: true, since: T0 + H });
    // The bucket is readable again and nothing else changed: one info notice, nothing re-announced.
    const back = decideAlerts(reminder.ledgerAfterPublish, ok, T0 + 26 * H, policy);
    expect(back.notification).toMatchObject({ down: [], reminders: [], recovered: [], bucket: { state: "readable", unreadableSince: T0 + H } });
    expect(severityOf(back.notification!)).toBe("info");
    expect(back.ledgerAfterPublish!.bucketFailure).toBeNull();
    expect(decideAlerts(back.ledgerAfterPublish, ok, T0 + 28 * H, policy).notification).toBeNull();
  });

  it("on a first deployment, the first readable run still starts the ledger silently", () => {
    const first = decideBucketFailure(null, failure, T0, policy);
    expect(first.notification).not.toBeNull();
    const back = decideAlerts(first.ledgerAfterPublish, report([verdict("a", "ok"), verdict("b", "ok")]), T0 + 2 * H, policy);
    expect(back.notification).toMatchObject({ newClusters: [], bucket: { state: "readable" } });
  });
});
