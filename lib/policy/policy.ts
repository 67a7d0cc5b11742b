import { formatDuration, parseDuration } from "../domain/duration";

export interface Thresholds {
  /** Data lag above which a cluster is `late` (dashboard only). */
  lateAfterMs: number;
  /** Data lag above which a cluster is `stalled` (alert). */
  stallAfterMs: number;
}

/** Everything a judgement depends on besides the bucket, the previous state and `now`. */
export interface Policy {
  clusterLabel: string;
  defaults: Thresholds;
  /** Per-cluster overrides of the thresholds. */
  clusters: Readonly<Record<string, Partial<Thresholds>>>;
  /** Clusters that must have blocks: absent ones are `missing`. */
  expectedClusters: readonly string[];
  /** A run without state looks at blocks whose ULID time is within this window. */
  lookbackMs: number;
  /** A prefix without meta.json older than this is a partial (aborted) upload. */
  partialAfterMs: number;
  /**
   * Level-1 block ranges kept in state to detect overlaps with later uploads. Two Prometheus
   * servers sharing a label set both ship every 2h, so their newest blocks overlap within hours;
   * 8h keeps ~4 ranges a stream (26h kept 13: 70% of the state at 10,000 clusters).
   */
  overlapMemoryMs: number;
  /** Reminder period while a cluster stays stalled or missing. */
  remindEveryMs: number;
  /** Thresholds of the Kubecost 2.x Federated ETL source (lib/federated/policy.ts); absent: its defaults. */
  etl?: { defaults: Thresholds; clusters: Readonly<Record<string, Partial<Thresholds>>> };
  /** A compactable level-1 block waiting longer than this: the compactor is `behind` (dashboard only). */
  compactionBehindAfterMs: number;
  /** No new compactor block for this long while compactable blocks wait: the compactor is `stalled`. */
  compactorStallAfterMs: number;
  /** The raw retention the compactor is meant to apply (--retention.resolution-raw); null: not checked. */
  retentionMs: number | null;
  /**
   * Labels that tell HA replicas apart (queriers deduplicate on them): streams of one cluster that
   * differ only in these are replicas of one source; streams differing in another label are two sources.
   */
  replicaLabels: readonly string[];
  /** A hole in a stream's data longer than this is a gap (data lost); shorter ones are scrape jitter and restarts. */
  gapToleranceMs: number;
}

/** The names Thanos deployments commonly deduplicate on (`--deduplication.replica-label`). */
export const DEFAULT_REPLICA_LABELS: readonly string[] = ["prometheus_replica", "replica", "rule_replica"];

/** Replica labels from a comma-separated list (the Lambda environment and the deploy param). */
export function parseReplicaLabels(text: string): string[] {
  const names = text.split(",").map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(n)) throw new Error(`replica label "${n}" is not a Prometheus label name (letters, digits, _)`);
  }
  return names;
}

export const DEFAULT_POLICY: Policy = {
  clusterLabel: "cluster_id",
  defaults: { lateAfterMs: parseDuration("3h30m"), stallAfterMs: parseDuration("4h") },
  clusters: {},
  expectedClusters: [],
  lookbackMs: parseDuration("7d"),
  partialAfterMs: parseDuration("2h"),
  overlapMemoryMs: parseDuration("8h"),
  remindEveryMs: parseDuration("24h"),
  compactionBehindAfterMs: parseDuration("12h"),
  // The Thanos mixin's ThanosCompactHasNotRun threshold.
  compactorStallAfterMs: parseDuration("24h"),
  retentionMs: null,
  replicaLabels: DEFAULT_REPLICA_LABELS,
  gapToleranceMs: parseDuration("15m"),
};

export function thresholdsFor(policy: Policy, cluster: string): Thresholds {
  const own = Object.prototype.hasOwnProperty.call(policy.clusters, cluster) ? policy.clusters[cluster] : undefined;
  return { ...policy.defaults, ...own };
}

/**
 * Parses per-cluster overrides: `name:late-after=1h,stall-after=2h;other:stall-after=12h`.
 * One syntax for the CLI flag (repeatable) and the Lambda environment.
 */
export function parseClusterOverrides(specs: readonly string[]): Record<string, Partial<Thresholds>> {
  const out: Record<string, Partial<Thresholds>> = Object.create(null);
  for (const spec of specs.flatMap((s) => s.split(";")).map((s) => s.trim()).filter(Boolean)) {
    const colon = spec.lastIndexOf(":");
    if (colon <= 0) throw new Error(`invalid cluster override "${spec}": expected NAME:late-after=DUR,stall-after=DUR`);
    const name = spec.slice(0, colon);
    const t: Partial<Thresholds> = {};
    for (const kv of spec.slice(colon + 1).split(",")) {
      const [key, value] = kv.split("=").map((s) => s.trim());
      if (key === "late-after" && value) t.lateAfterMs = parseDuration(value);
      else if (key === "stall-after" && value) t.stallAfterMs = parseDuration(value);
      else throw new Error(`invalid cluster override "${spec}": unknown setting "${kv}" (late-after or stall-after)`);
    }
    out[name] = { ...out[name], ...t };
  }
  return out;
}

/**
 * Refuses settings that cannot work together; the CLI (lib/cli/policy-flags.ts), the Lambda
 * (lib/monitor/config.ts) and packaging (deploy/config.cjs) refuse the same ones.
 * - stall-after below late-after: a cluster would go stalled before late.
 * - a lookback shorter than a stall-after: a stalled cluster's newest block leaves the window
 *   before its lag reaches the threshold, so it would be forgotten instead of paged.
 * - remind-every below 0 (0 means no reminders: lib/alerts/decide.ts).
 */
export function validatePolicy(policy: Policy): void {
  for (const name of ["", ...Object.keys(policy.clusters)]) {
    const t = name ? thresholdsFor(policy, name) : policy.defaults;
    const who = name ? `cluster ${JSON.stringify(name)}: ` : "";
    if (!(t.lateAfterMs > 0 && t.stallAfterMs >= t.lateAfterMs)) {
      throw new Error(
        `${who}late-after ${formatDuration(t.lateAfterMs)} is above stall-after ${formatDuration(t.stallAfterMs)}: stall-after must be at least late-after (raise it too)`,
      );
    }
    if (policy.lookbackMs < t.stallAfterMs) {
      throw new Error(
        `${who}lookback ${formatDuration(policy.lookbackMs)} is shorter than stall-after ${formatDuration(t.stallAfterMs)}: a stalled cluster's blocks would leave the lookback window before it is judged stalled; give a lookback of at least ${formatDuration(t.stallAfterMs)} (default ${formatDuration(DEFAULT_POLICY.lookbackMs)})`,
      );
    }
  }
  if (!(policy.remindEveryMs >= 0)) throw new Error(`remind-every must be a duration (0 for no reminders), got ${policy.remindEveryMs} ms`);
}
