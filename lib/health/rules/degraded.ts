import { sourceKey } from "../../domain/labels";
import type { Report } from "../report";
import { cmpText, type Rule } from "../rule";

/**
 * A degraded HA pair (issue 11): a stream stalled while another stream of its cluster that differs
 * only in replica labels is ok. The cluster still has data (its status stays ok) but no redundancy:
 * the next failure of the other replica is an outage. Read from the verdicts alone: no state.
 */
export const degraded: Rule<null> = {
  id: "degraded",

  carry: () => null,

  report(_draft, run, out) {
    const replicas = run.policy.replicaLabels;
    const found: Report["degraded"] = [];
    for (const v of out.verdicts) {
      const healthy = new Set(v.streams.filter((s) => s.status === "ok").map((s) => sourceKey(s.labels, replicas)));
      for (const s of v.streams) {
        if (s.status === "stalled" && healthy.has(sourceKey(s.labels, replicas))) {
          found.push({ cluster: v.cluster, labels: s.labels, dataLagSeconds: s.dataLagSeconds });
        }
      }
    }
    out.report.degraded = found.sort((a, b) => cmpText(a.cluster, b.cluster) || cmpText(JSON.stringify(a.labels), JSON.stringify(b.labels)));
  },
};
