import { z } from "zod";
import type { Labels } from "../domain/labels";
import type { CorruptBlock, PendingPrefix } from "../domain/block";
import type { ClusterStatus } from "../health/status";
import { LedgerSchema, type Ledger } from "../alerts/ledger";

/**
 * A block that may still decide a stream's freshness or last upload: [ulid, maxTime, resolution,
 * upload time (ms) or null when not shipped by a sidecar/receive].
 */
export type TopBlock = [string, number, number, number | null];

/** What one stream (full label set) needs to be judged without re-reading its old blocks. */
export interface StreamState {
  labels: Labels;
  cluster: string;
  /**
   * The blocks no other block beats on both counts: a newer ULID (stays in the lookback longer) and
   * a fresher maxTime (or a later upload). Whatever part of the lookback remains, the freshest block
   * in it is one of these, so a stream is judged as a run without state would judge it. Usually one.
   */
  tops: TopBlock[];
  /** Recent level-1 sidecar/receive ranges [ulid, minTime, maxTime] for overlap detection. */
  ranges: [string, number, number][];
}

export interface ClusterState {
  status: ClusterStatus;
  since: number;
}

export interface State {
  version: 1;
  /** Every ULID prefix at or before this name has been read (or is in `pending`). Null: never ran. */
  cursor: string | null;
  streams: Record<string, StreamState>;
  clusters: Record<string, ClusterState>;
  /** Prefixes without meta.json, re-checked each run until complete, deleted or out of the lookback. */
  pending: PendingPrefix[];
  /** Prefixes already read within the re-list window behind the cursor. */
  recent: string[];
  corrupt: CorruptBlock[];
  unlabeled: { block: string; labels: Labels }[];
  /** Active overlaps by stream key. */
  overlaps: Record<string, { cluster: string; labels: Labels; blocks: string[] }>;
  /** What subscribers have been told: updated only after a publish succeeded. Null: never published. */
  ledger: Ledger | null;
  /**
   * A notification claimed by a run and being published. Saved (conditionally) before publishing,
   * so a concurrent run sees it and does not send the same alert; cleared once published or failed.
   */
  outbox: Outbox | null;
}

export interface Outbox {
  id: string;
  claimedAt: number;
  /** The ledger to save once the publish has succeeded. */
  ledgerAfter: Ledger;
}

export function emptyState(): State {
  return {
    version: 1,
    cursor: null,
    streams: {},
    clusters: {},
    pending: [],
    recent: [],
    corrupt: [],
    unlabeled: [],
    overlaps: {},
    ledger: null,
    outbox: null,
  };
}

const labelsSchema = z.record(z.string(), z.string());
const ms = z.number().int();
const StateSchema = z.object({
  version: z.literal(1),
  cursor: z.string().nullable(),
  streams: z.record(
    z.string(),
    z.object({
      labels: labelsSchema,
      cluster: z.string(),
      tops: z.array(z.tuple([z.string(), ms, ms, ms.nullable()])).min(1),
      ranges: z.array(z.tuple([z.string(), ms, ms])),
    }),
  ),
  clusters: z.record(
    z.string(),
    z.object({ status: z.enum(["ok", "late", "stalled", "missing"]), since: ms }),
  ),
  pending: z.array(z.object({ block: z.string(), lastActivity: ms })),
  recent: z.array(z.string()),
  corrupt: z.array(z.object({ block: z.string(), reason: z.string() })),
  unlabeled: z.array(z.object({ block: z.string(), labels: labelsSchema })),
  overlaps: z.record(
    z.string(),
    z.object({ cluster: z.string(), labels: labelsSchema, blocks: z.array(z.string()) }),
  ),
  ledger: LedgerSchema.nullable(),
  outbox: z.object({ id: z.string(), claimedAt: ms, ledgerAfter: LedgerSchema }).nullable().default(null),
});

export class StateCorruptError extends Error {
  override name = "StateCorruptError";
}

/** Reads a saved state document; a document that is not one we wrote is refused, never half-used. */
export function parseState(text: string): State {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new StateCorruptError(`state is not JSON: ${(err as Error).message}`);
  }
  const parsed = StateSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new StateCorruptError(`state ${issue.path.join(".") || "document"}: ${issue.message}`);
  }
  return parsed.data as State;
}

export function serializeState(state: State): string {
  return JSON.stringify(state);
}
