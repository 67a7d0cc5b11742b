import { mergeSources } from "../engine/merge";
import { judgeEtl } from "../federated/judge";
import { etlPolicyOf } from "../federated/policy";
import { evaluate } from "../health/evaluate";
import type { Report } from "../health/report";
import type { Policy } from "../policy/policy";
import { parseState, type State } from "../state/state";
import { html, text } from "./escape";
import { staleNotice, widgetBoardHtml, withNotice, type PublishedBoard } from "./published";
import type { SavedState } from "./saved-state";

/**
 * The event a CloudWatch dashboard sends a custom widget's Lambda: `describe` when the console asks
 * for the widget's documentation, else `widgetContext` (dashboard, size, time range, theme, ...)
 * and the widget's own `params` (also copied to the top level).
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/add_custom_widget_dashboard_about.html
 */
export interface WidgetEvent {
  describe?: boolean;
  widgetContext?: {
    dashboardName?: string;
    widgetId?: string;
    width?: number;
    height?: number;
    timeRange?: { mode?: string; start?: number; end?: number; [k: string]: unknown };
    params?: Record<string, unknown>;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

export interface WidgetDeps {
  /** The board the last run drew (one GET); absent: always draw from the state. */
  loadBoard?: (signal: AbortSignal) => Promise<PublishedBoard | null>;
  /** When the state was last written (a HEAD): a board older than it is out of date. */
  stateSavedAt?: (signal: AbortSignal) => Promise<number | null>;
  /** Reads the state document (the fallback); aborted when the time budget runs out. */
  load: (signal: AbortSignal) => Promise<SavedState | null>;
  policy: Policy;
  location: string;
  /** A state older than this is flagged: the monitor may have stopped (3 schedule intervals). */
  staleAfterMs: number;
  clock?: () => number;
}

export const WIDGET_DOCS = `## blockwatch board
The status board of blockwatch: every cluster worst first (Thanos and Kubecost Federated ETL), with
a timeline of its data over the lookback, and the findings with their next steps. Drawn once a run
by the scheduled run (no read of the Thanos bucket here); when that copy is missing or older than
the saved state, drawn from the state. No parameters.`;

/**
 * The widget's HTML: the board the last run drew (one GET, plus a HEAD of the state to know it is
 * not out of date), else the board drawn here from the state that run saved, judged as of the time
 * it was saved (the statuses the alerts and metrics were sent from). Never throws: what went wrong
 * is the widget's text.
 */
export async function renderWidget(event: WidgetEvent, deps: WidgetDeps, budgetMs: number): Promise<string> {
  if (event?.describe) return WIDGET_DOCS;
  const clock = deps.clock ?? Date.now;
  const started = clock();
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), Math.max(0, budgetMs));
  let why: string | undefined;
  try {
    if (deps.loadBoard) {
      try {
        const [board, stateAt] = await Promise.all([deps.loadBoard(abort.signal), deps.stateSavedAt ? deps.stateSavedAt(abort.signal) : Promise.resolve(null)]);
        if (board !== null && (stateAt === null || board.savedAt >= stateAt)) {
          const age = started - board.savedAt;
          return age > deps.staleAfterMs ? withNotice(board.html, staleNotice(age)) : board.html;
        }
        why = board === null ? "The run has not written its board yet" : "The state was saved after the run's board was written (that run could not write it, or another process wrote the state)";
      } catch (err) {
        if (abort.signal.aborted) throw err;
        why = `The run's board could not be read (${(err as Error).name})`;
      }
    }
    const saved = await deps.load(abort.signal);
    if (saved === null) return message("No state yet", "The scheduled run has not saved its first state: the board appears after its first run.");
    let state: State;
    try {
      state = parseState(saved.text);
    } catch (err) {
      return message("State unreadable", `The saved state could not be read (${(err as Error).message}); the next run sets it aside and starts afresh.`);
    }
    const now = saved.savedAt;
    const report = judgeSavedState(state, now, deps.policy);
    const age = started - now;
    const notices = [...(age > deps.staleAfterMs ? [staleNotice(age)] : []), ...(why ? [`${why}: drawn here from the saved state.`] : [])];
    return widgetBoardHtml({ report, policy: deps.policy, state, location: deps.location, drawnBy: "widget", ...(notices.length ? { notice: notices.join(" ") } : {}) });
  } catch (err) {
    const e = err as Error;
    if (abort.signal.aborted) return message("Timed out", `Reading the board and the state took longer than ${budgetMs} ms; the next refresh tries again.`);
    // Without s3:ListBucket, S3 answers a missing key with 403.
    if (e.name === "AccessDenied") return message("No state, or no access", "The state object is missing (no run has saved it yet) or this function's role may not read it (s3:GetObject on the state object).");
    return message("Could not read the state", `${e.name}: ${e.message}`);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The report of a saved state, as the run that saved it judged (no bucket read): the Thanos half
 * from its streams, the Federated ETL half from its newest files, merged as a run merges them.
 */
export function judgeSavedState(state: State, now: number, policy: Policy): Report {
  const stats = { prefixesListed: 0, metaRead: 0, listRequests: 0, getRequests: 0, durationMs: 0 };
  const thanos = evaluate(state, { cursor: state.cursor, complete: true, seen: state.seen, blocks: [], corrupt: [], pending: state.pending, forgotten: [], stats }, now, policy);
  const etlClusters = state.etl ? Object.keys(state.etl.clusters) : [];
  const etl =
    state.etl && etlClusters.length > 0
      ? judgeEtl(state.etl, { clusters: etlClusters, listed: {}, complete: true, filesListed: 0 }, now, { etl: etlPolicyOf(policy), lookbackMs: policy.lookbackMs, expectedClusters: [] })
      : null;
  return mergeSources(state, thanos, etl, now, stats).report;
}

function message(title: string, body: string): string {
  return `<div style="font:13px system-ui,sans-serif;padding:8px"><b>blockwatch board: ${text(title)}</b><p>${html(body, 400)}</p></div>`;
}
