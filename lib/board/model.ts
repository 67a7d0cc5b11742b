import { clusterOf, streamKey, type Labels } from "../domain/labels";
import type { ObservedBlock } from "../health/evaluate";
import { reportFindings, type Finding } from "../health/findings";
import type { ClusterVerdict, Report } from "../health/report";
import { thresholdsFor, type Policy, type Thresholds } from "../policy/policy";
import { etlPolicyOf, etlThresholdsFor } from "../federated/policy";
import { ETL_KINDS, type EtlKind } from "../federated/layout";
import type { EtlState } from "../federated/state";
import type { State } from "../state/state";
import { mergeIntervals, type Interval } from "./intervals";
import { streamCoverage, streamGaps } from "./state-adapter";

/** One block drawn on a timeline (known only when the bucket was read: a run without state). */
export interface BoardBlock {
  ulid: string;
  minTime: number;
  maxTime: number;
  level: number;
  resolution: number;
  source: string;
  /** Part of an overlap finding. */
  overlap: boolean;
}

export interface BoardStream {
  labels: Labels;
  status: ClusterVerdict["streams"][number]["status"];
  dataLagSeconds: number;
  /** Merged [from, to) of its raw data in the window. */
  coverage: Interval[];
  /** Every block, when the bucket was read; absent when drawn from the saved state (coverage only). */
  blocks?: BoardBlock[];
  /** Holes in its data (lost cost data), once the state records them. */
  gaps?: Interval[];
}

/** A period the cluster was late or stalled, at least (derived from its data and thresholds). */
export interface Period {
  status: "late" | "stalled";
  from: number;
  to: number;
}

export interface BoardCluster {
  verdict: ClusterVerdict;
  thresholds: Thresholds;
  streams: BoardStream[];
  periods: Period[];
  /** Any finding (overlap, stalled, missing) names it. */
  flagged: boolean;
}

/** What the compactor has done, once the lifecycle work records it (drawn when present). */
export interface BoardCompactor {
  status: string;
  detail?: string;
}

/** Everything the board draws: the renderer takes only this. */
export interface Board {
  /** Where the blocks are (s3://bucket/prefix). */
  location: string;
  report: Report;
  now: number;
  /** The timeline's window: [from, now]. */
  from: number;
  clusterLabel: string;
  defaults: Thresholds;
  clusters: BoardCluster[];
  findings: Finding[];
  /** "bucket" when every block was read this run, "state" when drawn from the saved state. */
  source: "bucket" | "state";
  /** A warning shown above everything (a stale state, a run that stopped early). */
  notice?: string;
  compactor?: BoardCompactor;
}

interface Common {
  report: Report;
  policy: Policy;
  location: string;
  notice?: string;
  /** The Federated ETL state the run saved (its clusters' hourly coverage is drawn from it). */
  etl?: EtlState | null;
}

/** The board of a run that read every block of the lookback (no state): blocks drawn one by one. */
export function boardFromBlocks(input: Common & { blocks: readonly ObservedBlock[] }): Board {
  const { report, policy } = input;
  const now = Date.parse(report.now);
  const from = now - policy.lookbackMs;
  const overlapping = new Set(report.overlaps.flatMap((o) => o.blocks));
  const byStream = new Map<string, BoardBlock[]>();
  for (const b of input.blocks) {
    if (b.deletionMarked || b.ulidTime < from || b.maxTime <= from) continue;
    if (clusterOf(b.labels, policy.clusterLabel) === null) continue;
    const key = streamKey(b.labels);
    const list = byStream.get(key) ?? [];
    list.push({ ulid: b.ulid, minTime: b.minTime, maxTime: b.maxTime, level: b.level, resolution: b.resolution, source: b.source, overlap: overlapping.has(b.ulid) });
    byStream.set(key, list);
  }
  return assemble(input, from, "bucket", (labels) => {
    const blocks = (byStream.get(streamKey(labels)) ?? []).sort((a, b) => a.minTime - b.minTime || (a.ulid < b.ulid ? -1 : 1));
    const coverage = mergeIntervals(blocks.filter((b) => b.resolution === 0).map((b): Interval => [b.minTime, b.maxTime]));
    return { coverage, blocks };
  });
}

/** The board from the saved state (CLI --state, the dashboard widget): coverage, no block list. */
export function boardFromState(input: Common & { state: State }): Board {
  input = { ...input, etl: input.etl ?? input.state.etl ?? null };
  const { report, policy, state } = input;
  const now = Date.parse(report.now);
  const from = now - policy.lookbackMs;
  const byKey = new Map(Object.values(state.streams).map((s) => [streamKey(s.labels), s]));
  return assemble(input, from, "state", (labels) => {
    const s = byKey.get(streamKey(labels));
    return { coverage: s ? streamCoverage(s, from) : [], ...(s && streamGaps(s) ? { gaps: streamGaps(s)! } : {}) };
  });
}

