import type { BucketReader } from "../bucket/bucket";
import { MAX_META_BYTES, parseMeta } from "../domain/meta";
import { clusterOf } from "../domain/labels";
import { isUlid, ulidTime } from "../domain/ulid";
import type { Policy } from "../policy/policy";
import type { RetentionReading } from "../state/lifecycle-state";
import type { State } from "../state/state";
import { forEachLimit } from "./concurrency";

/** The bucket's start is looked at once a day: retention works in days, a LIST per 1,000 blocks is not free. */
export const RETENTION_EVERY_MS = 24 * 3_600_000;
/** meta.json read of the oldest prefixes. */
export const OLDEST_READ = 5;
/** Thanos deletes a marked block after --delete-delay (48h default): only older data is overdue. */
export const DELETE_DELAY_MS = 48 * 3_600_000;

/** Whether this run looks at the bucket's start: never yet, a day since, or for another retention. */
export function retentionDue(prev: State, now: number, policy: Policy): boolean {
  const last = prev.lifecycle?.retention ?? null;
  return last === null || now - last.checkedAt >= RETENTION_EVERY_MS || now < last.checkedAt || last.retentionMs !== policy.retentionMs;
}

/**
 * Lists the bucket's top level from its start (LIST only) and reads the meta.json of the oldest few
 * ULID prefixes. With a retention it lists on while prefixes are older than retention + 2 days
 * (their ULID time alone proves the data older: a block is created after its data). Returns null
 * when the deadline passed first: the next run tries again.
 */
export async function readRetention(
  bucket: BucketReader,
  now: number,
  policy: Policy,
  opts: { concurrency: number; deadline?: number; clock?: () => number },
): Promise<RetentionReading | null> {
  const clock = opts.clock ?? Date.now;
  const cutoff = policy.retentionMs === null ? null : now - policy.retentionMs - DELETE_DELAY_MS;
  const oldest: string[] = [];
  let overdueByUlid = 0;
  for await (const page of bucket.listTopLevel("")) {
    if (opts.deadline !== undefined && clock() > opts.deadline) return null;
    let done = false;
    for (const name of page) {
      if (!isUlid(name)) continue;
      if (oldest.length < OLDEST_READ) oldest.push(name);
      if (cutoff !== null && ulidTime(name) < cutoff) overdueByUlid += 1;
      else if (oldest.length >= OLDEST_READ) {
        done = true;
        break;
      }
    }
    if (done) break;
  }
  const read: RetentionReading["oldest"] = [];
  await forEachLimit(oldest, opts.concurrency, async (ulid) => {
    const meta = await bucket.readMeta(ulid, MAX_META_BYTES);
    if (meta.kind !== "found") return;
    let parsed: ReturnType<typeof parseMeta>;
    try {
      parsed = parseMeta(ulid, meta.body, meta.lastModified);
    } catch {
      return; // hostile content: the scan reports it where it is in the lookback
    }
    if (parsed.ok) read.push([ulid, parsed.block.maxTime, clusterOf(parsed.block.labels, policy.clusterLabel)]);
  });
  read.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return { checkedAt: now, retentionMs: policy.retentionMs, oldest: read, overdueByUlid };
}
