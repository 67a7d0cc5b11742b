import type { BucketReader } from "../bucket/bucket";
import { judgeEtl, type EtlJudgement } from "../federated/judge";
import { etlPolicyOf, type SourceMode } from "../federated/policy";
import { scanEtl } from "../federated/scan";
import { FEDERATED_ROOT } from "../federated/layout";
import { evaluate, type Judgement, type ObservedBlock } from "../health/evaluate";
import type { RunStats } from "../health/report";
import type { Policy } from "../policy/policy";
import { readRetention, retentionDue } from "../scan/retention";
import { scanBucket, type ScanOptions } from "../scan/scan";
import type { State } from "../state/state";
import { mergeSources } from "./merge";
import { watchTopLevel } from "./watch-top-level";

export interface CheckOptions extends ScanOptions {
  /** Which layouts to read (default `auto`: Thanos blocks and Kubecost 2.x Federated ETL). */
  source?: SourceMode;
}

/**
 * meta.json reads folded into the state at a time. A run holds the blocks of one part of the
 * lookback (a few MB) instead of all of it: a first run at 10,000 clusters read 280,000 blocks and
 * peaked at 1 GB. Large enough that a steady-state run at 1,000 clusters is one part.
 */
export const BLOCKS_PER_PART = 4_000;

/** How the run's blocks were held: `peakBlocks` is the most held at once (at most about BLOCKS_PER_PART). */
export interface PartStats {
  parts: number;
  peakBlocks: number;
}

/**
 * One check of the bucket: read what is new, then judge. Shared by the CLI and the Lambda. The
 * Thanos half (scanBucket, evaluate) and the Federated ETL half (lib/federated) run side by side and
 * meet here, in the merge.
 */
export async function checkBucket(bucket: BucketReader, prev: State | LentState, now: number, policy: Policy, opts: CheckOptions): Promise<Judgement & { parts: PartStats }> {
  const { state, report, parts } = await judgeBucket(bucket, prev, now, policy, opts, false);
  return { state, report, parts };
}

/**
 * The previous state lent to the engine by a caller that keeps no other reference to it (the
 * scheduled run). In a run of several parts the engine takes it out once the first is folded and
 * keeps only what the report is judged against: the streams each later part replaces are then
 * freed as the run goes on (at 10,000 clusters both generations cost 22 MiB each). `lent` is then
 * null; until then, a caller whose check failed finds the state there.
 */
export interface LentState {
  lent: State | null;
}

/** What a run still needs of the state it began with once its first part is folded: no streams, no record of prefixes. */
export function judgedAgainst(prev: State): State {
  return { ...prev, streams: {}, seen: "", pending: [], corrupt: [], unlabeled: [], overlaps: {} };
}

/** `checkBucket`, also returning the blocks this run read (a run without state reads every block of the lookback: the board draws them). */
export async function inspectBucket(
  bucket: BucketReader,
  prev: State,
  now: number,
  policy: Policy,
  opts: CheckOptions,
): Promise<Judgement & { blocks: ObservedBlock[] }> {
  const { state, report, blocks } = await judgeBucket(bucket, prev, now, policy, opts, true);
  return { state, report, blocks };
}

