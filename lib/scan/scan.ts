import type { BucketReader } from "../bucket/bucket";
import type { PendingPrefix } from "../domain/block";
import { streamKey } from "../domain/labels";
import { MAX_META_BYTES, parseMeta } from "../domain/meta";
import { isUlid, ulidFloor, ulidTime } from "../domain/ulid";
import { blocksToCheckForDeletion, type ObservedBlock, type Observation } from "../health/evaluate";
import { overlapProbes } from "../health/rules/overlaps";
import type { Policy } from "../policy/policy";
import type { State } from "../state/state";
import { forEachLimit, limiter } from "./concurrency";
import { Builder, NO_STREAM, SeenPrefixes, tagOf } from "./seen";
import { planSlices } from "./slices";

export interface ScanOptions {
  /** meta.json reads in flight at once. */
  concurrency: number;
  /** Wall-clock time (ms, per `clock`) after which no new page is started; progress is kept. */
  deadline?: number;
  clock?: () => number;
  /**
   * meta.json reads after which no new page is started: the scan stops as at its deadline, with
   * `more` set, and the engine folds what was read before it reads on (lib/engine/check.ts), so a
   * run holds the blocks of one part of the lookback at a time, not all of it.
   */
  maxBlocks?: number;
  /**
   * The cursor the run began with (undefined: prev.cursor). Once the new part is read, the window up
   * to it is listed again for late uploads; what this run already listed after it is not.
   */
  relistBefore?: string | null;
  /** Look again at the previous state's pending prefixes and finding blocks (false: a later part of one run did). */
  recheck?: boolean;
  /**
   * A full garbage collection (the Lambda's exposed gc), run every COLLECT_EVERY meta.json reads or
   * listing pages and, by the engine, between parts: in 128 MB the collector otherwise let the heap
   * grow by a third past what was alive (the garbage of each request and response).
   */
  collect?: () => void;
}

const COLLECT_EVERY = 1_000;
const COLLECT_EVERY_PAGES = 64;

export type ScanResult = Omit<Observation, "stats"> & {
  prefixesListed: number;
  metaRead: number;
  /** Stopped at `maxBlocks` (not at the deadline): fold what was read and scan on from the state. */
  more: boolean;
};

/**
 * Reads what is new in the bucket since the previous state: the imperative shell around the pure
 * evaluation. Every run lists the whole lookback window's top level (one LIST per 1,000 prefixes,
 * in ULID-time slices listed in parallel) and reads one meta.json per prefix it has not read
 * before (SeenPrefixes), whatever its ULID: a sidecar that recovers ships its backlog with ULIDs
 * hours or days old, and a run with state must see every block a run without state sees.
 * Prefixes without meta.json cost one more LIST each time they are re-checked.
 */
