import type { Block, CorruptBlock, PendingPrefix } from "../domain/block";
import { clusterOf, streamKey } from "../domain/labels";
import { ulidTime } from "../domain/ulid";
import type { Policy } from "../policy/policy";
import type { State, StreamState } from "../state/state";
import type { Report, RunStats } from "./report";
import type { Observed, Outcome, Run } from "./rule";
import { iso } from "./rule";
import { RULES } from "./rules";

export { paretoTops } from "./rules/freshness";

/** A block read by this run; `deletionMarked` is null where the mark was not looked up. */
export interface ObservedBlock extends Block {
  deletionMarked: boolean | null;
  /** Read before and read again this run (a late overlap's partner): not a new upload. */
  known?: boolean;
}

/** What the bucket showed this run: the only input of the judgement besides state, now and policy. */
export interface Observation {
  /** New cursor: every prefix up to it has been read. Null when nothing was ever listed. */
  cursor: string | null;
  /** False when the run stopped before the end of the listing. */
  complete: boolean;
  /** Every prefix of the lookback read by now (lib/scan/seen.ts encoding). */
  seen: string;
  blocks: ObservedBlock[];
  corrupt: (CorruptBlock & { deletionMarked: boolean | null })[];
  /** Every prefix without meta.json known now (new ones and still-pending ones). */
  pending: PendingPrefix[];
  /** Blocks of earlier findings now marked for deletion or without meta.json: out of every finding. */
  forgotten: string[];
  stats: RunStats;
}

export interface Judgement {
  state: State;
  report: Report;
}

/** Blocks ending later than this after `now` are not trusted as fresh data. */
const FUTURE_SLACK_MS = 3_600_000;

/**
 * The health rules of DOMAIN.md section 4, as a pure function: the observed blocks are grouped
 * into streams (a full label set each) and folded into every rule of rules/index.ts, which then
 * write their part of the next state and of the report. A run without previous state passes
 * `emptyState()`; the result is the same as folding the same blocks in over several runs.
 */
export function evaluate(prev: State, obs: Observation, now: number, policy: Policy): Judgement {
  const horizon = now - policy.lookbackMs;
  const inWindow = (ulid: string) => ulidTime(ulid) >= horizon;
  // Blocks that left the lookback are forgotten, as a stateless run never sees them; so are blocks
  // deleted (or marked) since an earlier run.
  const forgotten = new Set(obs.forgotten);
  const keep = (ulid: string) => inWindow(ulid) && !forgotten.has(ulid);

  // A stream no block touched this run is shared with the previous state, not copied (at 10,000
  // clusters the copies were ~20 MB); `writable` copies one before it changes (prev stays as it was).
  const streams: Record<string, StreamState> = Object.create(null);
  const owned = new Set<string>();
  const touched = new Set<string>();
  const run: Run = {
    now,
    policy,
    prev,
    obs,
    inWindow,
    keep,
    forgotten,
    streams,
    touched,
    writable(key) {
      if (!owned.has(key)) {
        const s = streams[key]!;
        streams[key] = { ...s, tops: [...s.tops], ranges: [...s.ranges], coverage: [...s.coverage] };
        owned.add(key);
      }
      return streams[key]!;
    },
  };

  // Each stream rule carries its part of every stream; a stream lives while it has a block in the lookback.
  for (const [key, s] of Object.entries(prev.streams)) {
    let next: StreamState = s;
    for (const rule of RULES) {
      const changed = rule.carryStream?.(s, run);
      if (changed) next = next === s ? { ...s, ...changed } : Object.assign(next, changed);
    }
    if (next.tops.length === 0) continue;
    streams[key] = next;
    if (next !== s) owned.add(key);
  }
  const drafts = RULES.map((rule) => rule.carry(run));
  const fold = (item: Observed) => RULES.forEach((rule, i) => rule.fold?.(drafts[i], item, run));

  for (const b of [...obs.blocks].sort((x, y) => (x.ulid < y.ulid ? -1 : 1))) {
    if (b.deletionMarked || !inWindow(b.ulid)) continue;
    if (b.maxTime > now + FUTURE_SLACK_MS) {
      fold({ kind: "future", block: b });
      continue;
    }
    const cluster = clusterOf(b.labels, policy.clusterLabel);
    if (cluster === null) {
      fold({ kind: "unlabeled", block: b });
      continue;
    }
    const key = streamKey(b.labels);
    if (!streams[key]) {
      streams[key] = { labels: b.labels, cluster, tops: [], ranges: [], coverage: [] };
      owned.add(key);
    }
    const stream = run.writable(key);
    touched.add(key);
    fold({ kind: "stream", block: b, key, stream });
  }
  for (const c of obs.corrupt) if (!c.deletionMarked && inWindow(c.block)) fold({ kind: "corrupt", corrupt: c });

  // Every rule fills its part; the key order is the document's, stable for readers and diffs.
  const out: Outcome = {
    state: {
      version: 1,
      cursor: obs.cursor ?? prev.cursor,
      streams,
      clusters: {},
      pending: [],
      seen: obs.seen,
      corrupt: [],
      unlabeled: [],
      overlaps: {},
      ledger: prev.ledger,
      outbox: prev.outbox,
    },
    report: {
      now: iso(now),
      complete: obs.complete,
      clusters: [],
      partialBlocks: [],
      corruptBlocks: [],
      unlabeledBlocks: [],
      overlaps: [],
      newClusters: [],
      conflicts: [],
      degraded: [],
      gaps: [],
      stats: obs.stats,
    },
    verdicts: [],
  };
  RULES.forEach((rule, i) => rule.report(drafts[i], run, out));
  return { state: out.state, report: out.report };
}

/**
 * Blocks whose deletion mark must be looked up before they count as a finding: the union of what
 * every rule is about to report (see Rule.suspects).
 */
export function blocksToCheckForDeletion(prev: State, blocks: readonly Block[], policy: Policy, now: number): Set<string> {
  const suspects = new Set<string>();
  for (const rule of RULES) for (const id of rule.suspects?.(prev, blocks, policy, now) ?? []) suspects.add(id);
  return suspects;
}
