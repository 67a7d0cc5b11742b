import { clusterOf, streamKey, type Labels } from "../domain/labels";
import { ulidTime } from "../domain/ulid";
import { holes, mergeIntervals } from "../health/intervals";
import { overlappingBlocks, type Range } from "../health/overlaps";
import type { LineageMeta } from "./meta";

const HOUR = 3_600_000;
/** Prometheus's block range with a sidecar, UTC-aligned. */
export const BLOCK_MS = 2 * HOUR;
/** A 2h block is cut about an hour after its window ends (when the head spans 3h). */
export const CUT_DELAY_MS = HOUR;
/** What a healthy sidecar takes from the cut to meta.json (shipper sync every 30 s + the upload). */
export const TYPICAL_SHIP_MS = 30_000;
/** The compactor ignores blocks younger than this (--consistency-delay): a source was uploaded at least this long before its compaction. */
export const CONSISTENCY_DELAY_MS = 30 * 60_000;

/** A block as Prometheus cut it (level 1), read from its own meta.json or inferred from a compacted block. */
export interface OriginalBlock {
  ulid: string;
  /** ULID time: when Prometheus cut it. Exact, even for deleted blocks. */
  createdAt: number;
  labels: Labels;
  stream: string;
  minTime: number;
  maxTime: number;
  /** meta: its own meta.json; parents: a compacted block's compaction.parents; estimated: from its creation time. */
  range: "meta" | "parents" | "estimated";
  uploadedAt: number;
  /** upload_time or last-modified: from its own meta.json; estimated: creation + a healthy shipping delay. */
  upload: "upload_time" | "last-modified" | "estimated";
  /** thanos.source of its own meta ("sidecar" assumed for inferred blocks). */
  source: string;
  outOfOrder: boolean;
}

export interface Gap {
  from: number;
  to: number;
  /** A neighbouring block's range was estimated: the hole's edges may be off by the cut delay. */
  estimated: boolean;
}

export interface StreamHistory {
  key: string;
  labels: Labels;
  cluster: string | null;
  originals: OriginalBlock[];
  /** Oldest data known: anything before was deleted (retention) or never existed. */
  historyFrom: number;
  lastData: number;
  /** Upload times are exact for blocks created at or after this (null: none is). */
  exactFrom: number | null;
  /** Every block of the stream has an exact upload time (a young stream). */
  allExact: boolean;
  gaps: Gap[];
  /** Groups of level-1 blocks of this label set whose ranges overlap (two Prometheus servers share it). */
  overlaps: string[][];
}

export interface History {
  originals: OriginalBlock[];
  streams: StreamHistory[];
  /** Live compacted blocks read (their lineage is where deleted blocks are known from). */
  compactedBlocks: number;
}

const alignedEnd = (createdAt: number) => Math.floor((createdAt - CUT_DELAY_MS) / BLOCK_MS) * BLOCK_MS;

/**
 * Rebuilds the level-1 upload history from what the bucket still holds: live level-1 blocks
 * (exact range and upload time) and the lineage of compacted blocks, whose `sources` keep the ULID
 * (creation time) of every block they were made of and whose `parents` keep exact ranges of their
 * direct parents. A deleted block's upload time is not kept anywhere: it is estimated as its
 * creation plus a healthy shipping delay, so stalls of the sidecar alone that were caught up before
 * compaction cannot be seen there.
 */
