import { formatDuration } from "../domain/duration";
import { formatLabels } from "../domain/labels";
import { painter, printable, table } from "../cli/terminal";
import type { BacktestCluster, BacktestResult } from "./backtest";

const when = (t: number | null) => (t === null ? "-" : new Date(t).toISOString().slice(0, 16).replace("T", " ") + "Z");
const span = (from: number, to: number) => formatDuration(Math.max(0, to - from));

function summary(c: BacktestCluster, to: number): string[] {
  const total = (status: "late" | "stalled") => {
    const ps = c.periods.filter((p) => p.status === status);
    if (ps.length === 0) return "-";
    return `${ps.length} × ${span(0, ps.reduce((a, p) => a + (p.to ?? to) - p.from, 0))}`;
  };
  const gaps = c.streams.flatMap((s) => s.gaps);
  const overlaps = c.streams.reduce((a, s) => a + s.overlaps.flat().length, 0);
  return [
    printable(c.cluster, 60),
    total("stalled"),
    total("late"),
    String(c.notices.filter((n) => n.kind === "page").length),
    String(c.notices.filter((n) => n.kind === "recovery").length),
    gaps.length === 0 ? "-" : `${gaps.length} (${span(0, gaps.reduce((a, g) => a + g.to - g.from, 0))})`,
    overlaps === 0 ? "-" : `${overlaps} blocks`,
    when(c.historyFrom),
    c.exactFrom === null ? "never" : when(c.exactFrom),
  ];
}

/** The backtest for people: one line per cluster, then the details of every cluster with something to say, then the limits. */
export function renderBacktest(r: BacktestResult, opts: { colour: boolean; stallAfterMs: number; lateAfterMs: number }): string {
  const paint = painter(opts.colour);
  const out: string[] = [];
  out.push(
    paint(
      "bold",
      `blockwatch backtest · ${printable(r.location)} · ${when(r.from)} → ${when(r.to)} (${formatDuration(r.to - r.from)}) · a run every ${formatDuration(r.scheduleMs)} · late after ${formatDuration(opts.lateAfterMs)}, stalled after ${formatDuration(opts.stallAfterMs)}`,
    ),
    "",
    `Read ${r.read.prefixes} prefixes (${r.read.listRequests} LIST, ${r.read.getRequests} GET): ${r.read.blocks} blocks, ${r.read.compacted} of them compacted or downsampled, ` +
      `${r.read.partial.filter((p) => !p.deleting).length} partial uploads, ${r.read.corrupt.length} unreadable meta.json.`,
    `Rebuilt ${r.reconstructed.blocks} level-1 blocks; ${r.reconstructed.fromLineage} are known only from compaction lineage (upload time estimated), ${r.reconstructed.estimatedRanges} of those with an estimated range.`,
    "",
  );
  const rows = [["CLUSTER", "STALLED", "LATE", "PAGES", "RECOVERIES", "GAPS", "OVERLAPS", "HISTORY FROM", "EXACT UPLOADS FROM"]];
  for (const c of r.clusters) rows.push(summary(c, r.to));
  out.push(r.clusters.length === 0 ? "No cluster has blocks in the window." : table(rows, (row, _col, cell) => (row === 0 ? paint("dim", cell) : cell)), "");

  for (const c of r.clusters) {
    const lines: string[] = [];
    for (const p of c.periods) {
      const colour = p.status === "stalled" ? "red" : "yellow";
      lines.push(`  ${paint(colour, p.status.padEnd(8))} ${when(p.from)} → ${p.to === null ? "still at the end".padEnd(17) : when(p.to)}  ${span(p.from, p.to ?? r.to)}${p.estimated ? paint("dim", "  (upload times estimated)") : ""}`);
    }
    for (const n of c.notices) {
      const what = n.kind === "page" ? (n.atStart ? "page (already down at the start)" : "page") : n.kind;
      lines.push(`  ${(n.kind === "recovery" ? paint("green", "recovery") : n.kind === "page" ? paint("red", "page    ") : "reminder")} ${when(n.at)}${n.kind === "page" && n.atStart ? paint("dim", "  " + what) : ""}`);
    }
    for (const s of c.streams) {
      for (const g of s.gaps) {
        lines.push(`  ${"gap".padEnd(8)} ${when(g.from)} → ${when(g.to)}  ${span(g.from, g.to)}  ${printable(formatLabels(s.labels))}${g.estimated ? paint("dim", "  (edges estimated)") : ""}`);
      }
      if (s.overlaps.length > 0 && s.overlapSpan) {
        const blocks = s.overlaps.flat();
        lines.push(
          `  ${paint("red", "overlap ")} ${when(s.overlapSpan.from)} → ${when(s.overlapSpan.to)}  ${printable(formatLabels(s.labels))}: ${blocks.length} blocks in ${s.overlaps.length} overlapping groups ` +
            `(two Prometheus servers share this label set; e.g. ${s.overlaps[0]!.join(", ")})`,
        );
      }
    }
    if (lines.length > 0) out.push(paint("bold", printable(c.cluster, 80)), ...lines, "");
  }
  for (const s of r.unlabeled) out.push(`Without a cluster label: ${printable(formatLabels(s.labels))}, ${s.blocks} blocks, data ${when(s.historyFrom)} → ${when(s.lastData)}.`);
  if (r.unlabeled.length > 0) out.push("");
  out.push(paint("bold", "What this cannot tell"), ...r.limits.map((l) => `- ${l}`));
  return out.join("\n");
}
