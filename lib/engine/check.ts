import type { BucketReader } from "../bucket/bucket";
import { evaluate, type Judgement, type ObservedBlock } from "../health/evaluate";
import type { Policy } from "../policy/policy";
import { scanBucket, type ScanOptions } from "../scan/scan";
import type { State } from "../state/state";

/** One check of the bucket: read what is new, then judge. Shared by the CLI and the Lambda. */
export async function checkBucket(bucket: BucketReader, prev: State, now: number, policy: Policy, opts: ScanOptions): Promise<Judgement> {
  const { state, report } = await inspectBucket(bucket, prev, now, policy, opts);
  return { state, report };
}

/** `checkBucket`, also returning the blocks this run read (a run without state reads every block of the lookback: the board draws them). */
export async function inspectBucket(
  bucket: BucketReader,
  prev: State,
  now: number,
  policy: Policy,
  opts: ScanOptions,
): Promise<Judgement & { blocks: ObservedBlock[] }> {
  const started = performance.now();
  const before = { ...bucket.requests };
  const { prefixesListed, metaRead, ...observed } = await scanBucket(bucket, prev, now, policy, opts);
  const judgement = evaluate(prev, {
    ...observed,
    stats: {
      prefixesListed,
      metaRead,
      listRequests: bucket.requests.listRequests - before.listRequests,
      getRequests: bucket.requests.getRequests - before.getRequests,
      durationMs: 0,
    },
  }, now, policy);
  judgement.report.stats.durationMs = Math.round(performance.now() - started);
  return { ...judgement, blocks: observed.blocks };
}
