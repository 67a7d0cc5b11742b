// `npx tsx bench/board.ts [clusters...]`: the board at fleet scale. Builds the bench fleet (7 days,
// HA pairs, stalled, late, long-stalled and missing clusters, the compactor's blocks), judges it as
// a run without state would, and prints the size of `report --html` and of the dashboard widget's
// HTML and the time each takes to build. Prints figures only; docs/benchmarks.md quotes them.
import { boardFromBlocks, boardFromState } from "../lib/board/model";
import { renderBoard } from "../lib/board/page";
import { mergeIntervals } from "../lib/board/intervals";
import { ulidTime } from "../lib/domain/ulid";
import { streamKey } from "../lib/domain/labels";
import { evaluate, type ObservedBlock } from "../lib/health/evaluate";
import { DEFAULT_POLICY } from "../lib/policy/policy";
import { emptyState, parseState, serializeState } from "../lib/state/state";
import { widgetBoardHtml, withNotice } from "../lib/board/published";
import { judgeSavedState } from "../lib/board/widget";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateFleet } from "./fleet";

const T1 = Date.parse("2025-11-03T14:00:00Z");
const args = process.argv.slice(2);
// `--save DIR`: also write each size's state and the run's board there, for bench/widget-memory.ts.
const saveAt = args.indexOf("--save");
const saveDir = saveAt >= 0 ? args[saveAt + 1] : undefined;
const sizes = args.filter((a, i) => i !== saveAt + 1 || saveAt < 0).map(Number).filter((n) => n > 0);
const ms = (f: () => void) => {
  const t = performance.now();
  f();
  return performance.now() - t;
};

for (const clusters of sizes.length ? sizes : [100, 1000]) {
  const fleet = generateFleet(clusters, 7, T1);
  const blocks: ObservedBlock[] = fleet.blocks
    .filter((b) => b.appear <= T1 && T1 < b.until)
    .map((b) => ({
      ulid: b.spec.ulid,
      ulidTime: ulidTime(b.spec.ulid),
      minTime: b.spec.minTime,
      maxTime: b.spec.maxTime,
      labels: b.spec.labels,
      resolution: b.spec.resolution ?? 0,
      level: b.spec.level ?? 1,
      source: b.spec.source ?? "sidecar",
      outOfOrder: false,
      uploadTime: b.spec.uploadTime,
      sizeBytes: null,
      deletionMarked: b.markedAt !== null && b.markedAt <= T1,
    }));
  const policy = { ...DEFAULT_POLICY, expectedClusters: fleet.expected };
  const stats = { prefixesListed: 0, metaRead: 0, listRequests: 0, getRequests: 0, durationMs: 0 };
  const { state, report } = evaluate(emptyState(), { cursor: null, complete: true, seen: "", blocks, corrupt: [], pending: [], forgotten: [], stats }, T1, policy);

  let page = "";
  const pageMs = ms(() => (page = renderBoard(boardFromBlocks({ report, policy, location: "s3://bench/", blocks }))));

  // The widget as deployed today (no coverage in the state: recent ranges only) and once each stream
  // carries its coverage intervals (the lead's StreamState.coverage).
  const widget = (text: string) => {
    let html = "";
    const t = ms(() => {
      const s = parseState(text);
      const r = evaluate(s, { cursor: s.cursor, complete: true, seen: s.seen, blocks: [], corrupt: [], pending: s.pending, forgotten: [], stats }, T1, policy).report;
      html = renderBoard(boardFromState({ report: r, policy, state: s, location: "s3://bench/" }), { fragment: true, maxHealthyRows: 200, foldHealthyAbove: 30 });
    });
    return { html, t, stateBytes: text.length };
  };
  const now = widget(serializeState(state));
  const withCoverage = JSON.parse(serializeState(state));
  const byKey = new Map<string, [number, number][]>();
  for (const b of blocks) if (!b.deletionMarked && b.resolution === 0) byKey.set(streamKey(b.labels), [...(byKey.get(streamKey(b.labels)) ?? []), [b.minTime, b.maxTime]]);
  for (const s of Object.values(withCoverage.streams) as { labels: Record<string, string>; coverage?: [number, number][] }[]) s.coverage = mergeIntervals(byKey.get(streamKey(s.labels)) ?? []);
  const later = widget(JSON.stringify(withCoverage));
  const kb = (s: string) => `${(Buffer.byteLength(s) / 1024).toFixed(0)} KB`;
  // Since the board object: the run draws it once (added to the run's CPU); a view returns it (a
  // string handed back, a notice put in when stale), or, when it is missing or out of date, the widget
  // draws from the state as before (the fallback).
  const text = serializeState(state);
  let runBoard = "";
  const runMs = ms(() => (runBoard = widgetBoardHtml({ report, state, policy, location: "s3://bench/", drawnBy: "run" })));
  let fallback = "";
  const fallbackMs = ms(() => {
    const s = parseState(text);
    fallback = widgetBoardHtml({ report: judgeSavedState(s, T1, policy), state: s, policy, location: "s3://bench/", drawnBy: "widget" });
  });
  const viewMs = ms(() => void withNotice(runBoard, "stale").length);
  if (saveDir) {
    mkdirSync(saveDir, { recursive: true });
    writeFileSync(join(saveDir, `state-${clusters}.json`), text);
    writeFileSync(join(saveDir, `board-${clusters}.html`), runBoard);
  }
  process.stdout.write(
    `${clusters} clusters: the run draws the board (${kb(runBoard)}) in ${runMs.toFixed(0)} ms; a view returns it in ${viewMs.toFixed(1)} ms of CPU; ` +
      `the widget's fallback (parse + judge + draw the state) takes ${fallbackMs.toFixed(0)} ms (${kb(fallback)})\n`,
  );
  process.stdout.write(
    `${clusters} clusters (${blocks.length} blocks, ${report.clusters.filter((c) => c.status !== "ok").length} not ok): ` +
      `report --html ${kb(page)} in ${pageMs.toFixed(0)} ms; widget ${kb(now.html)} in ${now.t.toFixed(0)} ms (state ${kb(serializeState(state))}); ` +
      `with coverage in the state: widget ${kb(later.html)} in ${later.t.toFixed(0)} ms (state ${(later.stateBytes / 1024).toFixed(0)} KB)\n`,
  );
}
