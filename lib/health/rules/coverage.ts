import { addInterval } from "../intervals";
import type { Rule } from "../rule";

/**
 * Coverage (issue 11): per stream, its resolution-0 data as merged [from, to) intervals, within the
 * lookback, from the blocks of every source that are not deletion-marked. A compacted block's
 * meta.json keeps only its outer range, so a hole between its sources is invisible in it: a stream
 * already in state saw those sources and their holes, and keeps them until they leave the lookback
 * (the one place a run with state knows more than one without); only a stream new to this run
 * takes a compacted block's range. Read by the gaps rule.
 */
export const coverage: Rule<null> = {
  id: "coverage",

  carryStream(s, run) {
    const horizon = run.now - run.policy.lookbackMs;
    if (s.coverage === undefined) {
      // A state from before coverage was kept: taken as whole up to its newest data (no invented hole).
      const to = Math.max(...s.tops.map((t) => t[1]));
      return { coverage: to > horizon ? [[horizon, to]] : [] };
    }
    // Intervals wholly out of the lookback go; the first one is clipped where it is read (a change
    // every run would copy every stream).
    return s.coverage.some(([, b]) => b <= horizon) ? { coverage: s.coverage.filter(([, b]) => b > horizon) } : null;
  },

  carry: () => null,

  fold(_draft, item, run) {
    if (item.kind !== "stream" || item.block.resolution !== 0) return;
    const b = item.block;
    if (b.level > 1 && Object.hasOwn(run.prev.streams, item.key)) return;
    item.stream.coverage = addInterval(item.stream.coverage ?? [], [b.minTime, b.maxTime]);
  },

  report() {},
};
