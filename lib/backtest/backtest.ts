import type { BucketReader } from "../bucket/bucket";
import { isUlid, ulidFloor, ulidTime } from "../domain/ulid";
import type { Labels } from "../domain/labels";
import { thresholdsFor, type Policy } from "../policy/policy";
import { forEachLimit } from "../scan/concurrency";
import type { BucketEvent } from "../simulate/model";
import { metaJson } from "../simulate/objects";
import { freshnessSteps, lagPeriods } from "../simulate/oracle";
import { replay } from "../simulate/replay";
import { reconstruct, type Gap, type History, type StreamHistory } from "./history";
import { readLineage, type LineageMeta } from "./meta";

export interface BacktestOptions {
  now: number;
  /** Length of the window judged (ms), ending at `now`. */
  windowMs: number;
  policy: Policy;
  /** How often the monitor would have run (its schedule). */
  scheduleMs: number;
  concurrency: number;
}

export interface BacktestPeriod {
  status: "late" | "stalled";
  from: number;
  /** Null: still going at `now`. */
  to: number | null;
  /** Upload times inside it were estimated (blocks known only from compaction lineage). */
  estimated: boolean;
}

export interface BacktestNotice {
  at: number;
  kind: "page" | "reminder" | "recovery";
  /** The first run of the window: the cluster was already down when it began. */
  atStart: boolean;
}

export interface BacktestStream {
  labels: Labels;
  blocks: number;
  blocksFromLineage: number;
  historyFrom: number;
  lastData: number;
  exactFrom: number | null;
  allExact: boolean;
  gaps: Gap[];
  /** Groups of level-1 blocks of this label set covering the same time (two Prometheus servers on one label set). */
  overlaps: string[][];
  /** The data time the overlapping blocks cover, null without overlaps. */
  overlapSpan: { from: number; to: number } | null;
}

export interface BacktestCluster {
  cluster: string;
  streams: BacktestStream[];
  periods: BacktestPeriod[];
  notices: BacktestNotice[];
  /** Upload times are exact for every stream of the cluster from this moment (null: never). */
  exactFrom: number | null;
  historyFrom: number;
}

export interface BacktestResult {
  location: string;
  from: number;
  to: number;
  scheduleMs: number;
  read: {
    prefixes: number;
    blocks: number;
    compacted: number;
    partial: { block: string; lastActivity: number; deleting: boolean }[];
    corrupt: { block: string; reason: string }[];
    listRequests: number;
    getRequests: number;
  };
  reconstructed: { blocks: number; fromLineage: number; estimatedRanges: number };
  clusters: BacktestCluster[];
  unlabeled: BacktestStream[];
  /** Oldest moment from which every cluster's upload times are exact (null: some cluster has none). */
  exactFrom: number | null;
  limits: string[];
}

/**
 * What the monitor would have said over the last `windowMs`, from the bucket's own history:
 * reads every block whose ULID is within the window plus one lookback, rebuilds the level-1
 * uploads (history.ts), applies the data-lag rule continuously for the periods, and replays the
 * real scheduled run over the rebuilt uploads for the pages and recoveries it would have sent.
 */
