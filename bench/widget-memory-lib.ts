import { widgetBoardHtml } from "../lib/board/published";
import { judgeSavedState } from "../lib/board/widget";
import { DEFAULT_POLICY } from "../lib/policy/policy";
import { parseState } from "../lib/state/state";

export { judgeSavedState };

/** The widget's fallback on a saved state's text: parse, judge as of `now`, draw. */
export function widgetBoardHtmlFor(text: string, now: number, judge: typeof judgeSavedState): string {
  const state = parseState(text);
  const policy = { ...DEFAULT_POLICY, expectedClusters: [] };
  return widgetBoardHtml({ report: judge(state, now, policy), state, policy, location: "s3://bench/", drawnBy: "widget" });
}
