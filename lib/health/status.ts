import type { Thresholds } from "../policy/policy";

export type ClusterStatus = "ok" | "late" | "stalled" | "missing";

/** Worst first: the order of the table and of alerts. */
export const STATUS_ORDER: readonly ClusterStatus[] = ["missing", "stalled", "late", "ok"];

/** DOMAIN.md section 4: ok <= lateAfter < late <= stallAfter < stalled. */
export function statusForLag(lagMs: number, t: Thresholds): Exclude<ClusterStatus, "missing"> {
  if (lagMs > t.stallAfterMs) return "stalled";
  if (lagMs > t.lateAfterMs) return "late";
  return "ok";
}

export function isDown(status: ClusterStatus): boolean {
  return status === "stalled" || status === "missing";
}
