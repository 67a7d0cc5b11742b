import { parseDuration } from "../domain/duration";
import { DEFAULT_ETL_POLICY, validateEtlPolicy } from "../federated/policy";
import { DEFAULT_POLICY, parseClusterOverrides, parseReplicaLabels, validatePolicy, type Policy } from "../policy/policy";
import { printable } from "./terminal";
import { UsageError } from "./usage-error";

/** The policy flags shared by every command that judges clusters (parseArgs option specs). */
export const POLICY_OPTIONS = {
  "expected-clusters": { type: "string" },
  "cluster-label": { type: "string" },
  "late-after": { type: "string" },
  "stall-after": { type: "string" },
  "cluster-threshold": { type: "string", multiple: true },
  "remind-every": { type: "string" },
  lookback: { type: "string" },
  "etl-late-after": { type: "string" },
  "etl-stall-after": { type: "string" },
  "etl-cluster-threshold": { type: "string", multiple: true },
  "compaction-behind-after": { type: "string" },
  "compactor-stall-after": { type: "string" },
  retention: { type: "string" },
  "replica-label": { type: "string", multiple: true },
  "gap-tolerance": { type: "string" },
} as const;

export const POLICY_USAGE = `  --expected-clusters a,b,c     clusters that must have blocks (missing otherwise)
  --cluster-label NAME          external label naming the cluster (default cluster_id)
  --late-after DUR              data lag above which a cluster is late (default 3h30m)
  --stall-after DUR             data lag above which a cluster is stalled (default 4h)
  --cluster-threshold SPEC      per cluster: NAME:late-after=DUR,stall-after=DUR (repeatable)
  --remind-every DUR            reminder period while a cluster stays down (default 24h; 0: none)
  --lookback DUR                window of a run without state (default 7d)
  --etl-late-after DUR          Federated ETL: lag of the staler of allocations/assets 1h files above
                                which a cluster is late (default 3h)
  --etl-stall-after DUR         Federated ETL: ... stalled (default 6h)
  --etl-cluster-threshold SPEC  Federated ETL per cluster: NAME:late-after=DUR,stall-after=DUR (repeatable)
  --compaction-behind-after DUR compactor behind when a compactable block waited longer (default 12h)
  --compactor-stall-after DUR   compactor stalled after this without a compactor block (default 24h)
  --retention DUR               raw retention the compactor should apply (e.g. 1825d): checked daily
  --replica-label NAME          label telling HA replicas apart (repeatable; default
                                prometheus_replica, replica, rule_replica)
  --gap-tolerance DUR           a hole in a stream's data longer than this is a gap (default 15m)`;

export function buildPolicy(values: Record<string, string | boolean | string[] | undefined>): Policy {
  const str = (k: string) => values[k] as string | undefined;
  const dur = (k: string, fallback: number) => {
    const v = str(k);
    if (v === undefined) return fallback;
    try {
      return parseDuration(v);
    } catch (err) {
      throw new UsageError(`--${k}: ${(err as Error).message}`);
    }
  };
  let clusters;
  try {
    clusters = parseClusterOverrides((values["cluster-threshold"] as string[] | undefined) ?? []);
  } catch (err) {
    throw new UsageError(`--cluster-threshold: ${(err as Error).message}`);
  }
  let etlClusters;
  try {
    etlClusters = parseClusterOverrides((values["etl-cluster-threshold"] as string[] | undefined) ?? []);
  } catch (err) {
    throw new UsageError(`--etl-cluster-threshold: ${(err as Error).message}`);
  }
  let replicaLabels: readonly string[] = DEFAULT_POLICY.replicaLabels;
  const replicas = values["replica-label"] as string[] | undefined;
  if (replicas !== undefined) {
    try {
      replicaLabels = parseReplicaLabels(replicas.join(","));
    } catch (err) {
      throw new UsageError(`--replica-label: ${(err as Error).message}`);
    }
  }
  const policy: Policy = {
    ...DEFAULT_POLICY,
    clusterLabel: str("cluster-label") ?? DEFAULT_POLICY.clusterLabel,
    defaults: {
      lateAfterMs: dur("late-after", DEFAULT_POLICY.defaults.lateAfterMs),
      stallAfterMs: dur("stall-after", DEFAULT_POLICY.defaults.stallAfterMs),
    },
    clusters,
    expectedClusters: (str("expected-clusters") ?? "").split(",").map((s) => s.trim()).filter(Boolean),
    lookbackMs: dur("lookback", DEFAULT_POLICY.lookbackMs),
    remindEveryMs: dur("remind-every", DEFAULT_POLICY.remindEveryMs),
    etl: {
      defaults: {
        lateAfterMs: dur("etl-late-after", DEFAULT_ETL_POLICY.defaults.lateAfterMs),
        stallAfterMs: dur("etl-stall-after", DEFAULT_ETL_POLICY.defaults.stallAfterMs),
      },
      clusters: etlClusters,
    },
    compactionBehindAfterMs: dur("compaction-behind-after", DEFAULT_POLICY.compactionBehindAfterMs),
    compactorStallAfterMs: dur("compactor-stall-after", DEFAULT_POLICY.compactorStallAfterMs),
    retentionMs: str("retention") === undefined ? null : dur("retention", 0),
    replicaLabels,
    gapToleranceMs: dur("gap-tolerance", DEFAULT_POLICY.gapToleranceMs),
  };
  if (policy.retentionMs !== null && policy.retentionMs <= 0) throw new UsageError("--retention must be above 0 (e.g. 1825d)");
  if (policy.clusterLabel === "") throw new UsageError("--cluster-label must not be empty");
  if (policy.replicaLabels.includes(policy.clusterLabel)) {
    throw new UsageError(`--replica-label ${policy.clusterLabel} is the cluster label: a replica label tells replicas of one cluster apart`);
  }
  try {
    validatePolicy(policy);
    validateEtlPolicy(policy.etl!);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return policy;
}

/**
 * A `--cluster-threshold` for a cluster the run never saw (no block, not expected) is most likely
 * a typo that leaves the intended cluster on the defaults: said on stderr after the run, not an
 * error, since a cluster may simply not have uploaded yet.
 */
export function warnUnknownThresholds(policy: Policy, seen: Iterable<string>): void {
  const known = new Set([...seen, ...policy.expectedClusters]);
  const unknown = Object.keys(policy.clusters).filter((name) => !known.has(name));
  if (unknown.length === 0) return;
  const names = unknown.map((n) => `"${printable(n, 60)}"`).join(", ");
  process.stderr.write(
    `blockwatch: warning: --cluster-threshold names ${unknown.length === 1 ? "a cluster" : "clusters"} with no block in the bucket and not expected: ${names}; check the spelling (names are case-sensitive)\n`,
  );
}
