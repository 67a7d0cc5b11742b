import { clipFrom, holes, mergeIntervals, type Interval } from "../intervals";
import type { Report } from "../report";
import { cmpText, iso, seconds, type Rule } from "../rule";

/**
 * Data gaps (issue 11): holes longer than the gap tolerance in a stream's coverage (rules/coverage.ts)
 * within the lookback: data that will never be in a cost report. A hole is settled, and reported,
 * once the stream has data after it: the sidecar ships oldest first and one failed upload blocks
 * every newer one (thanos#7605), so once a newer block has arrived no older one will fill the hole
 * (out-of-order blocks aside). Time after a stream's newest data is its lag, not a gap. A cluster
 * has lost data only where none of its streams (every replica, every label set) has any:
 * `gapSeconds` and `dataGaps` on its verdict.
 */
export const gaps: Rule<null> = {
  id: "gaps",

  carry: () => null,

  report(_draft, run, out) {
    const horizon = run.now - run.policy.lookbackMs;
    const tolerance = run.policy.gapToleranceMs;
    const found: NonNullable<Report["gaps"]> = [];
    const byCluster = new Map<string, Interval[]>();
    for (const s of Object.values(run.streams)) {
      const cov = clipFrom(s.coverage ?? [], horizon);
      for (const [from, to] of holes(cov, tolerance)) {
        found.push({ cluster: s.cluster, labels: s.labels, from: iso(from), to: iso(to), seconds: seconds(to - from) });
      }
      byCluster.set(s.cluster, [...(byCluster.get(s.cluster) ?? []), ...cov]);
    }
    for (const v of out.verdicts) {
      const lost = holes(mergeIntervals(byCluster.get(v.cluster) ?? []), tolerance);
      v.dataGaps = lost.map(([from, to]) => ({ from: iso(from), to: iso(to), seconds: seconds(to - from) }));
      v.gapSeconds = v.dataGaps.reduce((a, g) => a + g.seconds, 0);
    }
    out.report.gaps = found.sort((a, b) => cmpText(a.cluster, b.cluster) || cmpText(JSON.stringify(a.labels), JSON.stringify(b.labels)) || cmpText(a.from, b.from));
  },
};
