import { formatDuration } from "../../domain/duration";
import { ulidTime } from "../../domain/ulid";
import { emptyLifecycle, type RetentionReading } from "../../state/lifecycle-state";
import { DELETE_DELAY_MS } from "../../scan/retention";
import { cmpText, iso, type Rule } from "../rule";

/**
 * Retention (issue 10): the bucket's oldest data, read once a day by lib/scan/retention.ts. With an
 * expected retention, the blocks holding data older than retention plus the delete delay are
 * overdue: the compactor is not applying it. Keeps the last reading; reports it every run.
 */
export const retention: Rule<RetentionReading | null> = {
  id: "retention",

  carry: (run) => run.obs.retention ?? run.prev.lifecycle?.retention ?? null,

  report(reading, run, out) {
    out.state.lifecycle = { ...(out.state.lifecycle ?? emptyLifecycle()), retention: reading };
    if (reading === null) {
      out.report.retention = null;
      return;
    }
    const retentionMs = run.policy.retentionMs;
    let overdueBlocks: number | null = null;
    if (retentionMs !== null) {
      const cutoff = run.now - retentionMs - DELETE_DELAY_MS;
      // Those read whose ULID did not already prove them overdue (counted in the listing).
      const listedCutoff = reading.checkedAt - retentionMs - DELETE_DELAY_MS;
      overdueBlocks = reading.overdueByUlid + reading.oldest.filter((o) => o[1] < cutoff && ulidTime(o[0]) >= listedCutoff).length;
    }
    const byCluster = new Map<string, number>();
    for (const [, maxTime, cluster] of reading.oldest) {
      if (cluster !== null && maxTime < (byCluster.get(cluster) ?? Infinity)) byCluster.set(cluster, maxTime);
    }
    const oldest = reading.oldest.length > 0 ? Math.min(...reading.oldest.map((o) => o[1])) : null;
    out.report.retention = {
      expected: retentionMs === null ? null : formatDuration(retentionMs),
      oldestMaxTime: oldest === null ? null : iso(oldest),
      overdueBlocks,
      oldestByCluster: [...byCluster]
        .sort((a, b) => a[1] - b[1] || cmpText(a[0], b[0]))
        .map(([cluster, t]) => ({ cluster, oldestMaxTime: iso(t) })),
    };
  },
};
