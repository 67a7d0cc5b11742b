import type { Block, CorruptBlock } from "../domain/block";
import type { Policy } from "../policy/policy";
import type { State, StreamState } from "../state/state";
import type { Observation, ObservedBlock } from "./evaluate";
import type { ClusterVerdict, Report } from "./report";

/**
 * What every rule of one run sees: the inputs of the judgement and the streams the observed blocks
 * were grouped into. Built by evaluate(); a rule never reads the bucket or the clock.
 */
export interface Run {
  now: number;
  policy: Policy;
  prev: State;
  obs: Observation;
  /** The block's ULID time is within the lookback. */
  inWindow(ulid: string): boolean;
  /** In the lookback and not deleted (or marked) since an earlier run: a run without state sees it. */
  keep(ulid: string): boolean;
  /** Blocks of earlier findings deleted or marked since (the shell looked them up). */
  forgotten: ReadonlySet<string>;
  /** Every stream with a block in the lookback, by stream key; copy on write (see writable). */
  streams: Record<string, StreamState>;
  /** The stream to change, copied first if it is still shared with the previous state. */
  writable(key: string): StreamState;
  /** Streams that got a block this run. */
  touched: ReadonlySet<string>;
}

/** One observed thing, routed by the grouper to every rule's fold. */
export type Observed =
  /** A valid block of a cluster, folded into its stream. */
  | { kind: "stream"; block: ObservedBlock; key: string; stream: StreamState }
  /** A valid block whose labels name no cluster. */
  | { kind: "unlabeled"; block: ObservedBlock }
  /** A block whose data ends too far in the future to be trusted. */
  | { kind: "future"; block: ObservedBlock }
  /** A meta.json the validator refused. */
  | { kind: "corrupt"; corrupt: CorruptBlock };

/** The next state and the report, written by the rules in registry order. */
export interface Outcome {
  state: State;
  report: Report;
  /** The cluster verdicts, once the freshness rule wrote them (later rules may annotate them). */
  verdicts: ClusterVerdict[];
}

/**
 * A health rule: what it keeps in state, what it folds from each observed block, what it reports.
 * The shape of ESLint's and Prometheus's rule modules; each lives in its own file under rules/,
 * with its table tests beside it, and is listed once in rules/index.ts.
 */
export interface Rule<Draft = unknown> {
  readonly id: string;
  /**
   * Per stream, what the rule keeps of the previous state, less what a run without state would no
   * longer see. Returns the changed fields, or null when nothing changed (the stream stays shared).
   */
  carryStream?(s: StreamState, run: Run): Partial<StreamState> | null;
  /** Its fleet-wide part of the previous state, carried into this run's draft. */
  carry(run: Run): Draft;
  /** Folds one observed item into the draft (and into the stream, through run.writable). */
  fold?(draft: Draft, item: Observed, run: Run): void;
  /** Writes its part of the next state and of the report. */
  report(draft: Draft, run: Run, out: Outcome): void;
  /**
   * Blocks read this run whose deletion mark the shell must look up before they are folded:
   * a deletion-marked block is out of every finding, and looking up every block's mark would
   * double the requests, so a rule names only the blocks it is about to report.
   */
  suspects?(prev: State, blocks: readonly Block[], policy: Policy, now: number): Iterable<string>;
}

export const cmpText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
export const byBlock = <T extends { block: string }>(a: T, b: T): number => cmpText(a.block, b.block);
export const iso = (ms: number): string => new Date(ms).toISOString();
export const seconds = (ms: number): number => Math.floor(ms / 1000);

/** The array itself when every item passes: nothing copied for the common case. */
export function keepAll<T>(items: T[], pass: (t: T) => boolean): T[] {
  return items.every(pass) ? items : items.filter(pass);
}
