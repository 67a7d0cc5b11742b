import type { CorruptBlock } from "../../domain/block";
import { byBlock, iso, type Rule } from "../rule";

/**
 * Corrupt blocks (DOMAIN.md section 4): a meta.json the validator refused, with its one-line
 * reason, and (beyond DOMAIN) a block whose data ends more than an hour in the future: a
 * Prometheus clock ahead would otherwise read as fresh data and hide a stall.
 */
export const corrupt: Rule<Map<string, CorruptBlock>> = {
  id: "corrupt",

  carry: (run) => new Map(run.prev.corrupt.filter((c) => run.keep(c.block)).map((c) => [c.block, c])),

  fold(found, item) {
    if (item.kind === "future") {
      const b = item.block;
      found.set(b.ulid, { block: b.ulid, reason: `maxTime ${iso(b.maxTime)} is in the future: the uploading Prometheus's clock is ahead` });
    } else if (item.kind === "corrupt") {
      found.set(item.corrupt.block, { block: item.corrupt.block, reason: item.corrupt.reason });
    }
  },

  report(found, _run, out) {
    out.state.corrupt = [...found.values()].sort(byBlock);
    out.report.corruptBlocks = out.state.corrupt;
  },
};
