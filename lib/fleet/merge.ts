import { validatePolicy, type Policy, type Thresholds } from "../policy/policy";
import { decommissionOf, type FleetConfig } from "./fleet-config";

/**
 * The policy a run judges with: the deployment's (params or CLI flags) merged with the fleet config.
 *
 * - Expected clusters: the union of both, minus the clusters decommissioned by `now`, wherever
 *   they were listed (a decommissioned name left in a deploy param must not page as `missing`).
 * - Per-cluster thresholds: the fleet config wins, setting by setting: it is the one edited
 *   between deploys, and a param is the starting point of a small fleet. Each conflict is listed.
 * - Global thresholds, cluster label, lookback, reminders: the deployment's alone.
 *
 * Throws when a merged cluster's thresholds cannot work (stall before late).
 */
export function mergeFleetPolicy(base: Policy, fleet: FleetConfig, now: number): { policy: Policy; conflicts: string[] } {
  const conflicts: string[] = [];
  const clusters: Record<string, Partial<Thresholds>> = Object.create(null);
  for (const [name, t] of Object.entries(base.clusters)) clusters[name] = { ...t };
  for (const [name, t] of Object.entries(fleet.clusters)) {
    const before = clusters[name];
    if (before) {
      for (const k of ["lateAfterMs", "stallAfterMs"] as const) {
        if (before[k] !== undefined && t[k] !== undefined && before[k] !== t[k]) conflicts.push(`${name}.${k === "lateAfterMs" ? "lateAfter" : "stallAfter"}`);
      }
    }
    clusters[name] = { ...before, ...t };
  }
  const gone = (c: string) => decommissionOf(fleet, c, now) !== null;
  const expectedClusters = [...new Set([...base.expectedClusters, ...fleet.expectedClusters])].filter((c) => !gone(c));
  const policy: Policy = { ...base, clusters, expectedClusters };
  validatePolicy(policy);
  return { policy, conflicts };
}
