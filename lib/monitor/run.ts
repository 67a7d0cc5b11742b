import { randomUUID } from "node:crypto";
import { decideBucketFailure } from "../alerts/decide";
import { applyFleetToReport, decideFleetAlerts, fallbackFleet } from "../alerts/silences";
import { mergeFleetPolicy } from "../fleet/merge";
import { severityOf, type Notification } from "../alerts/notification";
import type { AlertPublisher } from "../alerts/sns-publisher";
import { BucketError, type BucketReader } from "../bucket/bucket";
import { checkBucket, judgedAgainst, type LentState } from "../engine/check";
import { documentText } from "../state/document";
import type { Judgement } from "../health/evaluate";
import type { Report } from "../health/report";
import { publishReportMetrics } from "../metrics/publish";
import type { MetricsSink } from "../metrics/sink";
import type { Policy } from "../policy/policy";
import { StateCorruptError, emptyState, parseState, serializeStateBytes, type Outbox, type State } from "../state/state";
import type { StateStore } from "../state/store";
import { readFleetConfig, type FleetSource } from "../fleet/read";
import type { Logger } from "./log";
import type { SourceMode } from "../federated/policy";
import { widgetBoardHtml } from "../board/published";

export interface MonitorDeps {
  bucket: BucketReader;
  store: StateStore;
  alerts: AlertPublisher;
  metrics: MetricsSink;
  log: Logger;
  /** Wall clock (ms) for the time budget and durations; judgements use `now` alone. */
  clock: () => number;
  /** The fleet config object (expected clusters, thresholds, silences); absent: none. */
  fleet?: FleetSource;
  /** Where the run writes the dashboard's board (drawn once a run, not once a view); absent: not drawn. */
  board?: BoardSink;
  /**
   * A full garbage collection, run where the run has just let go of much (the document read, a
   * part's blocks, the previous streams). The Lambda runtime starts node with --expose-gc; in
   * 128 MB the collector otherwise let dead buffers and strings pile up past the limit.
   */
  collect?: () => void;
}

export interface BoardSink {
  /** Where the blocks are (s3://bucket/prefix/), as the board names it. */
  location: string;
  publish(html: string): Promise<void>;
}

export interface MonitorOptions {
  policy: Policy;
  metricNamespace: string;
  perClusterMetrics: boolean;
  concurrency: number;
  /** Which bucket layouts to read (default auto). */
  source?: SourceMode;
  /** No new listing page is started after this wall-clock time (ms). */
  deadline?: number;
  /** A claimed notification younger than this belongs to a run still in flight. */
  inflightMs?: number;
  /** Conditional-write attempts before giving up on a contended state. */
  maxAttempts?: number;
  /** meta.json reads folded at a time (default the engine's BLOCKS_PER_PART); tests set it small. */
  blocksPerPart?: number;
}

export interface RunSummary {
  report: Report;
  /** The board written for the dashboard, or why not. */
  board?: { written: boolean; bytes?: number; renderMs?: number; skipped?: string };
  alert: { published: boolean; failed: boolean; severity?: string };
  metrics: { sent: number; failed: number };
  stateAttempts: number;
}

/**
 * One scheduled run: read state, check the bucket, decide alerts, save, publish, acknowledge.
 * A notification is claimed in the state (conditional write) before it is published, so two
 * overlapping runs never send it twice; the ledger advances only after a successful publish, so a
 * failed publish is decided again by the next run.
 */