export function reconstruct(metas: readonly LineageMeta[], clusterLabel: string, gapToleranceMs = 0): History {
  const originals = new Map<string, OriginalBlock>();
  const isOriginal = (m: LineageMeta) => m.level === 1 && m.source !== "compactor" && m.resolution === 0;
  for (const m of metas) {
    if (!isOriginal(m)) continue;
    originals.set(m.ulid, {
      ulid: m.ulid,
      createdAt: ulidTime(m.ulid),
      labels: m.labels,
      stream: streamKey(m.labels),
      minTime: m.minTime,
      maxTime: m.maxTime,
      range: "meta",
      uploadedAt: m.uploadTime ?? m.lastModified,
      upload: m.uploadTime !== null ? "upload_time" : "last-modified",
      source: m.source || "sidecar",
      outOfOrder: m.outOfOrder,
    });
  }

  // Deleted sources: exact ranges from parents, else an enclosing range (intersection of every compacted block holding them).
  const compacted = metas.filter((m) => !isOriginal(m));
  const exact = new Map<string, { minTime: number; maxTime: number }>();
  const inferred = new Map<string, { labels: Labels; lo: number; hi: number; compactedAt: number }>();
  for (const m of compacted) {
    const sources = new Set(m.sources);
    for (const p of m.parents) if (sources.has(p.ulid)) exact.set(p.ulid, { minTime: p.minTime, maxTime: p.maxTime });
    for (const s of m.sources) {
      if (originals.has(s)) continue;
      const known = inferred.get(s);
      const compactedAt = ulidTime(m.ulid);
      if (!known) inferred.set(s, { labels: m.labels, lo: m.minTime, hi: m.maxTime, compactedAt });
      else inferred.set(s, { labels: known.labels, lo: Math.max(known.lo, m.minTime), hi: Math.min(known.hi, m.maxTime), compactedAt: Math.min(known.compactedAt, compactedAt) });
    }
  }
  const estimatedByStream = new Map<string, OriginalBlock[]>();
  for (const [ulid, info] of inferred) {
    const createdAt = ulidTime(ulid);
    const e = exact.get(ulid);
    let minTime: number;
    let maxTime: number;
    if (e) [minTime, maxTime] = [e.minTime, e.maxTime];
    else {
      maxTime = Math.min(Math.max(alignedEnd(createdAt), info.lo + 1), info.hi);
      minTime = Math.max(info.lo, maxTime - BLOCK_MS);
    }
    const b: OriginalBlock = {
      ulid,
      createdAt,
      labels: info.labels,
      stream: streamKey(info.labels),
      minTime,
      maxTime,
      range: e ? "parents" : "estimated",
      // Shipped promptly, as far as anyone can tell now; never after the compactor could see it.
      uploadedAt: Math.min(createdAt + TYPICAL_SHIP_MS, info.compactedAt - CONSISTENCY_DELAY_MS),
      upload: "estimated",
      source: "sidecar",
      outOfOrder: false,
    };
    originals.set(ulid, b);
    if (!e) estimatedByStream.set(b.stream, [...(estimatedByStream.get(b.stream) ?? []), b]);
  }

  const byStream = new Map<string, OriginalBlock[]>();
  for (const b of originals.values()) byStream.set(b.stream, [...(byStream.get(b.stream) ?? []), b]);
  const streams: StreamHistory[] = [];
  for (const [key, list] of byStream) {
    list.sort((a, b) => a.createdAt - b.createdAt || (a.ulid < b.ulid ? -1 : 1));
    // One Prometheus cuts its blocks in data order: an estimated block starts no earlier than the previous one ends.
    if (estimatedByStream.has(key)) {
      let prevMax = -Infinity;
      for (const b of list) {
        if (b.range === "estimated" && b.minTime < prevMax) {
          b.minTime = prevMax;
          b.maxTime = Math.max(b.maxTime, prevMax + BLOCK_MS);
        }
        prevMax = Math.max(prevMax, b.maxTime);
      }
    }
    let exactFrom: number | null = null;
    for (let i = list.length - 1; i >= 0 && list[i]!.upload !== "estimated"; i--) exactFrom = list[i]!.createdAt;
    const byMin = [...list].sort((a, b) => a.minTime - b.minTime || a.maxTime - b.maxTime);
    // The holes of the monitor's gaps rule (lib/health/intervals.ts): one definition for both.
    const estimatedEdge = (t: number, side: "minTime" | "maxTime") => list.some((b) => b.range === "estimated" && b[side] === t);
    const gaps: Gap[] = holes(mergeIntervals(list.map((b) => [b.minTime, b.maxTime])), gapToleranceMs).map(([from, to]) => ({
      from,
      to,
      estimated: estimatedEdge(from, "maxTime") || estimatedEdge(to, "minTime"),
    }));
    const ranges: Range[] = list
      .filter((b) => b.range !== "estimated" && (b.source === "sidecar" || b.source === "receive") && !b.outOfOrder)
      .map((b) => [b.ulid, b.minTime, b.maxTime]);
    const found = overlappingBlocks(ranges);
    streams.push({
      key,
      labels: list[0]!.labels,
      cluster: clusterOf(list[0]!.labels, clusterLabel),
      originals: list,
      historyFrom: byMin[0]!.minTime,
      lastData: Math.max(...list.map((b) => b.maxTime)),
      exactFrom,
      allExact: list.every((b) => b.upload !== "estimated"),
      gaps,
      overlaps: groupOverlaps(list.filter((b) => found.has(b.ulid))),
    });
  }
  streams.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { originals: [...originals.values()].sort((a, b) => a.createdAt - b.createdAt), streams, compactedBlocks: compacted.length };
}

/** Splits overlapping blocks into groups of mutually overlapping time. */
function groupOverlaps(blocks: OriginalBlock[]): string[][] {
  const sorted = [...blocks].sort((a, b) => a.minTime - b.minTime);
  const groups: string[][] = [];
  let end = -Infinity;
  for (const b of sorted) {
    if (groups.length === 0 || b.minTime >= end) {
      groups.push([]);
      end = b.maxTime;
    }
    groups[groups.length - 1]!.push(b.ulid);
    end = Math.max(end, b.maxTime);
  }
  return groups.map((g) => g.sort());
}
