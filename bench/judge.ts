// The full scan's judgement, written apart from lib/health/evaluate.ts so that agreement between the
// two is a real cross-check: DOMAIN.md section 4 applied to every meta.json read at once.
import type { Block } from "../lib/domain/block";
import { clusterOf, streamKey } from "../lib/domain/labels";
import { statusForLag, type ClusterStatus } from "../lib/health/status";
import { thresholdsFor, type Policy } from "../lib/policy/policy";

export type Verdicts = Record<string, ClusterStatus>;

export function judgeAll(blocks: readonly Block[], now: number, policy: Policy): Verdicts {
  const horizon = now - policy.lookbackMs;
  // Per stream: newest raw maxTime, else newest downsampled maxTime.
  const streams = new Map<string, { cluster: string; raw: number | null; down: number | null }>();
  for (const b of blocks) {
    if (b.ulidTime < horizon) continue;
    const cluster = clusterOf(b.labels, policy.clusterLabel);
    if (cluster === null) continue;
    const key = streamKey(b.labels);
    const s = streams.get(key) ?? { cluster, raw: null, down: null };
    if (b.resolution === 0) s.raw = Math.max(s.raw ?? -Infinity, b.maxTime);
    else s.down = Math.max(s.down ?? -Infinity, b.maxTime);
    streams.set(key, s);
  }
  const fresh = new Map<string, number>();
  for (const s of streams.values()) {
    const f = (s.raw ?? s.down)!;
    fresh.set(s.cluster, Math.max(fresh.get(s.cluster) ?? -Infinity, f));
  }
  const out: Verdicts = {};
  for (const [cluster, f] of fresh) out[cluster] = statusForLag(now - f, thresholdsFor(policy, cluster));
  for (const name of policy.expectedClusters) if (!(name in out)) out[name] = "missing";
  return out;
}

export function countStatuses(v: Verdicts): Record<ClusterStatus, number> {
  const c: Record<ClusterStatus, number> = { ok: 0, late: 0, stalled: 0, missing: 0 };
  for (const s of Object.values(v)) c[s]++;
  return c;
}

/** Clusters on which the verdicts differ (a cluster absent from one side counts). */
export function disagreements(all: Record<string, Verdicts>): string[] {
  const names = new Set<string>();
  for (const v of Object.values(all)) for (const n of Object.keys(v)) names.add(n);
  const out: string[] = [];
  for (const n of [...names].sort()) {
    const seen = Object.entries(all).map(([who, v]) => `${who}=${v[n] ?? "absent"}`);
    if (new Set(Object.values(all).map((v) => v[n] ?? "absent")).size > 1) out.push(`${n}: ${seen.join(" ")}`);
  }
  return out;
}