export async function backtest(bucket: BucketReader, opts: BacktestOptions): Promise<BacktestResult> {
  const from = opts.now - opts.windowMs;
  const before = { ...bucket.requests };
  const names: string[] = [];
  for await (const page of bucket.listTopLevel(ulidFloor(from - opts.policy.lookbackMs))) {
    for (const n of page) if (isUlid(n) && ulidTime(n) <= opts.now) names.push(n);
  }
  const metas: LineageMeta[] = [];
  const corrupt: BacktestResult["read"]["corrupt"] = [];
  const missing: string[] = [];
  await forEachLimit(names, opts.concurrency, async (n) => {
    const r = await readLineage(bucket, n);
    if (r.kind === "block") metas.push(r.meta);
    else if (r.kind === "corrupt") corrupt.push({ block: n, reason: r.reason });
    else missing.push(n);
  });
  const partial: BacktestResult["read"]["partial"] = [];
  await forEachLimit(missing, opts.concurrency, async (n) => {
    const objects = await bucket.listBlock(n);
    if (objects.length === 0) return;
    partial.push({ block: n, lastActivity: Math.max(ulidTime(n), ...objects.map((o) => o.lastModified)), deleting: objects.some((o) => o.path === "deletion-mark.json") });
  });
  metas.sort((a, b) => (a.ulid < b.ulid ? -1 : 1));
  partial.sort((a, b) => (a.block < b.block ? -1 : 1));
  corrupt.sort((a, b) => (a.block < b.block ? -1 : 1));

  const history = reconstruct(metas, opts.policy.clusterLabel, opts.policy.gapToleranceMs);
  const clusters = await judge(history, from, opts);
  const maxTimeOf = new Map(history.originals.map((b) => [b.ulid, b.maxTime]));
  const streamOut = (s: StreamHistory): BacktestStream => ({
    labels: s.labels,
    blocks: s.originals.length,
    blocksFromLineage: s.originals.filter((b) => b.upload === "estimated").length,
    historyFrom: s.historyFrom,
    lastData: s.lastData,
    exactFrom: s.exactFrom,
    allExact: s.allExact,
    gaps: s.gaps.filter((g) => g.to > from),
    overlaps: s.overlaps.filter((g) => g.some((u) => maxTimeOf.get(u)! > from)),
    overlapSpan: overlapSpan(s, from),
  });
  const result: BacktestResult = {
    location: bucket.location,
    from,
    to: opts.now,
    scheduleMs: opts.scheduleMs,
    read: {
      prefixes: names.length,
      blocks: metas.length,
      compacted: history.compactedBlocks,
      partial,
      corrupt,
      listRequests: bucket.requests.listRequests - before.listRequests,
      getRequests: bucket.requests.getRequests - before.getRequests,
    },
    reconstructed: {
      blocks: history.originals.length,
      fromLineage: history.originals.filter((b) => b.upload === "estimated").length,
      estimatedRanges: history.originals.filter((b) => b.range === "estimated").length,
    },
    clusters: clusters.map((c) => ({ ...c, streams: history.streams.filter((s) => s.cluster === c.cluster).map(streamOut) })),
    unlabeled: history.streams.filter((s) => s.cluster === null).map(streamOut),
    exactFrom: null,
    limits: [],
  };
  // Young streams are exact from their first block: only the others say how far back uploads are known.
  const exacts = result.clusters.filter((c) => c.streams.some((s) => s.lastData > from && !s.allExact)).map((c) => c.exactFrom);
  result.exactFrom = exacts.length > 0 && exacts.every((x) => x !== null) ? Math.max(...(exacts as number[])) : null;
  result.limits = limits(result, opts.policy);
  return result;
}

function overlapSpan(s: StreamHistory, from: number): BacktestStream["overlapSpan"] {
  const ids = new Set(s.overlaps.flat());
  const blocks = s.originals.filter((b) => ids.has(b.ulid) && b.maxTime > from);
  return blocks.length === 0 ? null : { from: Math.min(...blocks.map((b) => b.minTime)), to: Math.max(...blocks.map((b) => b.maxTime)) };
}

