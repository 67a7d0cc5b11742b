import { formatDuration, parseDuration } from "../domain/duration";
import type { Policy, Thresholds } from "../policy/policy";

/** Which bucket layouts a run reads. `auto` reads both: a layout that is absent costs one LIST. */
export type SourceMode = "thanos" | "federated-etl" | "auto";
export const SOURCE_MODES: readonly SourceMode[] = ["thanos", "federated-etl", "auto"];

export function parseSourceMode(value: string, name: string): SourceMode {
  if ((SOURCE_MODES as readonly string[]).includes(value)) return value as SourceMode;
  throw new Error(`${name} must be one of ${SOURCE_MODES.join(", ")} (got ${JSON.stringify(value.slice(0, 40))})`);
}

/** The Federated ETL source's own thresholds: its files arrive on another cadence than Thanos blocks. */
export interface EtlPolicy {
  defaults: Thresholds;
  clusters: Readonly<Record<string, Partial<Thresholds>>>;
}

/**
 * Defaults, on the staler of a cluster's newest allocations and assets 1h file end:
 * - a federated cluster uploads its ETL files after it has built them (kubecost/docs
 *   federated-etl.md), and the newest hours are expected to be empty while they are built, so a
 *   healthy newest `<end>` is the current or last hour, sometimes a few hours back;
 * - the Aggregator ingests every ten minutes, but "new data may not be available for as much as
 *   multiple hours in extremely high-scale deployment" (same page): 3h of lag is worth showing
 *   (late), 6h is not a slow build any more (stalled: a quarter day of costs missing from the view).
 */
export const DEFAULT_ETL_POLICY: EtlPolicy = {
  defaults: { lateAfterMs: parseDuration("3h"), stallAfterMs: parseDuration("6h") },
  clusters: {},
};

export function etlPolicyOf(policy: Policy): EtlPolicy {
  return policy.etl ?? DEFAULT_ETL_POLICY;
}

export function etlThresholdsFor(policy: EtlPolicy, cluster: string): Thresholds {
  const own = Object.prototype.hasOwnProperty.call(policy.clusters, cluster) ? policy.clusters[cluster] : undefined;
  return { ...policy.defaults, ...own };
}

/** Like validatePolicy: stall-after must be at least late-after, for the defaults and every cluster. */
export function validateEtlPolicy(policy: EtlPolicy): void {
  for (const name of ["", ...Object.keys(policy.clusters)]) {
    const t = name ? etlThresholdsFor(policy, name) : policy.defaults;
    if (!(t.lateAfterMs > 0 && t.stallAfterMs >= t.lateAfterMs)) {
      const who = name ? `cluster ${JSON.stringify(name)}: ` : "";
      throw new Error(
        `${who}Federated ETL late-after ${formatDuration(t.lateAfterMs)} is above stall-after ${formatDuration(t.stallAfterMs)}: stall-after must be at least late-after (raise it too)`,
      );
    }
  }
}
