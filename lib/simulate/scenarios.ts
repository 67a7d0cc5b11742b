import { DAY, HOUR, MINUTE } from "./model";
import { standardScenario, type PlannedIncident, type ScenarioOptions } from "./fleet";

/** A small fleet with incidents placed by hand, and what the monitor must do about them. */
export interface TargetedScenario {
  name: string;
  /** What it checks, for people. */
  checks: string;
  scenario: ScenarioOptions;
  /** The schedule that exposes what it checks (default rate 2h). */
  scheduleMs?: number;
}

const fleet = (planned: PlannedIncident[], days: number, extra: Partial<ScenarioOptions> = {}): ScenarioOptions =>
  standardScenario({ clusters: 5, days, historyDays: 3, haShare: 0.4, seed: 7, planned, ...extra });

/**
 * The regression set: fast enough for `npm test`, each aimed at one rule. Cluster indexes refer to
 * the initial fleet (0 is `cluster-one`, the chart's default cluster_id).
 */
export const TARGETED: TargetedScenario[] = [
  {
    name: "stalls",
    checks: "sidecar down, IAM and KMS failures mid-upload, a decommission: each paged within a sweep of the crossing, recovered once; the IAM partial block announced",
    scenario: fleet(
      [
        { kind: "sidecar-down", cluster: 1, at: 12 * HOUR, durationMs: 9 * HOUR },
        { kind: "upload-denied", cluster: 2, at: 30 * HOUR, durationMs: 10 * HOUR, variant: "iam" },
        { kind: "upload-denied", cluster: 3, at: 50 * HOUR, durationMs: 8 * HOUR, variant: "kms" },
        { kind: "decommissioned", cluster: 4, at: 60 * HOUR, durationMs: 0 },
      ],
      4,
    ),
  },
  {
    name: "quiet",
    checks: "a Prometheus restart, a label added, one HA replica down, a new cluster: no page, one new-cluster notice",
    scenario: fleet(
      [
        { kind: "prometheus-restart", cluster: 1, at: 20 * HOUR, durationMs: 45 * MINUTE },
        { kind: "label-added", cluster: 2, at: 26 * HOUR, durationMs: 0 },
        { kind: "replica-down", cluster: 3, at: 30 * HOUR, durationMs: 20 * HOUR },
        { kind: "new-cluster", cluster: 0, at: 40 * HOUR, durationMs: 0 },
      ],
      3,
      // Cluster 3 is an HA pair with this seed: replica-down needs one.
      { haShare: 1 },
    ),
  },
  {
    name: "duplicate-cluster-id",
    checks: "a second cluster on the default cluster_id, then one copying another's: overlap notices within a sweep of the first duplicate upload, no page",
    scenario: fleet(
      [
        { kind: "duplicate-cluster-id", cluster: 0, at: 12 * HOUR, durationMs: DAY },
        { kind: "duplicate-cluster-id", cluster: 2, at: 60 * HOUR, durationMs: DAY },
      ],
      5,
    ),
  },
  {
    name: "repeat-collision",
    checks: "two clusters installed on the default cluster_id four days apart: both announced",
    scenario: fleet(
      [
        { kind: "duplicate-cluster-id", cluster: 0, at: 12 * HOUR, durationMs: DAY },
        { kind: "duplicate-cluster-id", cluster: 0, at: 5 * DAY, durationMs: DAY },
      ],
      8,
    ),
  },
  {
    name: "duplicate-cleanup",
    checks: "the duplicate's blocks deleted after the rename, the first cluster healthy throughout: no page in the half hour before its next upload",
    // Seed 1: the duplicate cut its newest block seconds after the first cluster (one case in three).
    scenario: fleet([{ kind: "duplicate-cluster-id", cluster: 0, at: 36 * HOUR, durationMs: 26 * HOUR }], 4, { historyDays: 6, seed: 1 }),
    scheduleMs: 10 * MINUTE,
  },
  {
    name: "duplicate-after-label-change",
    checks: "cluster-one added a label, then a new cluster is installed with the chart's default cluster_id: the duplicate is announced",
    scenario: fleet(
      [
        { kind: "label-added", cluster: 0, at: 6 * HOUR, durationMs: 0 },
        { kind: "duplicate-cluster-id", cluster: 0, at: 2 * DAY, durationMs: DAY },
      ],
      4,
    ),
  },
  {
    name: "data-gaps",
    checks:
      "a restart across a block boundary that lost 45 minutes, an outage its backlog filled, one longer than Prometheus's retention: a data-lost warning, \"no data lost\" and \"data missing\" recoveries",
    scenario: fleet(
      [
        { kind: "prometheus-restart", cluster: 1, at: 20 * HOUR, durationMs: 45 * MINUTE },
        { kind: "sidecar-down", cluster: 2, at: 30 * HOUR, durationMs: 9 * HOUR },
        { kind: "long-outage", cluster: 3, at: 12 * HOUR, durationMs: 5 * DAY },
      ],
      8,
      { haShare: 0 },
    ),
  },
  {
    name: "outage-beyond-lookback",
    checks: "a sidecar without a route to S3 for 9 days (longer than the 7-day lookback): paged once, one recovery when it ships again",
    scenario: fleet([{ kind: "long-outage", cluster: 1, at: 12 * HOUR, durationMs: 9 * DAY }], 11),
  },
  {
    name: "revived-by-compactor",
    checks: "a cluster decommissioned while the compactor is halted for 10 days: paged once, never again when the compactor catches up on its blocks",
    scenario: fleet(
      [
        { kind: "duplicate-cluster-id", cluster: 0, at: 12 * HOUR, durationMs: 12 * HOUR, cleanupAfterMs: 10 * DAY },
        { kind: "decommissioned", cluster: 2, at: 2 * DAY, durationMs: 0 },
      ],
      14,
    ),
  },
  {
    name: "compactor-down",
    checks: "the compactor not running for 2 days: one warning within stall-after plus a window and one run, one recovery when it compacts again",
    scenario: fleet([], 5, { compactorDown: [[DAY, 3 * DAY]] }),
  },
  {
    name: "compactor-slow",
    checks: "a compactor that runs every 20 hours: behind on the dashboard, never a warning",
    scenario: fleet([], 4, { compactorIntervalMs: 20 * HOUR }),
  },
];
