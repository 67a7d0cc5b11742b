import type { Block, CorruptBlock, PendingPrefix } from "../domain/block";
import { isShippedBySidecar } from "../domain/block";
import { clusterOf, streamKey } from "../domain/labels";
import { ulidTime } from "../domain/ulid";
import { thresholdsFor, type Policy } from "../policy/policy";
import type { ClusterState, State, StreamState, TopBlock } from "../state/state";
import { overlappingBlocks, type Range } from "./overlaps";
import type { ClusterVerdict, Report, RunStats, StreamVerdict } from "./report";
import { STATUS_ORDER, statusForLag, type ClusterStatus } from "./status";

/** A block read by this run; `deletionMarked` is null where the mark was not looked up. */
export interface ObservedBlock extends Block {
  deletionMarked: boolean | null;
}

/** What the bucket showed this run: the only input of the judgement besides state, now and policy. */
export interface Observation {
  /** New cursor: every prefix up to it has been read. Null when nothing was ever listed. */
  cursor: string | null;
  /** False when the run stopped before the end of the listing. */
  complete: boolean;
  /** Prefixes read within the re-list window behind the new cursor. */
  recent: string[];
  blocks: ObservedBlock[];
  corrupt: (CorruptBlock & { deletionMarked: boolean | null })[];
  /** Every prefix without meta.json known now (new ones and still-pending ones). */
  pending: PendingPrefix[];
  /** Blocks of earlier findings now marked for deletion or without meta.json: out of every finding. */
  forgotten: string[];
  stats: RunStats;
}

export interface Judgement {
  state: State;
  report: Report;
}

const iso = (ms: number) => new Date(ms).toISOString();
/** Blocks ending later than this after `now` are not trusted as fresh data. */
const FUTURE_SLACK_MS = 3_600_000;
const seconds = (ms: number) => Math.floor(ms / 1000);

/**
 * The health rules of DOMAIN.md section 4, as a pure function. A run without previous state passes
 * `emptyState()`; the result is the same as folding the same blocks in over several runs.
 */
