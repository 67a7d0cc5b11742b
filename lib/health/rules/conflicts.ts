import { sourceKey, streamKey, type Labels } from "../../domain/labels";
import type { StreamState } from "../../state/state";
import type { Report } from "../report";
import { cmpText, type Rule, type Run } from "../rule";

/** [from, to) of a stream's data within the lookback: where it begins (clipped) and its newest data. */
function extent(s: StreamState, run: Run): [number, number] {
  const raw = s.tops.filter((t) => t[2] === 0);
  const to = Math.max(...(raw.length > 0 ? raw : s.tops).map((t) => t[1]));
  // Clipped at the lookback: what began before it is seen alike with and without state.
  const from = Math.max(s.dataFrom ?? to, run.now - run.policy.lookbackMs);
  return [from, to];
}

/** Label names, other than replica labels, whose values are not the same across the streams. */
export function differingLabels(streams: readonly Labels[], replicaLabels: readonly string[]): string[] {
  const names = new Set(streams.flatMap((l) => Object.keys(l)));
  return [...names]
    .filter((k) => !replicaLabels.includes(k) && new Set(streams.map((l) => (Object.hasOwn(l, k) ? l[k] : undefined))).size > 1)
    .sort(cmpText);
}

/**
 * Two sources under one cluster_id (issue 11): streams of one cluster whose label sets differ in
 * labels other than replica labels, and whose data overlaps in time. Thanos sees two label sets and
 * never halts, but Kubecost adds both under one cluster: costs counted twice. A label added or
 * renamed is not one: the old stream ends where the new one begins. Keeps per stream where its
 * data begins (`dataFrom`); where it ends is its freshness (tops).
 */
export const conflicts: Rule<null> = {
  id: "conflicts",

  carry: () => null,

  fold(_draft, item) {
    if (item.kind !== "stream") return;
    const s = item.stream;
    if (s.dataFrom === undefined || item.block.minTime < s.dataFrom) s.dataFrom = item.block.minTime;
  },

  report(_draft, run, out) {
    const replicas = run.policy.replicaLabels;
    const byCluster = new Map<string, Map<string, StreamState[]>>();
    for (const s of Object.values(run.streams)) {
      const sources = byCluster.get(s.cluster) ?? new Map<string, StreamState[]>();
      const key = sourceKey(s.labels, replicas);
      sources.set(key, [...(sources.get(key) ?? []), s]);
      byCluster.set(s.cluster, sources);
    }
    const found: Report["conflicts"] = [];
    for (const [cluster, sources] of byCluster) {
      if (sources.size < 2) continue;
      // A source's data spans those of its replicas.
      const spans = [...sources.values()].map((members) => {
        const e = members.map((s) => extent(s, run));
        return { members, from: Math.min(...e.map((x) => x[0])), to: Math.max(...e.map((x) => x[1])) };
      });
      const involved = new Set<(typeof spans)[number]>();
      for (let i = 0; i < spans.length; i++) {
        for (let j = i + 1; j < spans.length; j++) {
          const [a, b] = [spans[i]!, spans[j]!];
          if (a.from < b.to && b.from < a.to) involved.add(a).add(b);
        }
      }
      if (involved.size === 0) continue;
      const streams = [...involved].flatMap((x) => x.members.map((s) => s.labels));
      streams.sort((a, b) => cmpText(streamKey(a), streamKey(b)));
      found.push({ cluster, streams, differingLabels: differingLabels(streams, replicas) });
    }
    out.report.conflicts = found.sort((a, b) => cmpText(a.cluster, b.cluster));
  },
};
