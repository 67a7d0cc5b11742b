import { byBlock, seconds, type Rule } from "../rule";

/**
 * Partial blocks (DOMAIN.md section 4): prefixes without meta.json (nor deletion-mark.json) with no
 * activity for longer than `partialAfterMs`: uploads that died half way. Younger ones are uploads
 * in progress; the shell re-checks every one each run until it completes, is deleted or leaves
 * the lookback.
 */
export const partial: Rule<null> = {
  id: "partial",

  carry: () => null,

  report(_draft, run, out) {
    const pending = run.obs.pending.filter((p) => run.inWindow(p.block)).sort(byBlock);
    out.state.pending = pending;
    out.report.partialBlocks = pending
      .filter((p) => run.now - p.lastActivity > run.policy.partialAfterMs)
      .map((p) => ({ block: p.block, ageSeconds: seconds(run.now - p.lastActivity) }));
  },
};
