import { clusterOf, type Labels } from "../../domain/labels";
import { byBlock, type Rule } from "../rule";

/**
 * Unlabeled blocks (DOMAIN.md section 4): valid blocks whose labels lack the cluster label or give
 * it an empty value: a Prometheus without `external_labels.cluster_id`.
 */
export const unlabeled: Rule<Map<string, { block: string; labels: Labels }>> = {
  id: "unlabeled",

  carry: (run) => new Map(run.prev.unlabeled.filter((u) => run.keep(u.block)).map((u) => [u.block, u])),

  fold(found, item) {
    if (item.kind === "unlabeled") found.set(item.block.ulid, { block: item.block.ulid, labels: item.block.labels });
  },

  report(found, _run, out) {
    out.state.unlabeled = [...found.values()].sort(byBlock);
    out.report.unlabeledBlocks = out.state.unlabeled;
  },

  // Every one is about to be reported.
  suspects(_prev, blocks, policy) {
    return blocks.filter((b) => clusterOf(b.labels, policy.clusterLabel) === null).map((b) => b.ulid);
  },
};
