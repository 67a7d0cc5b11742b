import { cmpText, type Rule } from "../rule";

/**
 * New clusters (DOMAIN.md section 4): a cluster absent from the previous state, an informational
 * notice that catches typos. A run without previous state has nothing to compare with: none.
 */
export const newClusters: Rule<null> = {
  id: "new-clusters",

  carry: () => null,

  report(_draft, run, out) {
    const hadState = run.prev.cursor !== null;
    out.report.newClusters = hadState
      ? out.verdicts.filter((v) => v.status !== "missing" && !Object.hasOwn(run.prev.clusters, v.cluster)).map((v) => v.cluster).sort(cmpText)
      : [];
  },
};
