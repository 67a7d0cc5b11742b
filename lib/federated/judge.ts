import { formatDuration } from "../domain/duration";
import { missingVerdict, type ClusterVerdict, type CorruptFile, type DataGap, type StreamVerdict } from "../health/report";
import { STATUS_ORDER, statusForLag, type ClusterStatus } from "../health/status";
import { ETL_KINDS, hourlyFolder, startAfterName, type EtlKind } from "./layout";
import { etlThresholdsFor, type EtlPolicy } from "./policy";
import type { EtlObservation, KindListing } from "./scan";
import type { EtlClusterState, EtlCorrupt, EtlFile, EtlGap, EtlState } from "./state";

export interface EtlJudgePolicy {
  etl: EtlPolicy;
  lookbackMs: number;
  /** Clusters to report `missing` when they have no hourly file; empty when Thanos reports them. */
  expectedClusters: readonly string[];
}

export interface EtlJudgement {
  state: EtlState;
  verdicts: ClusterVerdict[];
  dataGaps: DataGap[];
  corruptFiles: CorruptFile[];
  newClusters: string[];
  complete: boolean;
}

/** A file may end within the hour being built; one ending later would read as fresh and hide a stall. */
const FUTURE_SLACK_S = 3600;
const iso = (ms: number) => new Date(ms).toISOString();
const seconds = (ms: number) => Math.floor(ms / 1000);
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byteCmp = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * The Federated ETL health rules as a pure function: (previous etl state, observation, now, policy)
 * -> (etl state, verdicts and findings). Folding a growing bucket in run by run gives what one run
 * without state gives over the same bucket (test/federated-incremental.test.ts).
 *
 * A cluster's freshness is the staler of its newest allocations and assets 1h file `<end>`: the
 * Aggregator shows a cluster's costs from both (allocations are computed on top of assets), so the
 * one that stopped is what the federated view lacks. A kind with no file in the lookback while the
 * other has some is as stale as the lookback is long.
 */
export function judgeEtl(prev: EtlState | null, obs: EtlObservation, now: number, policy: EtlJudgePolicy): EtlJudgement {
  const horizonS = Math.floor((now - policy.lookbackMs) / 1000);
  const horizonName = startAfterName(horizonS, false);
  const inWindowName = (name: string) => byteCmp(name, horizonName) > 0;
  const clusters: Record<string, EtlClusterState> = Object.create(null);
  const verdicts: ClusterVerdict[] = [];
  const dataGaps: DataGap[] = [];
  const corruptFiles: CorruptFile[] = [];
  const newClusters: string[] = [];

  for (const cluster of obs.clusters) {
    const before = prev && Object.hasOwn(prev.clusters, cluster) ? prev.clusters[cluster] : undefined;
    const listing = Object.hasOwn(obs.listed, cluster) ? obs.listed[cluster] : undefined;
    const next: EtlClusterState = { allocations: null, assets: null, gaps: [], corrupt: [], status: null, since: now };
    const oldest: Partial<Record<EtlKind, number>> = {};
    let uploaded = 0;
    let bytes = 0;
    for (const kind of ETL_KINDS) {
      const kindListing = listing?.[kind];
      const r = foldKind(kind, before, kindListing, horizonS, now, inWindowName);
      next[kind] = r.newest;
      if (r.oldest !== null) oldest[kind] = r.oldest;
      next.gaps.push(...r.gaps);
      next.corrupt.push(...r.corrupt);
      uploaded += r.uploaded;
      bytes += r.bytes;
    }

    if (Object.keys(oldest).length > 0) next.oldest = oldest;
    const present = ETL_KINDS.filter((k) => next[k] !== null);
    if (present.length > 0) {
      const t = etlThresholdsFor(policy.etl, cluster);
      const lagOf = (k: EtlKind) => (next[k] === null ? policy.lookbackMs : Math.max(0, now - next[k]![2] * 1000));
      const staler = ETL_KINDS.reduce((a, b) => (lagOf(b) > lagOf(a) ? b : a));
      const lag = lagOf(staler);
      const status = statusForLag(lag, t);
      const fresh = now - lag;
      const crossed = status === "stalled" ? fresh + t.stallAfterMs : status === "late" ? fresh + t.lateAfterMs : now;
      next.status = status;
      next.since = before && before.status === status ? before.since : crossed;
      const streams: StreamVerdict[] = present.map((k) => ({ labels: { etl: k }, status: statusForLag(lagOf(k), t), dataLagSeconds: seconds(lagOf(k)) }));
      const absent = ETL_KINDS.filter((k) => next[k] === null);
      const stale = next[staler];
      verdicts.push({
        cluster,
        status,
        dataLagSeconds: seconds(lag),
        newestMaxTime: stale === null ? null : iso(stale[2] * 1000),
        lastUploadAt: iso(Math.max(...present.map((k) => next[k]![3]))),
        newestBlock: stale === null ? null : `${staler}/1h/${stale[0]}`,
        since: iso(next.since),
        blocksUploaded: uploaded,
        bytesUploaded: bytes,
        streams: streams.sort((a, b) => b.dataLagSeconds - a.dataLagSeconds || cmp(a.labels.etl!, b.labels.etl!)),
        source: "federated-etl",
        ...(absent.length > 0 ? { reason: `no ${absent.join(" or ")} 1h file within the ${formatDuration(policy.lookbackMs)} lookback, while ${present.join(", ")} has some` } : {}),
      });
      if (prev !== null && (before === undefined || before.status === null)) newClusters.push(cluster);
    }
    for (const [kind, , from, to] of next.gaps) {
      dataGaps.push({ cluster, kind, from: iso(from * 1000), to: iso(to * 1000), seconds: to - from });
    }
    for (const [kind, name, reason] of next.corrupt) corruptFiles.push({ cluster, file: hourlyFolder(cluster, kind) + name, reason });
    if (next.status !== null || next.gaps.length > 0 || next.corrupt.length > 0) clusters[cluster] = next;
  }

  const judged = new Set(verdicts.map((v) => v.cluster));
  for (const name of policy.expectedClusters) {
    if (judged.has(name)) continue;
    const before = prev && Object.hasOwn(prev.clusters, name) ? prev.clusters[name] : undefined;
    const since = before && before.status === "missing" ? before.since : now;
    clusters[name] = { ...(clusters[name] ?? { allocations: null, assets: null, gaps: [], corrupt: [] }), status: "missing", since };
    verdicts.push({ ...missingVerdict(name, since), source: "federated-etl" });
  }

  verdicts.sort(worstFirst);
  dataGaps.sort((a, b) => cmp(a.cluster, b.cluster) || cmp(a.kind, b.kind) || cmp(a.from, b.from));
  corruptFiles.sort((a, b) => byteCmp(a.file, b.file));
  return { state: { clusters }, verdicts, dataGaps, corruptFiles, newClusters: newClusters.sort(cmp), complete: obs.complete };
}

