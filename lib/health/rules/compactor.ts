import { BACKLOG_MAX, AWAITING_MAX, emptyLifecycle, type StreamLifecycle } from "../../state/lifecycle-state";
import type { StreamState } from "../../state/state";
import type { CompactorReport, DownsamplingReport } from "../report";
import { iso, keepAll, seconds, type Run, type Rule } from "../rule";

/** The compactor's first level: UTC-aligned 8h windows (DOMAIN.md section 8). */
export const WINDOW_MS = 8 * 3_600_000;
/** Thanos downsamples raw blocks spanning 40h or more to 5m. */
const DOWNSAMPLE_SPAN_MS = 40 * 3_600_000;
const FIVE_MINUTES = 300_000;
/** A 2-day raw block still without its 5m copy after this: downsampling is behind. */
export const DOWNSAMPLE_BEHIND_MS = 24 * 3_600_000;

interface Draft {
  /** The newest compactor block: carried while in the lookback, then this run's. */
  last: [string, number] | null;
}

/** When a level-1 block became compactable: its 8h window ended and it had been uploaded. */
export const compactableAt = (minTime: number, uploadTime: number): number =>
  Math.max(Math.floor(minTime / WINDOW_MS) * WINDOW_MS + WINDOW_MS, uploadTime);

/**
 * Of [ulid, value] entries, those some part of the lookback may still need: walking from the newest
 * ULID back, an entry stays only if it beats every newer one (the shape of freshness's tops).
 */
function pareto<T extends [string, number, ...unknown[]]>(items: readonly T[]): T[] {
  const byNewest = [...items].sort((a, b) => (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0));
  const kept: T[] = [];
  let best = -Infinity;
  for (const t of byNewest) {
    if (t[1] > best && !kept.some((k) => k[0] === t[0])) {
      kept.push(t);
      best = t[1];
    }
  }
  return kept;
}

const newest = (items: readonly [string, number][] | undefined): number | null =>
  items && items.length > 0 ? Math.max(...items.map((t) => t[1])) : null;

/** Sets a lifecycle field, leaving it absent when empty (older readers and small states). */
function put<K extends keyof StreamLifecycle>(s: StreamState, key: K, v: StreamLifecycle[K]): void {
  if (v && v.length > 0) (s as StreamLifecycle)[key] = v;
  else delete s[key];
}

/** A stream's compactable backlog: every uncompacted level-1 block but its newest, whose window ended. */
function compactable(s: StreamState, now: number): { ulid: string; at: number }[] {
  const backlog = s.backlog ?? [];
  if (backlog.length === 0) return [];
  // The compactor never compacts a stream's newest block (a stalled cluster's last block waits forever).
  const newestMin = Math.max(...backlog.map((b) => b[1]));
  return backlog.filter((b) => b[1] !== newestMin).map((b) => ({ ulid: b[0], at: compactableAt(b[1], b[2]) })).filter((b) => b.at <= now);
}

/**
 * Compactor health (DOMAIN.md section 8), learnt from new prefixes only: a compactor block lists
 * the level-1 blocks it was made of (`compaction.sources`), so each stream keeps the level-1
 * blocks no compactor block has listed yet (its backlog), how far it is compacted and downsampled,
 * and the fleet keeps its newest compactor block. Reports the fleet's compactor status and each
 * cluster's `compactedUntil`.
 */