export async function runMonitor(deps: MonitorDeps, now: number, opts: MonitorOptions): Promise<RunSummary> {
  const { store, log } = deps;
  const maxAttempts = opts.maxAttempts ?? 5;
  const inflightMs = opts.inflightMs ?? 15 * 60_000;

  // Read once a run: a bad object is reported and the run judges with the deployment's settings.
  const fleet = await readFleetConfig(deps.fleet ?? null, opts.policy, now);
  if (fleet.problem) log.log("error", "fleet config cannot be used; judging with the deployment's settings alone", { ...fleet.problem });
  if (fleet.conflicts.length > 0) log.log("warn", "fleet config overrides deployment thresholds", { settings: fleet.conflicts.slice(0, 20) });
  let tried: Attempt;
  let attempt = 0;
  for (;;) {
    attempt += 1;
    tried = await judgeAndSave(deps, now, opts, fleet, inflightMs);
    if (tried.saved) break;
    if (attempt >= maxAttempts) throw new Error(`state changed under ${attempt} consecutive runs; giving up this run`);
    log.log("info", "state changed by a concurrent run; re-reading and re-applying", { attempt });
  }
  const { failure, claim, progressed, judgedWith, savedVersion, bytes } = tried;
  const judgement = tried.judgement;
  // The saved state (tens of MB at 10,000 clusters) is kept only while something still needs it:
  // settling a claimed alert (re-written from it) and drawing the dashboard's board.
  let next: State | null = tried.next;
  tried = null as unknown as Attempt;

  const alert: RunSummary["alert"] = { published: false, failed: false };
  if (claim) {
    alert.severity = severityOf(claim.notification);
    try {
      await deps.alerts.publish(claim.notification);
      alert.published = true;
    } catch (err) {
      alert.failed = true;
      log.log("error", "alert publish failed; it will be decided again next run", { error: errorText(err) });
    }
    await acknowledge(store, { state: next!, version: savedVersion, bytes }, claim.outbox, alert.published, log, maxAttempts);
  }
  if (!deps.board) next = null;
  deps.collect?.(); // the documents written

  // A run that could not read the bucket fails (Lambda Errors, no RunSucceeded heartbeat: not reporting once it lasts).
  if (failure) throw failure;
  const report = judgement!.report;
  const metrics = await publishReportMetrics(report, deps.metrics, {
    namespace: opts.metricNamespace,
    perClusterMetrics: opts.perClusterMetrics,
    heartbeat: report.complete || progressed,
  });
  if (metrics.failed > 0) log.log("error", "some metrics were not published", { failed: metrics.failed, errors: metrics.errors.slice(0, 5) });
  const board = deps.board ? await writeBoard(deps, report, next!, judgedWith, opts.deadline) : undefined;
  return { report, alert, metrics: { sent: metrics.sent, failed: metrics.failed }, stateAttempts: attempt, ...(board ? { board } : {}) };
}

/** One attempt at a run: its judgement and decisions, saved unless a concurrent run wrote first. */
interface Attempt {
  saved: boolean;
  /** The version the state was saved at (null: unknown, or not saved). */
  savedVersion: string | null;
  judgement: { report: Report } | null;
  failure: BucketError | null;
  claim: { outbox: Outbox; notification: Notification } | null;
  /** A first run that saved progress without completing: it still sends the heartbeat. */
  progressed: boolean;
  judgedWith: Policy;
  /** The state as saved. */
  next: State;
  /** The length of the document read (to size the next one written). */
  bytes: number;
}

/**
 * Reads the state, checks the bucket, decides what to tell and saves, claiming the notification.
 * The previous state lives only in here: released before the next one is written out, it does not
 * sit beside it for the rest of the run.
 */
async function judgeAndSave(
  deps: MonitorDeps,
  now: number,
  opts: MonitorOptions,
  fleet: Awaited<ReturnType<typeof readFleetConfig>>,
  inflightMs: number,
): Promise<Attempt> {
  const { store, log } = deps;
  // The document's text is not kept while the run goes on (13 MB at 10,000 clusters): only its version.
  const loaded = await loadState(store, log, now);
  const version = loaded.version;
  // Lent to the engine, which lets go of its streams part by part; this run keeps what it decides with.
  const lent: LentState = { lent: loaded.prev };
  let prev: State | null = judgedAgainst(loaded.prev);
  loaded.prev = null as unknown as State;
  deps.collect?.();
  const fleetConfig = fleet.problem ? fallbackFleet(prev.ledger) : fleet.config;
  const policy = fleet.problem ? mergeFleetPolicy(opts.policy, fleetConfig, now).policy : fleet.policy;
  let judgement: Judgement | null = null;
  let failure: BucketError | null = null;
  try {
    judgement = await checkBucket(deps.bucket, lent, now, policy, { concurrency: opts.concurrency, deadline: opts.deadline, clock: deps.clock, source: opts.source, maxBlocks: opts.blocksPerPart, collect: deps.collect });
    judgement = { ...judgement, report: applyFleetToReport(judgement.report, fleetConfig, now) };
  } catch (err) {
    // The bucket could not be read: nothing is judged, the engine state stays as it was.
    if (!(err instanceof BucketError)) throw err;
    failure = err;
    if (lent.lent !== null) prev = lent.lent;
    else {
      // Let go of in a later part: read again. Another run saved meanwhile? Then start over, as on any conflict.
      const again = await loadDocument(store);
      if (again.version !== version || again.doc === null) return { saved: false, savedVersion: null, bytes: loaded.bytes, judgement: null, failure, claim: null, progressed: false, judgedWith: policy, next: prev };
      prev = await readState(again.doc, store, log, now);
    }
  }
  lent.lent = null;

  const inflight = prev.outbox && now - prev.outbox.claimedAt < inflightMs ? prev.outbox : null;
  const next: State = judgement ? judgement.state : { ...prev };
  let claim: Attempt["claim"] = null;
  if (inflight) {
    // Another run is publishing right now: its notification covers this news; if it fails, the next run re-decides.
    next.ledger = prev.ledger;
    next.outbox = inflight;
  } else {
    const decision = judgement
      ? decideFleetAlerts(prev.ledger, judgement.report, now, policy, fleetConfig, fleet.problem)
      : decideBucketFailure(prev.ledger, { kind: failure!.kind, reason: failure!.message }, now, opts.policy);
    if (decision.notification) {
      const outbox = { id: randomUUID(), claimedAt: now, ledgerAfter: decision.ledgerAfterPublish! };
      claim = { outbox, notification: decision.notification };
      next.ledger = prev.ledger;
      next.outbox = outbox;
    } else {
      next.ledger = decision.ledgerAfterPublish;
      next.outbox = null;
    }
  }
  // A first run over a large bucket takes several runs (nothing decided yet: no ledger): one its
  // time budget stopped still counts as alive when it saved progress (its cursor moved), so
  // "not reporting" does not fire on day one. Once a run has completed, an incomplete one does
  // not count: a monitor that never finishes trips the alarm.
  const progressed = judgement !== null && prev.ledger === null && next.cursor !== prev.cursor;
  prev = null;
  const report = judgement ? { report: judgement.report } : null;
  judgement = null;
  deps.collect?.();
  const saved = await store.save(serializeStateBytes(next, loaded.bytes), version);
  return { saved: saved.saved, savedVersion: saved.saved ? saved.version : null, bytes: loaded.bytes, judgement: report, failure, claim, progressed, judgedWith: policy, next };
}

