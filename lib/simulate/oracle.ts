import { clusterOf, type Labels } from "../domain/labels";
import { statusForLag } from "../health/status";
import type { Thresholds } from "../policy/policy";

/** A cluster's freshness (newest raw maxTime it has shipped) rising to `fresh` at `at`. */
export interface Step {
  at: number;
  fresh: number;
}

/** An upload as the ground truth knows it: when meta.json landed, and what the block covers. */
export interface Upload {
  at: number;
  maxTime: number;
  labels: Labels;
}

/**
 * Freshness steps per cluster from every level-1 upload, independent of the engine: a cluster's
 * freshness at t is the newest maxTime over blocks whose upload finished by t (compactor blocks
 * never end later than their sources, so they cannot raise it).
 */
export function freshnessSteps(uploads: readonly Upload[], clusterLabel: string): Map<string, Step[]> {
  const byCluster = new Map<string, Upload[]>();
  for (const u of uploads) {
    const c = clusterOf(u.labels, clusterLabel);
    if (c === null) continue;
    const list = byCluster.get(c) ?? [];
    list.push(u);
    byCluster.set(c, list);
  }
  const out = new Map<string, Step[]>();
  for (const [c, list] of byCluster) {
    list.sort((a, b) => a.at - b.at);
    const steps: Step[] = [];
    let fresh = -Infinity;
    for (const u of list) {
      if (u.maxTime <= fresh) continue;
      fresh = u.maxTime;
      if (steps.length > 0 && steps[steps.length - 1]!.at === u.at) steps[steps.length - 1]!.fresh = fresh;
      else steps.push({ at: u.at, fresh });
    }
    out.set(c, steps);
  }
  return out;
}

/** A time the data lag rule puts a cluster in `status`: the open interval (from, to); to null: still at `until`. */
export interface Period {
  status: "late" | "stalled";
  from: number;
  to: number | null;
}

/**
 * The late and stalled periods of one cluster between its first upload and `until`, by the rule
 * of DOMAIN.md section 4 applied continuously (not at run times): lag = t - freshness.
 */
export function lagPeriods(steps: readonly Step[], t: Thresholds, until: number): Period[] {
  const changes: { at: number; status: "ok" | "late" | "stalled" }[] = [];
  const push = (at: number, status: "ok" | "late" | "stalled") => {
    if (changes.length > 0 && changes[changes.length - 1]!.status === status) return;
    changes.push({ at, status });
  };
  for (let i = 0; i < steps.length; i++) {
    const { at, fresh } = steps[i]!;
    if (at > until) break;
    const next = Math.min(steps[i + 1]?.at ?? Infinity, until);
    push(at, statusForLag(at - fresh, t));
    if (fresh + t.lateAfterMs >= at && fresh + t.lateAfterMs < next) push(fresh + t.lateAfterMs, "late");
    if (fresh + t.stallAfterMs >= at && fresh + t.stallAfterMs < next) push(fresh + t.stallAfterMs, "stalled");
  }
  const periods: Period[] = [];
  for (let i = 0; i < changes.length; i++) {
    const c = changes[i]!;
    if (c.status === "ok") continue;
    const end = changes[i + 1]?.at ?? null;
    periods.push({ status: c.status, from: c.at, to: end !== null && end <= until ? end : null });
  }
  return periods;
}