async function judgeBucket(
  bucket: BucketReader,
  given: State | LentState,
  now: number,
  policy: Policy,
  opts: CheckOptions,
  keepBlocks: boolean,
): Promise<Judgement & { blocks: ObservedBlock[]; parts: PartStats }> {
  const started = performance.now();
  const lent = "lent" in given ? given : null;
  let prev = lent ? lent.lent! : (given as State);
  const before = { ...bucket.requests };
  const mode = opts.source ?? "auto";

  let thanos: Judgement | null = null;
  let prefixesListed = 0;
  let metaRead = 0;
  let sawFederated = false;
  const blocks: ObservedBlock[] = [];
  const parts: PartStats = { parts: 0, peakBlocks: 0 };
  if (mode !== "federated-etl") {
    const reader = mode === "auto" ? watchTopLevel(bucket, (names) => (sawFederated ||= names.includes(FEDERATED_ROOT.slice(0, -1)))) : bucket;
    // The lookback is read in parts of at most BLOCKS_PER_PART blocks, each folded into the state
    // before the next is read, as if each part were a run of its own (a run with state reaches the
    // verdict of a run without state). The report is that of the last fold, judged against the
    // state the run began with (cluster transitions, new clusters), with this run's uploads summed.
    let state = prev;
    const uploaded = new Map<string, { blocks: number; bytes: number }>();
    let last = false;
    // One part: scanned and judged in a frame of its own, so its blocks are garbage once it returns.
    const foldPart = async (state: State): Promise<Judgement> => {
      const scanned = await scanBucket(reader, state, now, policy, {
        ...opts,
        // A fixed size, not one block per known stream: at 10,000 clusters parts of 11,000 blocks
        // had the first run's second run killed in the deployed 256 MB (parts of 4,000 completed).
        maxBlocks: opts.maxBlocks ?? BLOCKS_PER_PART,
        relistBefore: prev.cursor,
        recheck: parts.parts === 0,
      });
      const { prefixesListed: p, metaRead: m, more, ...observed } = scanned;
      parts.parts += 1;
      parts.peakBlocks = Math.max(parts.peakBlocks, observed.blocks.length + observed.corrupt.length);
      prefixesListed += p;
      metaRead += m;
      if (keepBlocks) for (const b of observed.blocks) blocks.push(b);
      last = !more;
      // Once a day, after the scan: the judgement of new blocks never waits for it.
      let retention;
      if (last && observed.complete && retentionDue(prev, now, policy)) {
        try {
          retention = (await readRetention(bucket, now, policy, opts)) ?? undefined;
        } catch {
          retention = undefined; // the scan read the bucket: a failure here is retried by the next run
        }
      }
      const base = last && parts.parts > 1 ? { ...state, cursor: prev.cursor, clusters: prev.clusters } : state;
      opts.collect?.(); // the scan's garbage, before the judgement makes its own
      return evaluate(base, { ...observed, ...(retention ? { retention } : {}), stats: { prefixesListed, metaRead, listRequests: 0, getRequests: 0, durationMs: 0 } }, now, policy);
    };
    for (;;) {
      thanos = await foldPart(state);
      if (last) break;
      if (lent && lent.lent !== null) {
        lent.lent = null;
        prev = judgedAgainst(prev);
      }
      for (const c of thanos.report.clusters) {
        if (c.blocksUploaded === 0 && c.bytesUploaded === 0) continue;
        const u = uploaded.get(c.cluster) ?? { blocks: 0, bytes: 0 };
        u.blocks += c.blocksUploaded;
        u.bytes += c.bytesUploaded;
        uploaded.set(c.cluster, u);
      }
      state = thanos.state;
      thanos = null;
      opts.collect?.();
    }
    for (const c of thanos!.report.clusters) {
      const u = uploaded.get(c.cluster);
      if (u) {
        c.blocksUploaded += u.blocks;
        c.bytesUploaded += u.bytes;
      }
    }
  }

  let etl: EtlJudgement | null = null;
  let hourlyFilesListed: number | undefined;
  // Auto: read the ETL half when the top level shows federated/, or state remembers ETL clusters
  // (their folder may have gone), or the Thanos listing stopped before it could tell.
  const remembered = prev.etl != null && Object.keys(prev.etl.clusters).length > 0;
  const readEtl = mode === "federated-etl" || (mode === "auto" && bucket.listKeys !== undefined && (sawFederated || remembered || !thanos!.report.complete));
  // Past the time budget the Thanos half stopped early; the ETL half is not started (its state kept).
  const late = opts.deadline !== undefined && (opts.clock ?? Date.now)() > opts.deadline;
  if (!late && (readEtl || (mode === "auto" && bucket.listKeys !== undefined))) {
    // Nothing to read is judged too (for free): the next cluster to appear is then a new one.
    const observed = readEtl
      ? await scanEtl(bucket, prev.etl ?? null, now, { ...opts, lookbackMs: policy.lookbackMs })
      : { clusters: [], listed: {}, complete: true, filesListed: 0 };
    hourlyFilesListed = observed.filesListed;
    etl = judgeEtl(prev.etl ?? null, observed, now, {
      etl: etlPolicyOf(policy),
      lookbackMs: policy.lookbackMs,
      // Thanos's evaluate reports expected clusters it has no block of; alone, this source does.
      expectedClusters: thanos ? [] : policy.expectedClusters,
    });
  }

  const stats: RunStats = {
    prefixesListed,
    metaRead,
    listRequests: bucket.requests.listRequests - before.listRequests,
    getRequests: bucket.requests.getRequests - before.getRequests,
    durationMs: 0,
    ...(mode === "federated-etl" ? {} : { peakBlocks: parts.peakBlocks }),
    ...(hourlyFilesListed === undefined ? {} : { hourlyFilesListed }),
  };
  const judgement = mergeSources(prev, thanos, etl, now, stats);
  if (late && readEtl) judgement.report.complete = false;
  judgement.report.stats.durationMs = Math.round(performance.now() - started);
  return { ...judgement, blocks, parts };
}