export const compactor: Rule<Draft> = {
  id: "compactor",

  carryStream(s, run) {
    const changed: Partial<StreamState> = {};
    let any = false;
    for (const key of ["backlog", "compacted", "downsampled", "rawLong"] as const) {
      const items = s[key] as [string, ...unknown[]][] | undefined;
      if (!items) continue;
      const kept = keepAll(items, (t) => run.keep(t[0]));
      if (kept !== items) {
        (changed as Record<string, unknown>)[key] = kept.length > 0 ? kept : undefined;
        any = true;
      }
    }
    return any ? changed : null;
  },

  carry(run) {
    const last = run.prev.lifecycle?.lastCompaction ?? null;
    return { last: last && run.keep(last[0]) ? last : null };
  },

  fold(draft, item) {
    if (item.kind !== "stream") return;
    const { block: b, stream: s } = item;
    if (b.source === "compactor") {
      if (draft.last === null || b.uploadTime > draft.last[1]) draft.last = [b.ulid, b.uploadTime];
      if (b.sources && s.backlog) {
        const done = new Set(b.sources);
        put(s, "backlog", keepAll(s.backlog, (t) => !done.has(t[0])));
      }
    } else if (b.level === 1 && b.resolution === 0 && !s.backlog?.some((t) => t[0] === b.ulid)) {
      // Oldest first and bounded: a stream this far behind is reported on its oldest blocks.
      const backlog = [...(s.backlog ?? []), [b.ulid, b.minTime, b.uploadTime] as [string, number, number]];
      backlog.sort((x, y) => x[1] - y[1] || (x[0] < y[0] ? -1 : 1));
      put(s, "backlog", backlog.slice(0, BACKLOG_MAX));
    }
    if (b.level >= 2 && b.resolution === 0) put(s, "compacted", pareto([...(s.compacted ?? []), [b.ulid, b.maxTime]]));
    if (b.resolution === FIVE_MINUTES) put(s, "downsampled", pareto([...(s.downsampled ?? []), [b.ulid, b.maxTime]]));
    if (b.resolution === 0 && b.maxTime - b.minTime >= DOWNSAMPLE_SPAN_MS && !s.rawLong?.some((t) => t[0] === b.ulid)) {
      put(s, "rawLong", [...(s.rawLong ?? []), [b.ulid, b.maxTime, b.uploadTime] as [string, number, number]]);
    }
    // Long raw blocks a 5m block already covers are done with.
    const until = newest(s.downsampled);
    if (s.rawLong && until !== null) put(s, "rawLong", keepAll(s.rawLong, (t) => t[1] > until));
    if (s.rawLong && s.rawLong.length > AWAITING_MAX) put(s, "rawLong", [...s.rawLong].sort((x, y) => x[1] - y[1]).slice(0, AWAITING_MAX));
  },

  report(draft, run, out) {
    const { now, policy } = run;
    out.state.lifecycle = { ...(out.state.lifecycle ?? emptyLifecycle()), lastCompaction: draft.last };

    let backlogBlocks = 0;
    let oldest: { ulid: string; at: number } | null = null;
    let downsampled = false;
    const waiting: { ulid: string; at: number }[] = [];
    const compactedUntil = new Map<string, number>();
    for (const s of Object.values(run.streams)) {
      for (const b of compactable(s, now)) {
        backlogBlocks += 1;
        if (oldest === null || b.at < oldest.at || (b.at === oldest.at && b.ulid < oldest.ulid)) oldest = b;
      }
      const until = newest(s.compacted);
      if (until !== null && until > (compactedUntil.get(s.cluster) ?? -Infinity)) compactedUntil.set(s.cluster, until);
      if (s.downsampled) downsampled = true;
      const down = newest(s.downsampled) ?? -Infinity;
      for (const t of s.rawLong ?? []) if (t[1] > down) waiting.push({ ulid: t[0], at: t[2] });
    }

    const waited = oldest === null ? null : now - oldest.at;
    const behind = waited !== null && waited > policy.compactionBehindAfterMs;
    let downsampling: DownsamplingReport | undefined;
    if (downsampled) {
      waiting.sort((a, b) => a.at - b.at || (a.ulid < b.ulid ? -1 : 1));
      const first = waiting[0] ?? null;
      downsampling = {
        status: first !== null && now - first.at > DOWNSAMPLE_BEHIND_MS ? "behind" : "ok",
        waitingBlocks: waiting.length,
        oldestWaitingBlock: first?.ulid ?? null,
        oldestWaitingSeconds: first === null ? null : seconds(now - first.at),
      };
    }
    let status: CompactorReport["status"];
    let unknownReason: CompactorReport["unknownReason"] = null;
    if (draft.last === null) {
      status = "unknown";
      unknownReason = waited !== null && waited > policy.compactorStallAfterMs ? "none-deployed" : "too-little-history";
    } else if (behind && now - draft.last[1] > policy.compactorStallAfterMs) {
      // No compactor block for the stall threshold while a block has waited past the behind one:
      // a compactor with nothing to do (every cluster quiet) is not stalled.
      status = "stalled";
    } else if (behind || downsampling?.status === "behind") {
      status = "behind";
    } else {
      status = "ok";
    }
    out.report.compactor = {
      status,
      unknownReason,
      lastCompactionAt: draft.last === null ? null : iso(draft.last[1]),
      backlogBlocks,
      oldestBacklogBlock: oldest?.ulid ?? null,
      oldestBacklogSeconds: waited === null ? null : seconds(waited),
      haltedOnOverlaps: status === "stalled" && out.report.overlaps.length > 0,
      ...(downsampling ? { downsampling } : {}),
    };
    for (const v of out.verdicts) {
      const until = compactedUntil.get(v.cluster);
      v.compactedUntil = until === undefined ? null : iso(until);
    }
    if (downsampled) {
      // A stream verdict holds its stream's own labels object.
      const byStream = new Map<object, number | null>();
      for (const s of Object.values(run.streams)) byStream.set(s.labels, newest(s.downsampled));
      for (const v of out.verdicts) {
        for (const sv of v.streams) {
          const until = byStream.get(sv.labels);
          sv.downsampledUntil = until === undefined || until === null ? null : iso(until);
        }
      }
    }
  },
};
