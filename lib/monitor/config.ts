import { z } from "zod";
import { parseDuration } from "../domain/duration";
import { boardKeyBeside, fleetKeyBeside } from "../fleet/location";
import { validateEtlPolicy, type SourceMode } from "../federated/policy";
import { DEFAULT_POLICY, parseClusterOverrides, parseReplicaLabels, validatePolicy, type Policy } from "../policy/policy";

/** What the scheduled Lambda is told through its environment (serverless.yml sets every key). */
export interface MonitorConfig {
  thanosBucket: string;
  thanosPrefix: string;
  thanosRegion: string | undefined;
  stateBucket: string;
  stateKey: string;
  /** The fleet config object in the state bucket (expected clusters, thresholds, silences). */
  fleetConfigKey: string;
  /** The board the run draws for the dashboard widget, beside the state (state/board.html). */
  boardKey: string;
  alertTopicArn: string;
  metricNamespace: string;
  perClusterMetrics: boolean;
  policy: Policy;
  concurrency: number;
  /** Which layouts to read: Thanos blocks, Kubecost 2.x Federated ETL, or both (auto). */
  source: SourceMode;
}

const duration = (name: string, fallback: string) =>
  z.string().default(fallback).transform((v, ctx) => {
    try {
      return parseDuration(v);
    } catch (err) {
      ctx.addIssue({ code: "custom", message: `${name}: ${(err as Error).message}` });
      return z.NEVER;
    }
  });
const list = z
  .string()
  .default("")
  .transform((v) => v.split(",").map((s) => s.trim()).filter(Boolean));
const nonEmpty = z.string().trim().min(1);

const Env = z.object({
  THANOS_BUCKET: nonEmpty,
  THANOS_PREFIX: z.string().default("").transform((p) => p.replace(/^\/+|\/+$/g, "")),
  THANOS_REGION: z.string().optional().transform((r) => r || undefined),
  STATE_BUCKET: nonEmpty,
  STATE_KEY: nonEmpty.default("state/blockwatch.json"),
  FLEET_CONFIG_KEY: nonEmpty.optional(),
  BOARD_KEY: nonEmpty.optional(),
  ALERT_TOPIC_ARN: z.string().regex(/^arn:aws[a-z-]*:sns:/, "must be an SNS topic ARN"),
  METRIC_NAMESPACE: nonEmpty.default("Blockwatch"),
  PER_CLUSTER_METRICS: z.enum(["true", "false"]).default("false").transform((v) => v === "true"),
  CLUSTER_LABEL: nonEmpty.default("cluster_id"),
  EXPECTED_CLUSTERS: list,
  LATE_AFTER: duration("LATE_AFTER", "3h30m"),
  STALL_AFTER: duration("STALL_AFTER", "4h"),
  REMIND_EVERY: duration("REMIND_EVERY", "24h"),
  LOOKBACK: duration("LOOKBACK", "7d"),
  CLUSTER_OVERRIDES: z.string().default(""),
  COMPACTION_BEHIND_AFTER: duration("COMPACTION_BEHIND_AFTER", "12h"),
  COMPACTOR_STALL_AFTER: duration("COMPACTOR_STALL_AFTER", "24h"),
  RETENTION: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return null;
      try {
        const ms = parseDuration(v);
        if (ms > 0) return ms;
        throw new Error("must be above 0 (e.g. 1825d)");
      } catch (err) {
        ctx.addIssue({ code: "custom", message: `RETENTION: ${(err as Error).message}` });
        return z.NEVER;
      }
    }),
  GAP_TOLERANCE: duration("GAP_TOLERANCE", "15m"),
  REPLICA_LABELS: z
    .string()
    .default(DEFAULT_POLICY.replicaLabels.join(","))
    .transform((v, ctx) => {
      try {
        return parseReplicaLabels(v);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: (err as Error).message });
        return z.NEVER;
      }
    }),
  CONCURRENCY: z.coerce.number().int().min(1).max(256).default(32),
  SOURCE: z.enum(["thanos", "federated-etl", "auto"]).default("auto"),
  ETL_LATE_AFTER: duration("ETL_LATE_AFTER", "3h"),
  ETL_STALL_AFTER: duration("ETL_STALL_AFTER", "6h"),
  ETL_CLUSTER_OVERRIDES: z.string().default(""),
});

/** Validated once at cold start; a bad deployment fails loudly with the variable's name. */
export function configFromEnv(env: Record<string, string | undefined>): MonitorConfig {
  // serverless.yml passes empty strings for unset optional params: treat them as absent.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = Env.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = issue.path.join(".");
    throw new Error(`configuration: ${name} ${issue.code === "invalid_type" && !(name in present) ? "is required" : issue.message}`);
  }
  const e = parsed.data;
  const policy: Policy = {
    ...DEFAULT_POLICY,
    clusterLabel: e.CLUSTER_LABEL,
    defaults: { lateAfterMs: e.LATE_AFTER, stallAfterMs: e.STALL_AFTER },
    clusters: parseClusterOverrides([e.CLUSTER_OVERRIDES]),
    expectedClusters: e.EXPECTED_CLUSTERS,
    lookbackMs: e.LOOKBACK,
    remindEveryMs: e.REMIND_EVERY,
    etl: { defaults: { lateAfterMs: e.ETL_LATE_AFTER, stallAfterMs: e.ETL_STALL_AFTER }, clusters: parseClusterOverrides([e.ETL_CLUSTER_OVERRIDES]) },
    compactionBehindAfterMs: e.COMPACTION_BEHIND_AFTER,
    compactorStallAfterMs: e.COMPACTOR_STALL_AFTER,
    retentionMs: e.RETENTION,
    replicaLabels: e.REPLICA_LABELS,
    gapToleranceMs: e.GAP_TOLERANCE,
  };
  try {
    validatePolicy(policy);
    validateEtlPolicy(policy.etl!);
  } catch (err) {
    throw new Error(`configuration: ${(err as Error).message}`);
  }
  return {
    thanosBucket: e.THANOS_BUCKET,
    thanosPrefix: e.THANOS_PREFIX,
    thanosRegion: e.THANOS_REGION,
    stateBucket: e.STATE_BUCKET,
    stateKey: e.STATE_KEY,
    fleetConfigKey: e.FLEET_CONFIG_KEY ?? fleetKeyBeside(e.STATE_KEY),
    boardKey: e.BOARD_KEY ?? boardKeyBeside(e.STATE_KEY),
    alertTopicArn: e.ALERT_TOPIC_ARN,
    metricNamespace: e.METRIC_NAMESPACE,
    perClusterMetrics: e.PER_CLUSTER_METRICS,
    policy,
    concurrency: e.CONCURRENCY,
    source: e.SOURCE,
  };
}