/** Worst first, then the longest lag, then by name: the order of evaluate's verdicts. */
export function worstFirst(a: ClusterVerdict, b: ClusterVerdict): number {
  return STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) || (b.dataLagSeconds ?? 0) - (a.dataLagSeconds ?? 0) || cmp(a.cluster, b.cluster);
}

/** One kind of one cluster: the previous newest file and findings, folded with this run's listing. */
function foldKind(
  kind: EtlKind,
  before: EtlClusterState | undefined,
  listing: KindListing | undefined,
  horizonS: number,
  now: number,
  inWindowName: (name: string) => boolean,
): { newest: EtlFile | null; oldest: number | null; gaps: EtlGap[]; corrupt: EtlCorrupt[]; uploaded: number; bytes: number } {
  const prevNewest = before?.[kind] ?? null;
  let newest: EtlFile | null = prevNewest !== null && prevNewest[1] >= horizonS ? prevNewest : null;
  const gaps = (before?.gaps ?? []).filter((g) => g[0] === kind && g[1] >= horizonS);
  // A remembered bad name is kept while it is in the window and this run did not list its range
  // (names after `listing.after` were listed: one not listed again was deleted).
  const corrupt = new Map<string, EtlCorrupt>();
  for (const c of before?.corrupt ?? []) {
    if (c[0] === kind && inWindowName(c[1]) && (listing === undefined || byteCmp(c[1], listing.after) <= 0)) corrupt.set(c[1], c);
  }
  const prevOldest = newest === null ? undefined : before?.oldest?.[kind];
  let oldest = prevOldest === undefined ? null : Math.max(prevOldest, horizonS);
  if (listing === undefined) return { newest, oldest, gaps, corrupt: [...corrupt.values()], uploaded: 0, bytes: 0 };

  let uploaded = 0;
  let bytes = 0;
  const files = [...listing.files].sort((a, b) => a.start - b.start || a.end - b.end || cmp(a.name, b.name));
  // The running end of the sequence: a file starting after it leaves a hole.
  let reach = newest === null ? null : { end: newest[2], start: newest[1] };
  for (const f of files) {
    if (f.end > Math.floor(now / 1000) + FUTURE_SLACK_S) {
      corrupt.set(f.name, [kind, f.name, `ends ${iso(f.end * 1000)}, in the future: the uploading cluster's clock is ahead`]);
      continue;
    }
    if (prevNewest === null || f.name !== prevNewest[0]) {
      uploaded += 1;
      bytes += f.size;
    }
    if (reach !== null && f.start > reach.end) gaps.push([kind, reach.start, reach.end, f.start]);
    if (oldest === null || f.start < oldest) oldest = Math.max(f.start, horizonS);
    if (reach === null || f.end > reach.end) reach = { end: f.end, start: f.start };
    const file: EtlFile = [f.name, f.start, f.end, f.lastModified];
    if (newest === null || f.end > newest[2] || (f.end === newest[2] && f.start > newest[1]) || f.name === newest[0]) newest = file;
  }
  for (const c of listing.corrupt) corrupt.set(c.name, [kind, c.name, c.reason]);
  const uniqueGaps = [...new Map(gaps.map((g) => [`${g[2]}-${g[3]}`, g])).values()];
  return { newest, oldest: newest === null ? null : oldest, gaps: uniqueGaps, corrupt: [...corrupt.values()].sort((a, b) => byteCmp(a[1], b[1])), uploaded, bytes };
}