export async function scanBucket(bucket: BucketReader, prev: State, now: number, policy: Policy, opts: ScanOptions): Promise<ScanResult> {
  const clock = opts.clock ?? Date.now;
  const horizonMs = now - policy.lookbackMs;
  const horizon = ulidFloor(horizonMs);
  let before = decodeSeen(prev.seen);
  const pendingBefore = new Set(prev.pending.map((p) => p.block));
  // A future ULID (clock skew) must not carry the cursor past blocks still to come.
  const cursorCap = ulidFloor(now + 1);
  const limit = limiter(Math.max(1, opts.concurrency));

  const blocks: ObservedBlock[] = [];
  const corrupt: Observation["corrupt"] = [];
  const pending: PendingPrefix[] = [];
  /** Stream tags of the prefixes whose meta.json this run read. */
  const readTags = new Map<string, number>();
  /** Names this run has read or is reading (two listings meet at the cursor's millisecond). */
  const claimed = new Set<string>();
  let cursor = prev.cursor;
  let complete = true;
  let more = false;
  const budgetSpent = () => opts.maxBlocks !== undefined && metaRead >= opts.maxBlocks;
  let prefixesListed = 0;
  let pagesListed = 0;
  let metaRead = 0;

  const read = async (block: string) => {
    metaRead += 1;
    if (metaRead % COLLECT_EVERY === 0) opts.collect?.();
    const meta = await bucket.readMeta(block, MAX_META_BYTES);
    if (meta.kind === "found") {
      let parsed: ReturnType<typeof parseMeta>;
      try {
        parsed = parseMeta(block, meta.body, meta.lastModified);
      } catch (err) {
        // Hostile content must never fail the run: whatever the parser cannot take is a corrupt block.
        parsed = { ok: false, reason: `meta.json cannot be read (${String((err as Error)?.message ?? err).slice(0, 100)})` };
      }
      if (parsed.ok) {
        blocks.push({ ...parsed.block, deletionMarked: null });
        readTags.set(block, tagOf(streamKey(parsed.block.labels)));
      } else {
        corrupt.push({ block, reason: parsed.reason, deletionMarked: null });
        readTags.set(block, NO_STREAM);
      }
      return true;
    }
    if (meta.kind === "too-large") {
      corrupt.push({ block, reason: `meta.json is ${meta.size} bytes, over the ${MAX_META_BYTES}-byte limit`, deletionMarked: null });
      readTags.set(block, NO_STREAM);
      return true;
    }
    return false;
  };
  // A prefix without meta.json: an upload in progress, an aborted one, or a deletion in progress.
  const inspectIncomplete = async (block: string) => {
    const objects = await bucket.listBlock(block);
    if (objects.length === 0) return; // gone
    // Completed meanwhile, even if the compactor has marked it since: a run without state reads its
    // meta.json too (and its coverage counts until the compacted block's does).
    if (objects.some((o) => o.path === "meta.json") && (await read(block))) return;
    if (objects.some((o) => o.path === "deletion-mark.json")) return; // being deleted, not a failure
    const newest = Math.max(...objects.map((o) => o.lastModified));
    pending.push({ block, lastActivity: Math.max(ulidTime(block), newest) });
  };

  /** Lists one slice of the window [after, until) and reads what is new in it. */
  const scanSlice = async (after: string, until: string | null): Promise<Builder> => {
    // Sized by what the slice held last time (growing by doubling kept up to twice the record).
    const seen = new Builder(before.countBetween(ulidTime(after), until === null ? null : ulidTime(until)) + 1024);
    let last: string | null = null;
    // What this slice does not get to stays as read before: the next part or run continues there.
    const keepRest = () => {
      const from = last === null ? ulidTime(after) : ulidTime(last) + 1;
      before.forEachBetween(from, until === null ? null : ulidTime(until), (time, hash, tag) => seen.push(time, hash, tag));
      return seen;
    };
    // The next page is requested while this one's meta.json are read: a LIST round trip per page
    // no longer adds to the run's time. A prefetched page is only used after the deadline check.
    const pages = bucket.listTopLevel(after)[Symbol.asyncIterator]();
    const fetchPage = () => {
      const p = pages.next();
      p.catch(() => {}); // awaited below; a page abandoned at the deadline must not reject unhandled
      return p;
    };
    let nextPage = fetchPage();
    for (;;) {
      const got = await nextPage;
      if (got.done) break;
      if (opts.deadline !== undefined && clock() > opts.deadline) {
        complete = false;
        void pages.return?.(undefined)?.catch(() => {});
        return keepRest();
      }
      if (++pagesListed % COLLECT_EVERY_PAGES === 0) opts.collect?.();
      const page = until === null ? got.value : got.value.filter((n) => n < until);
      const ended = page.length < got.value.length;
      prefixesListed += page.length;
      const names = page.filter(isUlid);
      const tags = names.map((n) => before.tag(n));
      const toRead = names.filter((n, i) => !(tags[i]! >= 0 || pendingBefore.has(n) || claimed.has(n)));
      // The last page of this part when its reads spend the block budget: no page is fetched for nothing.
      const stopAfter = !ended && opts.maxBlocks !== undefined && metaRead + toRead.length >= opts.maxBlocks;
      if (!ended && !stopAfter) nextPage = fetchPage();
      else void pages.return?.(undefined)?.catch(() => {});
      await Promise.all(
        toRead.map((n) =>
          claimed.has(n) || !claimed.add(n)
            ? undefined
            : limit(async () => {
                if (!(await read(n))) await inspectIncomplete(n);
              }),
        ),
      );
      for (const [i, n] of names.entries()) {
        const tag = tags[i]! >= 0 ? tags[i]! : readTags.get(n);
        if (tag !== undefined) seen.add(n, tag);
        if (n <= cursorCap && (cursor === null || n > cursor)) cursor = n;
        last = n;
      }
      if (ended) break;
      if (stopAfter || budgetSpent()) {
        if (!stopAfter) void pages.return?.(undefined)?.catch(() => {});
        complete = false;
        more = true;
        return keepRest();
      }
    }
    return seen;
  };

  // First what no run has listed yet (after the cursor: a page or two, or the rest of a first run
  // that its time budget cut short), then the window already listed, for late uploads with old
  // ULIDs, in slices listed in parallel. A run out of time has read every new ULID first.
  const resumeAt = prev.cursor !== null && prev.cursor > horizon ? prev.cursor : horizon;
  const parts = [await scanSlice(resumeAt, null)];
  // The window listed before this run began: up to the cursor it started from (a later part of
  // one run has listed the rest moments ago).
  const began = opts.relistBefore === undefined ? prev.cursor : opts.relistBefore;
  const relistEnd = began !== null && began > horizon ? (began < resumeAt ? began : resumeAt) : null;
  const keepBetween = (fromMs: number, untilMs: number) => before.forEachBetween(fromMs, untilMs, (time, hash, tag) => parts[0]!.push(time, hash, tag));
  if (resumeAt !== horizon && complete && relistEnd !== null) {
    const relistUntil = ulidFloor(ulidTime(relistEnd) + 1); // the cursor's millisecond included
    parts.unshift(...(await Promise.all(planSlices(before, horizon, relistUntil).map((s) => scanSlice(s.after, s.until)))));
    if (relistEnd < resumeAt) keepBetween(ulidTime(relistEnd) + 1, ulidTime(resumeAt) + 1);
  } else if (resumeAt !== horizon) {
    keepBetween(horizonMs, ulidTime(resumeAt) + 1);
  }

  // Earlier prefixes without meta.json: still uploading, completed, aborted or deleted since?
  // (A later part of one run carries the pending prefixes the earlier parts found.)
  const recheck = opts.recheck ?? true;
  const pendingInWindow = prev.pending.filter((p) => ulidTime(p.block) >= horizonMs);
  if (recheck) await forEachLimit(pendingInWindow, opts.concurrency, (p) => inspectIncomplete(p.block));
  else pending.push(...pendingInWindow);

  // Blocks of earlier findings: marked for deletion or deleted since? Then they are findings no more
  // (a run without state would not see them); chunks left without meta.json are an incomplete prefix.
  const readNow = new Set([...blocks.map((b) => b.ulid), ...corrupt.map((c) => c.block)]);
  const findingBlocks = new Set(
    (!recheck ? [] : [...prev.corrupt.map((c) => c.block), ...prev.unlabeled.map((u) => u.block), ...Object.values(prev.overlaps).flatMap((o) => o.ranges.map((r) => r[0]))]).filter(
      (b) => !readNow.has(b) && ulidTime(b) >= horizonMs,
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

  // A late block overlapping its stream's older coverage: read its partners again (rare), so the
  // overlap names every block, as a run without state does.
  const probes = overlapProbes(prev, blocks, policy);
  if (probes.length > 0) {
    if (opts.deadline !== undefined && clock() > opts.deadline) complete = false;
    else {
      const keys = new Set(probes.map((p) => p.key));
      const fromByTag = new Map<number, number>();
      for (const p of probes) fromByTag.set(tagOf(p.key), Math.min(fromByTag.get(tagOf(p.key)) ?? Infinity, p.fromMs));
      const from = Math.max(horizonMs, Math.min(...fromByTag.values()));
      const again: string[] = [];
      for await (const page of bucket.listTopLevel(ulidFloor(from))) {
        for (const n of page) {
          if (!isUlid(n) || readTags.has(n)) continue;
          const since = fromByTag.get(before.tag(n));
          if (since !== undefined && ulidTime(n) >= since) again.push(n);
        }
      }
      await forEachLimit(again, opts.concurrency, async (n) => {
        metaRead += 1;
        const meta = await bucket.readMeta(n, MAX_META_BYTES);
        if (meta.kind !== "found") return;
        let parsed: ReturnType<typeof parseMeta>;
        try {
          parsed = parseMeta(n, meta.body, meta.lastModified);
        } catch {
          return;
        }
        if (parsed.ok && keys.has(streamKey(parsed.block.labels))) blocks.push({ ...parsed.block, deletionMarked: null, known: true });
      });
    }
  }

  // Only blocks about to become a finding pay for a deletion-mark lookup.
  const suspects = blocksToCheckForDeletion(prev, blocks, policy, now);
  const toCheck = [...blocks.filter((b) => suspects.has(b.ulid)), ...corrupt];
  await forEachLimit(toCheck, opts.concurrency, async (item) => {
    item.deletionMarked = await bucket.hasDeletionMark("ulid" in item ? item.ulid : item.block);
  });

  // Pending prefixes that completed this run were read outside the listing: recorded too.
  const completed = new Builder();
  for (const [n, tag] of readTags) if (pendingBefore.has(n)) completed.add(n, tag);
  before = SeenPrefixes.empty(); // done with: not alive beside the new record while it is encoded
  const seen = Builder.join([...parts.splice(0), completed]);

  // An empty listing still proves there is nothing before the horizon to come back for.
  if (cursor === null && complete) cursor = horizon;
  return { cursor, complete, more: more && !(opts.deadline !== undefined && clock() > opts.deadline), seen: seen.encode(), blocks, corrupt, pending, forgotten, prefixesListed, metaRead };
}

/** A record the state holds; one that cannot be decoded is read again from the bucket (once). */
function decodeSeen(text: string): SeenPrefixes {
  try {
    return SeenPrefixes.decode(text);
  } catch {
    return SeenPrefixes.empty();
  }
}