function assemble(input: Common, from: number, source: Board["source"], draw: (labels: Labels) => { coverage: Interval[]; blocks?: BoardBlock[]; gaps?: Interval[] }): Board {
  const { report, policy } = input;
  const now = Date.parse(report.now);
  const findings = reportFindings(report, policy.clusterLabel);
  const flagged = new Set(findings.map((f) => f.cluster).filter((c): c is string => c !== null));
  const clusters = report.clusters.map((verdict): BoardCluster => {
    const etl = verdict.source === "federated-etl";
    const thresholds = etl ? etlThresholdsFor(etlPolicyOf(policy), verdict.cluster) : thresholdsFor(policy, verdict.cluster);
    const drawStream = etl ? (labels: Labels) => etlCoverage(input.etl ?? null, verdict.cluster, labels, from) : draw;
    const streams = verdict.streams.map((s): BoardStream => ({ labels: s.labels, status: s.status, dataLagSeconds: s.dataLagSeconds, ...drawStream(s.labels) }));
    const coverage = mergeIntervals(streams.flatMap((s) => s.coverage));
    // A state that remembers only recent ranges still knows where the newest data ends.
    const newest = verdict.newestMaxTime === null ? null : Date.parse(verdict.newestMaxTime);
    if (newest !== null && (coverage.length === 0 || coverage[coverage.length - 1]![1] < newest)) coverage.push([newest - 1, newest]);
    return { verdict, thresholds, streams, periods: lagPeriods(coverage, thresholds, from, now), flagged: flagged.has(verdict.cluster) };
  });
  return {
    location: input.location,
    report,
    now,
    from,
    clusterLabel: policy.clusterLabel,
    defaults: policy.defaults,
    clusters,
    findings,
    source,
    ...(input.notice ? { notice: input.notice } : report.complete ? {} : { notice: "This run stopped before the end of the listing: newer blocks were not read yet." }),
  };
}

/**
 * A Federated ETL cluster's stream (one per kind, labels `{etl: kind}`): its hourly files cover from
 * the oldest one in the lookback to the newest one's end, less the holes in the sequence.
 */
function etlCoverage(etl: EtlState | null, cluster: string, labels: Labels, from: number): { coverage: Interval[]; gaps: Interval[] } {
  const kind = labels.etl as EtlKind | undefined;
  const c = etl && Object.hasOwn(etl.clusters, cluster) ? etl.clusters[cluster]! : undefined;
  if (!c || kind === undefined || !(ETL_KINDS as readonly string[]).includes(kind)) return { coverage: [], gaps: [] };
  const gaps = mergeIntervals(c.gaps.filter((g) => g[0] === kind).map((g): Interval => [g[2] * 1000, g[3] * 1000])).filter((g) => g[1] > from);
  const newest = c[kind];
  const oldest = c.oldest?.[kind];
  if (newest === null || oldest === undefined) return { coverage: [], gaps };
  const coverage: Interval[] = [];
  let at = Math.max(from, oldest * 1000);
  for (const [a, b] of gaps) {
    if (a > at) coverage.push([at, Math.min(a, newest[2] * 1000)]);
    at = Math.max(at, b);
  }
  if (newest[2] * 1000 > at) coverage.push([at, newest[2] * 1000]);
  return { coverage: coverage.filter((i) => i[1] > i[0]), gaps };
}

/**
 * The periods a cluster was at least late or stalled: data lag at t is t minus the end of the
 * newest data it had shipped by t. Data ending at e and resuming at s (a hole, or nothing yet)
 * left the lag above a threshold T from e + T until s at the earliest (its next block cannot have
 * arrived before its data began); when the upload came later, the period was longer than drawn.
 */
export function lagPeriods(coverage: readonly Interval[], t: Thresholds, from: number, now: number): Period[] {
  const out: Period[] = [];
  for (let i = 0; i < coverage.length; i++) {
    const end = coverage[i]![1];
    const resume = i + 1 < coverage.length ? coverage[i + 1]![0] : now;
    for (const [status, after] of [["late", t.lateAfterMs], ["stalled", t.stallAfterMs]] as const) {
      const start = Math.max(from, end + after);
      const stop = status === "late" ? Math.min(resume, end + t.stallAfterMs) : resume;
      if (stop > start) out.push({ status, from: start, to: Math.min(stop, now) });
    }
  }
  return out;
}
