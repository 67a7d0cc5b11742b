import { formatDuration } from "../domain/duration";
import { evaluate } from "../health/evaluate";
import type { Policy } from "../policy/policy";
import { parseState, type State } from "../state/state";
import { html, text } from "./escape";
import { boardFromState } from "./model";
import { renderBoard } from "./page";
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
  /** Reads the state document; aborted when the time budget runs out. */
  load: (signal: AbortSignal) => Promise<SavedState | null>;
  policy: Policy;
  location: string;
  /** A state older than this is flagged: the monitor may have stopped (3 schedule intervals). */
  staleAfterMs: number;
  clock?: () => number;
}

export const WIDGET_DOCS = `## blockwatch board
The status board of blockwatch: every cluster worst first, with a timeline of its data over the
lookback, and the findings with their next steps. Drawn from the state the scheduled run saved
(no read of the Thanos bucket). No parameters.`;

/** Healthy rows drawn in the widget; the CLI's \`report --html\` draws every one. */
const WIDGET_HEALTHY_ROWS = 200;

/**
 * The widget's HTML: the board of the last run, judged as of the time that run saved its state (the
 * statuses the alerts and metrics were sent from). Never throws: what went wrong is the widget's text.
 */
export async function renderWidget(event: WidgetEvent, deps: WidgetDeps, budgetMs: number): Promise<string> {
  if (event?.describe) return WIDGET_DOCS;
  const clock = deps.clock ?? Date.now;
  const started = clock();
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), Math.max(0, budgetMs));
  try {
    const saved = await deps.load(abort.signal);
    if (saved === null) return message("No state yet", "The scheduled run has not saved its first state: the board appears after its first run.");
    let state: State;
    try {
      state = parseState(saved.text);
    } catch (err) {
      return message("State unreadable", `The saved state could not be read (${(err as Error).message}); the next run sets it aside and starts afresh.`);
    }
    const now = saved.savedAt;
    const { report } = evaluate(
      state,
      { cursor: state.cursor, complete: true, seen: state.seen, blocks: [], corrupt: [], pending: state.pending, forgotten: [], stats: { prefixesListed: 0, metaRead: 0, listRequests: 0, getRequests: 0, durationMs: 0 } },
      now,
      deps.policy,
    );
    const age = started - now;
    const notice = age > deps.staleAfterMs ? `The last run saved this ${formatDuration(age)} ago: the monitor may have stopped (see its not-reporting alarm).` : undefined;
    const board = boardFromState({ report, policy: deps.policy, state, location: deps.location, ...(notice ? { notice } : {}) });
    return renderBoard(board, { fragment: true, maxHealthyRows: WIDGET_HEALTHY_ROWS, foldHealthyAbove: 30 });
  } catch (err) {
    const e = err as Error;
    if (abort.signal.aborted) return message("Timed out", `Reading the state took longer than ${budgetMs} ms; the next refresh tries again.`);
    // Without s3:ListBucket, S3 answers a missing key with 403.
    if (e.name === "AccessDenied") return message("No state, or no access", "The state object is missing (no run has saved it yet) or this function's role may not read it (s3:GetObject on the state object).");
    return message("Could not read the state", `${e.name}: ${e.message}`);
  } finally {
    clearTimeout(timer);
  }
}

function message(title: string, body: string): string {
  return `<div style="font:13px system-ui,sans-serif;padding:8px"><b>blockwatch board: ${text(title)}</b><p>${html(body, 400)}</p></div>`;
}