export function evaluate(prev: State, obs: Observation, now: number, policy: Policy): Judgement {
  const horizon = now - policy.lookbackMs;
  const inWindow = (ulid: string) => ulidTime(ulid) >= horizon;
  const byBlock = <T extends { block: string }>(a: T, b: T) => (a.block < b.block ? -1 : a.block > b.block ? 1 : 0);

  // Blocks that left the lookback are forgotten, as a stateless run never sees them; so are blocks
  // deleted (or marked) since an earlier run.
  const forgotten = new Set(obs.forgotten);
  const keep = (ulid: string) => inWindow(ulid) && !forgotten.has(ulid);
  const memory = now - policy.overlapMemoryMs;
  // A stream no block touched this run is shared with the previous state, not copied (at 10,000
  // clusters the copies were ~20 MB); `writable` copies one before it changes (prev stays as it was).
  const streams: Record<string, StreamState> = Object.create(null);
  const owned = new Set<string>();
  for (const [key, s] of Object.entries(prev.streams)) {
    const ranges = keepAll(s.ranges, (r) => keep(r[0]) && r[2] > memory);
    let tops = keepAll(s.tops, (t) => keep(t[0]));
    if (s.tops.some((t) => forgotten.has(t[0]))) {
      // A top block was deleted (a duplicate cleaned up): the blocks it beat are gone from the tops,
      // so the remembered level-1 ranges are brought back as evidence of the stream's freshness.
      const have = new Set(tops.map((t) => t[0]));
      tops = paretoTops([...tops, ...ranges.filter((r) => !have.has(r[0])).map((r): TopBlock => [r[0], r[2], 0, null])]);
    }
    if (tops.length === 0) continue;
    if (tops === s.tops && ranges === s.ranges) streams[key] = s;
    else {
      streams[key] = { ...s, tops, ranges };
      owned.add(key);
    }
  }
  const writable = (key: string): StreamState => {
    if (!owned.has(key)) {
      const s = streams[key]!;
      streams[key] = { ...s, tops: [...s.tops], ranges: [...s.ranges] };
      owned.add(key);
    }
    return streams[key]!;
  };
  const touched = new Set<string>();
  const unlabeled = new Map(prev.unlabeled.filter((u) => keep(u.block)).map((u) => [u.block, u]));
  const corrupt = new Map(prev.corrupt.filter((c) => keep(c.block)).map((c) => [c.block, c]));
  const uploaded = new Map<string, { blocks: number; bytes: number }>();
  const newRanges = new Map<string, Range[]>();

  for (const b of [...obs.blocks].sort((x, y) => (x.ulid < y.ulid ? -1 : 1))) {
    if (b.deletionMarked || !inWindow(b.ulid)) continue;
    if (b.maxTime > now + FUTURE_SLACK_MS) {
      // Data from the future (a Prometheus clock ahead) would read as fresh and hide a stall.
      corrupt.set(b.ulid, { block: b.ulid, reason: `maxTime ${iso(b.maxTime)} is in the future: the uploading Prometheus's clock is ahead` });
      continue;
    }
    const cluster = clusterOf(b.labels, policy.clusterLabel);
    if (cluster === null) {
      unlabeled.set(b.ulid, { block: b.ulid, labels: b.labels });
      continue;
    }
    const key = streamKey(b.labels);
    if (!streams[key]) {
      streams[key] = { labels: b.labels, cluster, tops: [], ranges: [] };
      owned.add(key);
    }
    const s = writable(key);
    touched.add(key);
    if (!s.tops.some((t) => t[0] === b.ulid)) s.tops.push([b.ulid, b.maxTime, b.resolution, isShippedBySidecar(b) ? b.uploadTime : null]);
    if (isShippedBySidecar(b)) {
      const u = uploaded.get(cluster) ?? { blocks: 0, bytes: 0 };
      u.blocks += 1;
      u.bytes += b.sizeBytes ?? 0;
      uploaded.set(cluster, u);
      if (b.level === 1 && !b.outOfOrder && b.resolution === 0) {
        const list = newRanges.get(key) ?? [];
        list.push([b.ulid, b.minTime, b.maxTime]);
        newRanges.set(key, list);
      }
    }
  }
  for (const c of obs.corrupt) if (!c.deletionMarked && inWindow(c.block)) corrupt.set(c.block, { block: c.block, reason: c.reason });

  // Overlaps: new level-1 ranges against each other and against the ranges remembered from earlier runs.
  const overlaps: State["overlaps"] = Object.create(null);
  for (const [key, o] of Object.entries(prev.overlaps)) {
    if (!streams[key]) continue;
    // With some blocks gone, those left may no longer overlap each other: judged again on their ranges.
    const ranges = keepAll(o.ranges, (r) => keep(r[0]));
    const still = ranges === o.ranges ? ranges : ranges.filter((r) => overlappingBlocks(ranges).has(r[0]));
    if (still.length >= 2) overlaps[key] = { ...o, ranges: still };
  }
  for (const key of touched) {
    const s = streams[key]!;
    s.tops = paretoTops(s.tops);
    const fresh = newRanges.get(key) ?? [];
    const all = new Map<string, Range>(s.ranges.map((r) => [r[0], r]));
    for (const r of fresh) all.set(r[0], r);
    if (fresh.length > 0) {
      const found = overlappingBlocks([...all.values()]);
      if (found.size > 0) {
        const ranges = new Map((overlaps[key]?.ranges ?? []).map((r) => [r[0], r]));
        for (const id of found) ranges.set(id, [...all.get(id)!]);
        overlaps[key] = { cluster: s.cluster, labels: s.labels, ranges: [...ranges.values()].sort((a, b) => cmpText(a[0], b[0])) };
      }
    }
    s.ranges = [...all.values()].filter((r) => r[2] > memory).map((r) => [r[0], r[1], r[2]]);
  }

  // Verdicts per cluster: the freshest stream decides.
  const groups = new Map<string, StreamState[]>();
  for (const s of Object.values(streams)) groups.set(s.cluster, [...(groups.get(s.cluster) ?? []), s]);
  const clusters: Record<string, ClusterState> = Object.create(null);
  const verdicts: ClusterVerdict[] = [];
  const sinceFor = (name: string, status: ClusterStatus, derived: number) => {
    const before = Object.hasOwn(prev.clusters, name) ? prev.clusters[name] : undefined;
    return before && before.status === status ? before.since : derived;
  };

  for (const [name, members] of groups) {
    const t = thresholdsFor(policy, name);
    let best: { s: StreamState; fresh: number; block: string | null } | null = null;
    const streamVerdicts: StreamVerdict[] = [];
    for (const s of members) {
      // Raw data decides; a stream with only downsampled blocks uses theirs.
      const raw = s.tops.filter((t) => t[2] === 0);
      const top = newestBy(raw.length > 0 ? raw : s.tops, (t) => t[1]);
      const [block, fresh] = [top[0], top[1]];
      streamVerdicts.push({ labels: s.labels, status: statusForLag(now - fresh, t), dataLagSeconds: seconds(now - fresh) });
      if (best === null || fresh > best.fresh) best = { s, fresh, block };
    }
    const fresh = best!.fresh;
    const status = statusForLag(now - fresh, t);
    const crossed = status === "stalled" ? fresh + t.stallAfterMs : status === "late" ? fresh + t.lateAfterMs : now;
    const since = sinceFor(name, status, crossed);
    const uploads = members.flatMap((s) => s.tops.map((t) => t[3])).filter((x): x is number => x !== null);
    clusters[name] = { status, since };
    verdicts.push({
      cluster: name,
      status,
      dataLagSeconds: seconds(now - fresh),
      newestMaxTime: iso(fresh),
      lastUploadAt: uploads.length > 0 ? iso(Math.max(...uploads)) : null,
      newestBlock: best!.block,
      since: iso(since),
      blocksUploaded: uploaded.get(name)?.blocks ?? 0,
      bytesUploaded: uploaded.get(name)?.bytes ?? 0,
      streams: streamVerdicts.sort((a, b) => b.dataLagSeconds - a.dataLagSeconds || cmpText(JSON.stringify(a.labels), JSON.stringify(b.labels))),
    });
  }
  for (const name of policy.expectedClusters) {
    if (groups.has(name)) continue;
    const since = sinceFor(name, "missing", now);
    clusters[name] = { status: "missing", since };
    verdicts.push({
      cluster: name,
      status: "missing",
      dataLagSeconds: null,
      newestMaxTime: null,
      lastUploadAt: null,
      newestBlock: null,
      since: iso(since),
      blocksUploaded: 0,
      bytesUploaded: 0,
      streams: [],
    });
  }
  verdicts.sort(
    (a, b) =>
      STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) ||
      (b.dataLagSeconds ?? 0) - (a.dataLagSeconds ?? 0) ||
      cmpText(a.cluster, b.cluster),
  );

  const hadState = prev.cursor !== null;
  const newClusters = hadState
    ? verdicts.filter((v) => v.status !== "missing" && !Object.hasOwn(prev.clusters, v.cluster)).map((v) => v.cluster).sort(cmpText)
    : [];
  const pending = obs.pending.filter((p) => inWindow(p.block)).sort(byBlock);

  const state: State = {
    version: 1,
    cursor: obs.cursor ?? prev.cursor,
    streams,
    clusters,
    pending,
    recent: obs.recent,
    corrupt: [...corrupt.values()].sort(byBlock),
    unlabeled: [...unlabeled.values()].sort(byBlock),
    overlaps,
    ledger: prev.ledger,
    outbox: prev.outbox,
  };
  const report: Report = {
    now: iso(now),
    complete: obs.complete,
    clusters: verdicts,
    partialBlocks: pending
      .filter((p) => now - p.lastActivity > policy.partialAfterMs)
      .map((p) => ({ block: p.block, ageSeconds: seconds(now - p.lastActivity) })),
    corruptBlocks: state.corrupt,
    unlabeledBlocks: state.unlabeled,
    overlaps: Object.values(overlaps)
      .map((o) => ({ cluster: o.cluster, labels: o.labels, blocks: o.ranges.map((r) => r[0]) }))
      .sort((a, b) => cmpText(a.cluster, b.cluster) || cmpText(JSON.stringify(a.labels), JSON.stringify(b.labels))),
    newClusters,
    stats: obs.stats,
  };
  return { state, report };
}

