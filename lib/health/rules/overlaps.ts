import { isShippedBySidecar, type Block } from "../../domain/block";
import { clusterOf, streamKey } from "../../domain/labels";
import type { State, StreamState } from "../../state/state";
import { overlappingBlocks, type Range } from "../overlaps";
import { cmpText, keepAll, type Run, type Rule } from "../rule";
import { overlapMs } from "./coverage";

interface Draft {
  /** Level-1 ranges read this run, by stream key. */
  fresh: Map<string, Range[]>;
}

/** Only these blocks are compared: what two Prometheus servers sharing one label set both ship. */
const comparable = (b: Block) => isShippedBySidecar(b) && b.level === 1 && !b.outOfOrder && b.resolution === 0;

/** A stream's remembered ranges still in the lookback, not deleted, and within the overlap memory. */
export function carriedRanges(s: StreamState, run: Run): StreamState["ranges"] {
  const memory = run.now - run.policy.overlapMemoryMs;
  return keepAll(s.ranges, (r) => run.keep(r[0]) && r[2] > memory);
}

/**
 * Overlaps (DOMAIN.md section 4): two level-1 sidecar/receive blocks of the identical label set
 * whose ranges overlap, neither deletion-marked nor out-of-order: two Prometheus servers share one
 * label set. Keeps per stream the recent level-1 ranges (to compare with later uploads) and every
 * open overlap with its blocks' ranges (to judge it again as its blocks are deleted).
 */
export const overlaps: Rule<Draft> = {
  id: "overlaps",

  carryStream(s, run) {
    const ranges = carriedRanges(s, run);
    return ranges === s.ranges ? null : { ranges };
  },

  carry: () => ({ fresh: new Map() }),

  fold(draft, item) {
    if (item.kind !== "stream" || !comparable(item.block)) return;
    const b = item.block;
    const list = draft.fresh.get(item.key) ?? [];
    list.push([b.ulid, b.minTime, b.maxTime]);
    draft.fresh.set(item.key, list);
  },

  report(draft, run, out) {
    const memory = run.now - run.policy.overlapMemoryMs;
    const found: State["overlaps"] = Object.create(null);
    for (const [key, o] of Object.entries(run.prev.overlaps)) {
      if (!run.streams[key]) continue;
      // With some blocks gone, those left may no longer overlap each other: judged again on their ranges.
      const ranges = keepAll(o.ranges, (r) => run.keep(r[0]));
      const still = ranges === o.ranges ? ranges : ranges.filter((r) => overlappingBlocks(ranges).has(r[0]));
      if (still.length >= 2) found[key] = { ...o, ranges: still };
    }
    for (const key of run.touched) {
      const s = run.streams[key]!;
      const fresh = draft.fresh.get(key) ?? [];
      const all = new Map<string, Range>(s.ranges.map((r) => [r[0], r]));
      for (const r of fresh) all.set(r[0], r);
      if (fresh.length > 0) {
        const ids = overlappingBlocks([...all.values()]);
        if (ids.size > 0) {
          const ranges = new Map((found[key]?.ranges ?? []).map((r) => [r[0], r]));
          for (const id of ids) ranges.set(id, [...all.get(id)!]);
          found[key] = { cluster: s.cluster, labels: s.labels, ranges: [...ranges.values()].sort((a, b) => cmpText(a[0], b[0])) };
        }
      }
      s.ranges = [...all.values()].filter((r) => r[2] > memory).map((r) => [r[0], r[1], r[2]]);
    }
    out.state.overlaps = found;
    out.report.overlaps = Object.values(found)
      .map((o) => ({ cluster: o.cluster, labels: o.labels, blocks: o.ranges.map((r) => r[0]) }))
      .sort((a, b) => cmpText(a.cluster, b.cluster) || cmpText(JSON.stringify(a.labels), JSON.stringify(b.labels)));
  },

  // New level-1 blocks that overlap another one (remembered or new) are about to be reported.
  suspects(prev, blocks, policy, now) {
    const suspects = new Set<string>();
    const byKey = new Map<string, Range[]>();
    for (const b of blocks) {
      if (clusterOf(b.labels, policy.clusterLabel) === null || !comparable(b)) continue;
      const key = streamKey(b.labels);
      byKey.set(key, [...(byKey.get(key) ?? []), [b.ulid, b.minTime, b.maxTime]]);
    }
    const memory = now - policy.overlapMemoryMs;
    for (const [key, fresh] of byKey) {
      const remembered = (prev.streams[key]?.ranges ?? []).filter((r) => r[2] > memory);
      const freshIds = new Set(fresh.map((r) => r[0]));
      for (const id of overlappingBlocks([...remembered.filter((r) => !freshIds.has(r[0])), ...fresh])) {
        if (freshIds.has(id)) suspects.add(id);
      }
    }
    return suspects;
  },
};

/** Older blocks of one stream to read again: the partners of a late block outside the overlap memory. */
export interface OverlapProbe {
  key: string;
  /** Only blocks created (ULID time) at or after this can hold data after it: the late block's minTime. */
  fromMs: number;
}

/**
 * New level-1 blocks whose range overlaps their stream's coverage where no remembered range is:
 * a duplicate whose sidecar ships hours late overlaps blocks older than the overlap memory. Their
 * partners are read again (a rare event), so that the finding names every block, as a run without
 * state names them. A healthy stream never overlaps its own coverage.
 */
export function overlapProbes(prev: State, blocks: readonly Block[], policy: { clusterLabel: string }): OverlapProbe[] {
  const found = new Map<string, number>();
  for (const b of blocks) {
    if (clusterOf(b.labels, policy.clusterLabel) === null || !comparable(b)) continue;
    const key = streamKey(b.labels);
    const s = prev.streams[key];
    if (!s || s.ranges.some((r) => r[0] === b.ulid)) continue;
    const covered = overlapMs(s.coverage, b.minTime, b.maxTime);
    if (covered === 0 || covered <= overlapMs(mergedRanges(s.ranges), b.minTime, b.maxTime)) continue;
    found.set(key, Math.min(found.get(key) ?? Infinity, b.minTime));
  }
  return [...found].map(([key, fromMs]) => ({ key, fromMs }));
}

function mergedRanges(ranges: StreamState["ranges"]): [number, number][] {
  const sorted = [...ranges].sort((a, b) => a[1] - b[1]);
  const out: [number, number][] = [];
  for (const [, from, to] of sorted) {
    const last = out.at(-1);
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else out.push([from, to]);
  }
  return out;
}