async function judge(history: History, from: number, opts: BacktestOptions): Promise<Omit<BacktestCluster, "streams">[]> {
  const uploads = history.originals.map((b) => ({ at: b.uploadedAt, maxTime: b.maxTime, labels: b.labels }));
  const steps = freshnessSteps(uploads, opts.policy.clusterLabel);

  // The real scheduled run over the rebuilt uploads: meta.json of each level-1 block appears at its upload time.
  const events: BucketEvent[] = history.originals
    .filter((b) => b.uploadedAt <= opts.now)
    .map((b) => ({
      at: b.uploadedAt,
      key: `${b.ulid}/meta.json`,
      body: metaJson({
        ulid: b.ulid,
        minTime: b.minTime,
        maxTime: b.maxTime,
        labels: b.labels,
        level: 1,
        resolution: 0,
        source: "sidecar", // receive blocks are judged the same way
        sources: [b.ulid],
        segments: 1,
        sizeBytes: 0,
        uploadTime: b.uploadedAt,
      }),
    }))
    .sort((a, b) => a.at - b.at);
  const r = await replay(events, { from, to: opts.now, scheduleMs: opts.scheduleMs, policy: opts.policy, bucket: { kind: "memory" }, concurrency: opts.concurrency });
  const notices = new Map<string, BacktestNotice[]>();
  const add = (cluster: string, n: BacktestNotice) => notices.set(cluster, [...(notices.get(cluster) ?? []), n]);
  for (const n of r.published) {
    const atStart = n.at === from;
    for (const v of n.down) add(v.cluster, { at: n.at, kind: "page", atStart });
    for (const v of n.reminders) add(v.cluster, { at: n.at, kind: "reminder", atStart });
    for (const x of n.recovered) add(x.verdict.cluster, { at: n.at, kind: "recovery", atStart });
  }

  const out: Omit<BacktestCluster, "streams">[] = [];
  for (const [cluster, s] of steps) {
    const members = history.streams.filter((x) => x.cluster === cluster);
    const blocks = members.flatMap((m) => m.originals);
    const t = thresholdsFor(opts.policy, cluster);
    const periods = lagPeriods(s, t, opts.now)
      .filter((p) => (p.to ?? Infinity) > from && p.from < opts.now)
      .map((p) => ({
        ...p,
        estimated: blocks.some((b) => b.upload === "estimated" && b.uploadedAt >= p.from - t.stallAfterMs - 3 * 3_600_000 && b.uploadedAt <= (p.to ?? opts.now) + 3 * 3_600_000),
      }));
    const partly = members.filter((m) => !m.allExact);
    const exacts = (partly.length > 0 ? partly : members).map((m) => m.exactFrom);
    out.push({
      cluster,
      periods,
      notices: notices.get(cluster) ?? [],
      exactFrom: exacts.every((x) => x !== null) ? (partly.length > 0 ? Math.max(...(exacts as number[])) : Math.min(...(exacts as number[]))) : null,
      historyFrom: Math.min(...members.map((m) => m.historyFrom)),
    });
  }
  return out.sort((a, b) => (a.cluster < b.cluster ? -1 : 1));
}

const day = (t: number) => new Date(t).toISOString().replace(/:\d\d\.\d+Z$/, "Z").replace("T", " ");

/** What this backtest cannot know, in plain words, with this bucket's dates. */
function limits(r: BacktestResult, policy: Policy): string[] {
  const out: string[] = [];
  out.push(
    r.exactFrom !== null
      ? `Upload times are exact from ${day(r.exactFrom)} on: the oldest level-1 blocks still in the bucket (the compactor deletes them 48h after compacting them). ` +
          `Before that, blocks are known only from the compaction.sources of compacted blocks: when Prometheus cut them, not when they were shipped, so uploads are taken as prompt. ` +
          `A sidecar stall whose backlog was shipped before compaction does not show there; Prometheus down, lost data and decommissions still do (no blocks were cut).`
      : "Some clusters have no level-1 block left in the bucket: all their upload times are estimated from creation times (uploads taken as prompt).",
  );
  const oldest = Math.min(...r.clusters.map((c) => c.historyFrom));
  if (Number.isFinite(oldest) && oldest > r.from) {
    out.push(`Nothing before ${day(oldest)} can be reconstructed: older data was deleted (retention) or never uploaded.`);
  } else {
    out.push(`Data older than the compactor's raw retention is deleted with its blocks; a cluster's history starts at its oldest block (HISTORY FROM).`);
  }
  out.push(
    `Aborted uploads (prefixes without meta.json) are deleted by the compactor 48h after their ULID time: older ones leave no trace. ` +
      `${r.read.partial.filter((p) => !p.deleting).length} are in the bucket now; they carry no labels and are not attributed to a cluster.`,
  );
  out.push(
    `Blocks never uploaded (lost to Prometheus's local retention during a long outage, or empty windows) show as gaps; a gap does not say which. ` +
      `Pages and recoveries come from replaying the scheduled run every ${Math.round(r.scheduleMs / 60_000)}m with ${policy.clusterLabel} as the cluster label over the rebuilt uploads; compactor blocks are not replayed (they never make data fresher).`,
  );
  return out;
}
