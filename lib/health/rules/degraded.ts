import { sourceKey, streamKey } from "../../domain/labels";
import type { Report } from "../report";
import { cmpText, type Rule } from "../rule";
import { newestUpload } from "./freshness";

/**
 * A degraded HA pair (issue 11): a stream stalled while another stream of its cluster that differs
 * only in replica labels is ok. The cluster still has data (its status stays ok) but no redundancy:
 * the next failure of the other replica is an outage. Read from the verdicts and the streams'
 * newest uploads: nothing of its own in state.
 *
 * The twin must be ahead by more than one block: when a cluster-wide failure (a KMS key, an IAM
 * role) starts between the two replicas' uploads of one block, one replica ships it and the other
 * does not, so for one block period one looks stalled and the other ok before both stall. A
 * replica that is really down falls further behind every block, so the wait costs at most one.
 * And it must have shipped nothing for a block period: after a cluster-wide failure both replicas
 * ship their backlogs, one finishing before the other; the one still shipping is catching up.
 */
const ONE_BLOCK_SECONDS = 2 * 3600; // Prometheus's 2h blocks, which the sidecar ships (min = max block duration)

export const degraded: Rule<null> = {
  id: "degraded",

  carry: () => null,

  report(_draft, run, out) {
    const replicas = run.policy.replicaLabels;
    const found: Report["degraded"] = [];
    for (const v of out.verdicts) {
      // Per source, the smallest lag of its replicas that are ok.
      const freshest = new Map<string, number>();
      for (const s of v.streams) {
        if (s.status !== "ok") continue;
        const k = sourceKey(s.labels, replicas);
        freshest.set(k, Math.min(freshest.get(k) ?? Infinity, s.dataLagSeconds));
      }
      for (const s of v.streams) {
        const twin = freshest.get(sourceKey(s.labels, replicas));
        if (s.status !== "stalled" || twin === undefined || s.dataLagSeconds - twin <= ONE_BLOCK_SECONDS) continue;
        const stream = run.streams[streamKey(s.labels)];
        const uploaded = stream ? newestUpload(stream) : null;
        if (uploaded === null || run.now - uploaded > ONE_BLOCK_SECONDS * 1000) {
          found.push({ cluster: v.cluster, labels: s.labels, dataLagSeconds: s.dataLagSeconds });
        }
      }
    }
    out.report.degraded = found.sort((a, b) => cmpText(a.cluster, b.cluster) || cmpText(JSON.stringify(a.labels), JSON.stringify(b.labels)));
  },
};
