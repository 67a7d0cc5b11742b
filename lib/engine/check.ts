import type { BucketReader } from "../bucket/bucket";
import { evaluate, type Judgement } from "../health/evaluate";
import type { Policy } from "../policy/policy";
import { readRetention, retentionDue } from "../scan/retention";
import { scanBucket, type ScanOptions } from "../scan/scan";
import type { State } from "../state/state";

/** One check of the bucket: read what is new, then judge. Shared by the CLI and the Lambda. */
export async function checkBucket(
  bucket: BucketReader,
  prev: State,
  now: number,
  policy: Policy,
  opts: ScanOptions,
): Promise<Judgement> {
  const started = performance.now();
  const before = { ...bucket.requests };
  const { prefixesListed, metaRead, ...observed } = await scanBucket(bucket, prev, now, policy, opts);
  // Once a day, after the scan: the judgement of new blocks never waits for it.
  let retention;
  if (observed.complete && retentionDue(prev, now, policy)) {
    try {
      retention = (await readRetention(bucket, now, policy, opts)) ?? undefined;
    } catch {
      retention = undefined; // the scan read the bucket: a failure here is retried by the next run
    }
  }
  const judgement = evaluate(prev, {
    ...observed,
    ...(retention ? { retention } : {}),
    stats: {
      prefixesListed,
      metaRead,
      listRequests: bucket.requests.listRequests - before.listRequests,
      getRequests: bucket.requests.getRequests - before.getRequests,
      durationMs: 0,
    },
  }, now, policy);
  judgement.report.stats.durationMs = Math.round(performance.now() - started);
  return judgement;
}