/** The entry with the greatest value, the newest ULID on a tie. */
function newestBy<T extends TopBlock>(entries: readonly T[], value: (t: T) => number): T {
  return entries.reduce((best, t) => (value(t) > value(best) || (value(t) === value(best) && t[0] > best[0]) ? t : best));
}

/**
 * Keeps the blocks that could still be a stream's freshest (raw or downsampled) or latest upload
 * for some part of the lookback: walking from the newest ULID back, a block stays only if it beats
 * every newer one. A healthy stream keeps one block; a stalled one behind compactor blocks, two.
 */
export function paretoTops(tops: readonly TopBlock[]): TopBlock[] {
  const byNewest = [...tops].sort((a, b) => (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0));
  const kept = new Set<TopBlock>();
  const frontier = (members: TopBlock[], value: (t: TopBlock) => number) => {
    let best = -Infinity;
    for (const t of members) {
      if (value(t) > best) {
        kept.add(t);
        best = value(t);
      }
    }
  };
  frontier(byNewest.filter((t) => t[2] === 0), (t) => t[1]);
  frontier(byNewest.filter((t) => t[2] !== 0), (t) => t[1]);
  frontier(byNewest.filter((t) => t[3] !== null), (t) => t[3]!);
  return byNewest.filter((t) => kept.has(t));
}

/** The array itself when every item passes: nothing copied for the common case. */
function keepAll<T>(items: T[], pass: (t: T) => boolean): T[] {
  return items.every(pass) ? items : items.filter(pass);
}

function cmpText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Blocks whose deletion mark must be looked up before they count as a finding: a deletion-marked
 * block is out of every finding, but looking up every block's mark would double the requests.
 */
export function blocksToCheckForDeletion(prev: State, blocks: readonly Block[], policy: Policy, now: number): Set<string> {
  const suspects = new Set<string>();
  const byKey = new Map<string, Range[]>();
  for (const b of blocks) {
    if (clusterOf(b.labels, policy.clusterLabel) === null) {
      suspects.add(b.ulid);
      continue;
    }
    if (isShippedBySidecar(b) && b.level === 1 && !b.outOfOrder && b.resolution === 0) {
      const key = streamKey(b.labels);
      byKey.set(key, [...(byKey.get(key) ?? []), [b.ulid, b.minTime, b.maxTime]]);
    }
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
}
