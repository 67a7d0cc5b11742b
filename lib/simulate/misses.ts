/**
 * Rule misses the simulator found, each tied to the targeted scenario that reproduces it. The
 * report prints a miss only while its scenario still fails, so a fixed rule drops out of
 * docs/alert-quality.md on the next `npm run simulate`, and a new failure shows as unexplained.
 */
export interface KnownMiss {
  title: string;
  /** Targeted scenarios (lib/simulate/scenarios.ts) that fail because of it. */
  scenarios: string[];
  evidence: string;
  rootCause: string;
  fix: string;
}

export const KNOWN_MISSES: KnownMiss[] = [
  {
    title: "A cluster down for longer than the lookback is forgotten while down",
    scenarios: ["outage-beyond-lookback", "revived-by-compactor"],
    evidence:
      "Standard run, seed 1: `dev-us-east-1-74` had no route to S3 for 9 days (2025-11-11 21:18 → 11-20 23:37). Paged 11-12, reminded daily " +
      "until 11-18, then silence; its data was fresh again 11-21 00:03, and instead of a recovery subscribers got \"new cluster " +
      "dev-us-east-1-74\" (rate 2h). At rate(30m) and rate(10m) a compactor block of its freshly shipped backlog (new ULID, old data) brought it " +
      "back at 11-20 23:47, 16 minutes before its fresh block: \"new cluster\" and a second page. Scenario `revived-by-compactor`: a " +
      "cluster decommissioned while the compactor was halted is paged again, as new, nine days later when the compactor catches up.",
    rootCause:
      "`evaluate` drops a stream once its newest ULID leaves the lookback (as a run without state would not see it), so the cluster " +
      "leaves the report; `decideAlerts` then drops it from the ledger \"silently, even if it was down\" (lib/alerts/decide.ts). " +
      "Nothing remembers that subscribers were told it is down: its return is \"new\" with no recovery, and a return through " +
      "compactor blocks of old data (stalled, not in the ledger) is a fresh page.",
    fix:
      "lib/alerts/decide.ts: keep a down cluster that is absent from the report in the ledger, silently — `const inReport = new " +
      "Set(report.clusters.map((v) => v.cluster)); for (const c of ledger?.clusters ?? []) if (c.down && !inReport.has(c.cluster)) " +
      "clusters.push(c);` before the findings. Its return is then a recovery (\"was stalled since …\"), a revival is still down (no " +
      "page, not new). Checked on a copy of the engine: both scenarios pass, and the standard run has no missed recovery left; two " +
      "cases of test/alerts.test.ts state the old behaviour and change with it. Optionally bound it (forget after 30 days) and say " +
      "once that reminders stop when the cluster leaves the lookback.",
  },
  {
    title: "A healthy cluster is paged right after a duplicate's blocks are deleted",
    scenarios: ["duplicate-cleanup"],
    evidence:
      "Standard run, seed 2, rate(30m): the duplicate on `cluster-one` (I06) was renamed and its 32 blocks marked for deletion at " +
      "2025-11-08 07:52:56. The run at 08:17 judged `cluster-one` stalled, newest block `01K96T6Q2M…` — a 5m downsampled compactor " +
      "block ending 11-04 00:00, lag 104h — while the first cluster's own block `01K9H48E…` (data to 11-08 06:00, shipped 07:00:39) " +
      "was in the bucket. Recovered at 09:17 after its next upload. It happens when the duplicate cut its newest block seconds after " +
      "the first cluster (one seed in three of `duplicate-cleanup`), at any schedule with a run before the next upload.",
    rootCause:
      "`evaluate` keeps a stream's freshness as a Pareto set of top blocks per resolution (newer ULID against fresher maxTime). Two " +
      "servers on one label set cut blocks of the same window; the one cut later (here the duplicate's) dominates the other, which " +
      "is dropped. When the duplicate's blocks are deleted (\"findings follow deletions\") its tops are forgotten, but the fallback " +
      "to the remembered level-1 ranges runs only when no top at all is left; the downsampled top survived, so the stream had no raw " +
      "top and was judged by its 4-day-old downsampled block.",
    fix:
      "lib/health/evaluate.ts, where previous streams are carried over: when any top was forgotten, rebuild the tops from the " +
      "survivors and the remembered ranges — `const kept = s.tops.filter((t) => keep(t[0])); const tops = kept.length === " +
      "s.tops.length ? kept : paretoTops([...kept, ...ranges.map((r): TopBlock => [r[0], r[2], 0, null])]);` (replacing the " +
      "`tops.length === 0` fallback). Checked on a copy of the engine: the scenario passes at 10m and the health and incremental " +
      "tests still pass.",
  },
  {
    title: "A duplicate cluster_id with a different label set is never announced",
    scenarios: ["duplicate-after-label-change"],
    evidence:
      "Standard run, seed 4: `cluster-one` added the label team=\"platform\" (I12, 2025-11-09); two new clusters were later " +
      "installed with the chart's default `{cluster_id=\"cluster-one\"}` (I29 on 11-20, I45 on 11-28). No notice at any schedule, " +
      "though Kubecost mixes both clusters' costs under one id for days.",
    rootCause:
      "Overlaps are looked for within one label set only (DOMAIN.md §4: that is what halts the compactor). Servers sharing a " +
      "cluster_id with different label sets never overlap by that rule; the cluster simply has two fresh streams, like an HA pair.",
    fix:
      "lib/health: a second finding, \"shared cluster label\": two streams of one cluster whose level-1 ranges overlap in time and " +
      "whose label sets differ by more than a replica label (a policy list, default `prometheus_replica`, `replica`: what Thanos " +
      "deduplicates on). An HA pair differs only by its replica label; a label added ends the old stream before the new one starts, " +
      "so neither is reported. Announced once per cluster, like overlaps. Not prototyped.",
  },
];

/**
 * Seen in a standard run, not pinned by a targeted scenario (too rare to reproduce cheaply): printed
 * with the seed and schedule that show it, to be checked again by hand.
 */
export const OBSERVATIONS: { title: string; text: string }[] = [
  {
    title: "A backlog catch-up can flap at short schedules (late counts as recovered)",
    text:
      "Standard run, seed 4 (`npm run blockwatch -- simulate --seed 4 --schedule 10m`): `dev-us-east-1-50` had no route to S3 for " +
      "6 days (I13, ended 2025-11-15 22:48). Shipping its backlog oldest first brought the lag under 4h at 23:29:48 (data to 20:00), " +
      "so the run at 23:37 announced a recovery (late counts as recovered); the next block took 39 minutes to upload, the lag passed " +
      "4h again at 00:00, the run at 00:07 paged again and the one at 00:17 announced a second recovery. At rate(30m) and rate(2h) the " +
      "same outage gives one page and one recovery. The engine applies the rule correctly; the rule has no hysteresis. Proposed " +
      "(lib/alerts/decide.ts): a cluster subscribers were told is down is announced recovered only once it is `ok` (lag ≤ late-after); " +
      "`late` keeps it down silently. It costs at most late-after minus the block cadence of recovery latency and removes the flap.",
  },
];
