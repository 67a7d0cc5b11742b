// `npx tsx bench/widget-memory.ts DIR N fast|fallback|none`: the board widget's peak memory (maxRSS)
// for one view at N clusters, from the state and board `bench/board.ts N --save DIR` wrote. `none`
// loads the same modules and does nothing: the baseline to subtract. Prints figures only; run each
// mode in its own process (peak RSS is per process). The Lambda's own baseline (runtime + bundle) is
// what its REPORT line says as "Max Memory Used" on an idle view.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { withNotice } from "../lib/board/published";
import { judgeSavedState, widgetBoardHtmlFor } from "./widget-memory-lib";

const [dir, n, mode] = process.argv.slice(2);
if (!dir || !n || !mode) throw new Error("usage: bench/widget-memory.ts DIR N fast|fallback|none");
const T1 = Date.parse("2025-11-03T14:00:00Z");
const before = process.memoryUsage().rss;
let bytes = 0;
if (mode === "fast") {
  const html = readFileSync(join(dir, `board-${n}.html`), "utf8");
  bytes = withNotice(html, "stale").length;
} else if (mode === "fallback") {
  const text = readFileSync(join(dir, `state-${n}.json`), "utf8");
  bytes = widgetBoardHtmlFor(text, T1, judgeSavedState).length;
}
const mb = (x: number) => (x / 1024 / 1024).toFixed(0);
process.stdout.write(`${n} clusters, ${mode}: maxRSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (RSS at start ${mb(before)} MB, ${bytes} chars out)\n`);