/**
 * Draws the dashboard's board from what this run judged and saved, once, so that a view is one GET
 * instead of a parse, judgement and drawing of the state. Last, and never fatal: a board not written
 * (time ran out, S3 refused) leaves the widget drawing from the state, which is newer than the board.
 */
async function writeBoard(deps: MonitorDeps, report: Report, state: State, policy: Policy, deadline: number | undefined): Promise<NonNullable<RunSummary["board"]>> {
  if (deadline !== undefined && deps.clock() > deadline) {
    deps.log.log("warn", "board not drawn: the run is past its listing deadline; the widget draws it from the state", {});
    return { written: false, skipped: "past the deadline" };
  }
  try {
    const started = deps.clock();
    const html = widgetBoardHtml({ report, state, policy, location: deps.board!.location, drawnBy: "run" });
    const renderMs = deps.clock() - started;
    await deps.board!.publish(html);
    return { written: true, bytes: Buffer.byteLength(html), renderMs };
  } catch (err) {
    deps.log.log("error", "board not written; the widget draws it from the state", { error: errorText(err) });
    return { written: false, skipped: errorText(err) };
  }
}

async function loadState(store: StateStore, log: Logger, now: number): Promise<{ prev: State; version: string | null; bytes: number }> {
  const stored = await loadDocument(store);
  return { prev: await readState(stored.doc, store, log, now), version: stored.version, bytes: stored.doc?.length ?? 0 };
}

/** The state document, as bytes where the store reads them (parsed without one 13 MB string of it). */
async function loadDocument(store: StateStore): Promise<{ doc: string | Uint8Array | null; version: string | null }> {
  if (store.loadBytes) {
    const { bytes, version } = await store.loadBytes();
    return { doc: bytes, version };
  }
  const { text, version } = await store.load();
  return { doc: text, version };
}

/** A damaged state is kept aside and rebuilt from the lookback window, never half-used. */
async function readState(text: string | Uint8Array | null, store: StateStore, log: Logger, now: number): Promise<State> {
  if (text === null) return emptyState();
  try {
    return parseState(text);
  } catch (err) {
    if (!(err instanceof StateCorruptError)) throw err;
    const aside = await store.setAside(documentText(text), `corrupt-${new Date(now).toISOString().replace(/[:.]/g, "")}`);
    log.log("warn", "state document is damaged; kept aside and rebuilt from the lookback window", { reason: err.message, keptAs: aside });
    return emptyState();
  }
}

/**
 * Settles the claimed notification: the ledger advances only if it was published. The state this
 * run saved is written again with it, if no run wrote since; otherwise the document is read again.
 */
async function acknowledge(store: StateStore, mine: { state: State; version: string | null; bytes: number }, outbox: Outbox, published: boolean, log: Logger, maxAttempts: number) {
  const settle = (state: State) => {
    if (published) state.ledger = outbox.ledgerAfter;
    state.outbox = null;
    return serializeStateBytes(state, mine.bytes);
  };
  if (mine.version !== null && (await store.save(settle(mine.state), mine.version)).saved) return;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const stored = await loadDocument(store);
    if (stored.doc === null) return;
    let state: State;
    try {
      state = parseState(stored.doc);
    } catch {
      return;
    }
    if (state.outbox?.id !== outbox.id) return; // settled or replaced meanwhile
    if ((await store.save(settle(state), stored.version)).saved) return;
  }
  log.log("warn", "could not record the alert outcome; a later run settles it", { outbox: outbox.id });
}

function errorText(err: unknown): string {
  const e = err as Error;
  return `${e?.name ?? "Error"}: ${String(e?.message ?? err).slice(0, 300)}`;
}
