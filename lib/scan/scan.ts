import type { BucketReader } from "../bucket/bucket";
import type { PendingPrefix } from "../domain/block";
import { MAX_META_BYTES, parseMeta } from "../domain/meta";
import { isUlid, ulidFloor, ulidTime } from "../domain/ulid";
import { blocksToCheckForDeletion, type ObservedBlock, type Observation } from "../health/evaluate";
import type { Policy } from "../policy/policy";
import type { State } from "../state/state";
import { forEachLimit } from "./concurrency";

export interface ScanOptions {
  /** meta.json reads in flight at once. */
  concurrency: number;
  /** Wall-clock time (ms, per `clock`) after which no new page is started; progress is kept. */
  deadline?: number;
  clock?: () => number;
}

/**
 * Reads what is new in the bucket since the previous state: the imperative shell around the
 * pure evaluation. Costs one LIST per 1,000 prefixes listed and one GET per new block; prefixes
 * without meta.json cost one more LIST each time they are re-checked.
 */
export async function scanBucket(bucket: BucketReader, prev: State, now: number, policy: Policy, opts: ScanOptions): Promise<Omit<Observation, "stats"> & { prefixesListed: number; metaRead: number }> {
  const clock = opts.clock ?? Date.now;
  const horizon = ulidFloor(now - policy.lookbackMs);
  let startAfter = horizon;
  if (prev.cursor !== null) {
    // Re-list a window behind the cursor: a recovering sidecar ships blocks created before it.
    const relistFrom = ulidFloor(Math.min(ulidTime(prev.cursor), now) - policy.relistMs);
    if (relistFrom > startAfter) startAfter = relistFrom;
  }
  const known = new Set([...prev.recent, ...prev.pending.map((p) => p.block)]);
  // A future ULID (clock skew) must not carry the cursor past blocks still to come.
  const cursorCap = ulidFloor(now + 1);

  const blocks: ObservedBlock[] = [];
  const corrupt: Observation["corrupt"] = [];
  const pending: PendingPrefix[] = [];
  const processed: string[] = [];
  let cursor = prev.cursor;
  let complete = true;
  let prefixesListed = 0;
  let metaRead = 0;

  const read = async (block: string) => {
    metaRead += 1;
    const meta = await bucket.readMeta(block, MAX_META_BYTES);
    if (meta.kind === "found") {
      let parsed: ReturnType<typeof parseMeta>;
      try {
        parsed = parseMeta(block, meta.body, meta.lastModified);
      } catch (err) {
        // Hostile content must never fail the run: whatever the parser cannot take is a corrupt block.
        parsed = { ok: false, reason: `meta.json cannot be read (${String((err as Error)?.message ?? err).slice(0, 100)})` };
      }
      if (parsed.ok) blocks.push({ ...parsed.block, deletionMarked: null });
      else corrupt.push({ block, reason: parsed.reason, deletionMarked: null });
      return true;
    }
    if (meta.kind === "too-large") {
      corrupt.push({ block, reason: `meta.json is ${meta.size} bytes, over the ${MAX_META_BYTES}-byte limit`, deletionMarked: null });
      return true;
    }
    return false;
  };
  // A prefix without meta.json: an upload in progress, an aborted one, or a deletion in progress.
  const inspectIncomplete = async (block: string) => {
    const objects = await bucket.listBlock(block);
    if (objects.length === 0) return; // gone
    if (objects.some((o) => o.path === "deletion-mark.json")) return; // being deleted, not a failure
    if (objects.some((o) => o.path === "meta.json") && (await read(block))) return; // completed meanwhile
    const newest = Math.max(...objects.map((o) => o.lastModified));
    pending.push({ block, lastActivity: Math.max(ulidTime(block), newest) });
  };

  // The next page is requested while this one's meta.json are read: a LIST round trip per page
  // no longer adds to the run's time. A prefetched page is only used after the deadline check.
  const pages = bucket.listTopLevel(startAfter)[Symbol.asyncIterator]();
  const fetchPage = () => {
    const p = pages.next();
    p.catch(() => {}); // awaited below; a page abandoned at the deadline must not reject unhandled
    return p;
  };
  let nextPage = fetchPage();
  for (;;) {
    const got = await nextPage;
    if (got.done) break;
    const page = got.value;
    if (opts.deadline !== undefined && clock() > opts.deadline) {
      complete = false;
      void pages.return?.(undefined)?.catch(() => {});
      break;
    }
    nextPage = fetchPage();
    prefixesListed += page.length;
    const names = page.filter(isUlid);
    await forEachLimit(
      names.filter((n) => !known.has(n)),
      opts.concurrency,
      async (n) => {
        if (!(await read(n))) await inspectIncomplete(n);
      },
    );
    for (const n of names) {
      processed.push(n);
      if (n <= cursorCap && (cursor === null || n > cursor)) cursor = n;
    }
  }

  // Earlier prefixes without meta.json: still uploading, completed, aborted or deleted since?
  const horizonTime = now - policy.lookbackMs;
  await forEachLimit(
    prev.pending.filter((p) => ulidTime(p.block) >= horizonTime),
    opts.concurrency,
    (p) => inspectIncomplete(p.block),
  );

  // Blocks of earlier findings: marked for deletion or deleted since? Then they are findings no more
  // (a run without state would not see them); chunks left without meta.json are an incomplete prefix.
  const readNow = new Set([...blocks.map((b) => b.ulid), ...corrupt.map((c) => c.block)]);
  const findingBlocks = new Set(
    [...prev.corrupt.map((c) => c.block), ...prev.unlabeled.map((u) => u.block), ...Object.values(prev.overlaps).flatMap((o) => o.ranges.map((r) => r[0]))].filter(
      (b) => !readNow.has(b) && ulidTime(b) >= horizonTime,
    ),
  );
  const forgotten: string[] = [];
  await forEachLimit([...findingBlocks], opts.concurrency, async (block) => {
    if (await bucket.hasDeletionMark(block)) forgotten.push(block);
    else if (!(await bucket.hasMeta(block))) {
      forgotten.push(block);
      await inspectIncomplete(block);
    }
  });

  // Only blocks about to become a finding pay for a deletion-mark lookup.
  const suspects = blocksToCheckForDeletion(prev, blocks, policy, now);
  const toCheck = [...blocks.filter((b) => suspects.has(b.ulid)), ...corrupt];
  await forEachLimit(toCheck, opts.concurrency, async (item) => {
    item.deletionMarked = await bucket.hasDeletionMark("ulid" in item ? item.ulid : item.block);
  });

  // An empty listing still proves there is nothing before the horizon to come back for.
  if (cursor === null && complete) cursor = horizon;
  const recentFrom = cursor === null ? now : ulidTime(cursor) - policy.relistMs;
  const recent = processed.filter((n) => ulidTime(n) >= recentFrom);
  return { cursor, complete, recent, blocks, corrupt, pending, forgotten, prefixesListed, metaRead };
}
