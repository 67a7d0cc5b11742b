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
 * One check of the bucket: read what is new, then judge. Shared by the CLI and the Lambda. The
 * Thanos half (scanBucket, evaluate) and the Federated ETL half (lib/federated) run side by side and
 * meet here, in the merge.
 */
export async function checkBucket(bucket: BucketReader, prev: State, now: number, policy: Policy, opts: CheckOptions): Promise<Judgement> {
  const { state, report } = await inspectBucket(bucket, prev, now, policy, opts);
  return { state, report };
}

/** `checkBucket`, also returning the blocks this run read (a run without state reads every block of the lookback: the board draws them). */
export async function inspectBucket(
  bucket: BucketReader,
  prev: State,
  now: number,
  policy: Policy,
  opts: CheckOptions,
): Promise<Judgement & { blocks: ObservedBlock[] }> {
  const started = performance.now();
  const before = { ...bucket.requests };
  const mode = opts.source ?? "auto";

  let thanos: Judgement | null = null;
  let prefixesListed = 0;
  let metaRead = 0;
  let sawFederated = false;
  let blocks: ObservedBlock[] = [];
  if (mode !== "federated-etl") {
    const reader = mode === "auto" ? watchTopLevel(bucket, (names) => (sawFederated ||= names.includes(FEDERATED_ROOT.slice(0, -1)))) : bucket;
    const scanned = await scanBucket(reader, prev, now, policy, opts);
    const { prefixesListed: p, metaRead: m, ...observed } = scanned;
    prefixesListed = p;
    metaRead = m;
    blocks = observed.blocks;
    // Once a day, after the scan: the judgement of new blocks never waits for it.
    let retention;
    if (observed.complete && retentionDue(prev, now, policy)) {
      try {
        retention = (await readRetention(bucket, now, policy, opts)) ?? undefined;
      } catch {
        retention = undefined; // the scan read the bucket: a failure here is retried by the next run
      }
    }
    thanos = evaluate(prev, { ...observed, ...(retention ? { retention } : {}), stats: { prefixesListed, metaRead, listRequests: 0, getRequests: 0, durationMs: 0 } }, now, policy);
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
    ...(hourlyFilesListed === undefined ? {} : { hourlyFilesListed }),
  };
  const judgement = mergeSources(prev, thanos, etl, now, stats);
  if (late && readEtl) judgement.report.complete = false;
  judgement.report.stats.durationMs = Math.round(performance.now() - started);
  return { ...judgement, blocks };
}
