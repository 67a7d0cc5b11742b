import { formatLabels } from "../domain/labels";
import { html, text } from "./escape";
import type { Interval } from "./intervals";
import type { BoardBlock, BoardCluster, BoardStream } from "./model";

/** Width of the timeline's coordinate space; the SVG stretches to its column. */
const W = 1000;
const LANE = 7;
const GAP = 2;
const STREAM_GAP = 4;
const PAD = 2;

export interface TimelineOptions {
  from: number;
  now: number;
  /** Draw every block with its own hover title; otherwise runs of touching blocks (compact rows). */
  detailed: boolean;
}

export const when = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace("T", " ") + "Z";
const span = (a: number, b: number) => `${when(a)} to ${when(b)}`;
const resolutionName = (r: number) => (r === 0 ? "raw" : r === 300_000 ? "5m" : r === 3_600_000 ? "1h" : `${r / 1000}s`);

/** The SVG timeline of one cluster over [from, now]: blocks or coverage per stream, late/stalled shading, a "now" line. */
export function clusterTimeline(c: BoardCluster, o: TimelineOptions): string {
  // A little room after "now" so the line is never on the edge.
  const to = o.now + (o.now - o.from) * 0.02;
  const scale = W / (to - o.from);
  const x = (t: number) => Math.round((Math.max(o.from, Math.min(t, to)) - o.from) * scale * 10) / 10;
  const w = (a: number, b: number) => Math.max(0.6, Math.round((x(b) - x(a)) * 10) / 10);
  const rect = (a: number, b: number, y: number, h: number, cls: string, title: string) =>
    `<rect x="${x(a)}" y="${y}" width="${w(a, b)}" height="${h}" class="${cls}"><title>${title}</title></rect>`;

  const lanes: string[] = [];
  let y = PAD;
  for (const s of c.streams) {
    // A Federated ETL stream is one kind's hourly files (labels {etl: kind}); a Thanos one, raw data.
    const etlKind = s.labels.etl !== undefined && c.verdict.source === "federated-etl" ? s.labels.etl : null;
    const dataName = etlKind === null ? "raw data" : `${etlKind} 1h files`;
    const laneGroups = s.blocks ? blockLanes(s.blocks) : [{ name: dataName, blocks: null }];
    const streamTitle = etlKind === null ? html(formatLabels(s.labels), 200) : "Federated ETL";
    for (const lane of laneGroups) {
      const parts: string[] = [];
      if (lane.blocks === null) {
        for (const [a, b] of s.coverage) parts.push(rect(a, b, y, LANE, "cov", `${streamTitle} ${html(dataName)} ${span(a, b)}`));
        // A state without coverage keeps only recent ranges: the stream's newest data end is still known.
        const end = o.now - s.dataLagSeconds * 1000;
        const last = s.coverage[s.coverage.length - 1];
        if (!last || last[1] < end - 1000) parts.push(rect(end - 2 * 3_600_000, end, y, LANE, "end", `${streamTitle} newest data ends ${when(end)} (older data not in the state)`));
      } else if (o.detailed) {
        for (const b of lane.blocks) parts.push(rect(b.minTime, b.maxTime, y, LANE, blockClass(b), `${b.ulid} ${text(lane.name)} ${b.source ? html(b.source, 30) : "?"} ${span(b.minTime, b.maxTime)}${b.overlap ? " OVERLAPS another block of this label set" : ""}`));
      } else {
        for (const run of runs(lane.blocks)) {
          const first = run[0]!;
          const last = run[run.length - 1]!;
          const ov = run.some((b) => b.overlap);
          const title = run.length === 1 ? `${first.ulid} ${text(lane.name)} ${span(first.minTime, first.maxTime)}` : `${run.length} blocks ${text(lane.name)} ${span(first.minTime, last.maxTime)} (${first.ulid} to ${last.ulid})`;
          parts.push(rect(first.minTime, Math.max(...run.map((b) => b.maxTime)), y, LANE, ov ? "ov" : blockClass(first), title));
        }
      }
      const hole = etlKind === null ? "no data" : `no ${html(etlKind)} 1h file`;
      for (const g of s.gaps ?? []) parts.push(rect(g[0], g[1], y, LANE, "gap", `${streamTitle} ${hole} ${span(g[0], g[1])}`));
      lanes.push(`<g><title>${streamTitle} ${text(lane.name)}</title>${parts.join("")}</g>`);
      y += LANE + GAP;
    }
    y += STREAM_GAP - GAP;
  }
  if (c.streams.length === 0) y += LANE + GAP;
  const height = y + PAD - (c.streams.length > 0 ? STREAM_GAP - GAP : 0);

  const shade = c.periods
    .map((p) => `<rect x="${x(p.from)}" y="0" width="${w(p.from, p.to)}" height="${height}" class="${p.status === "stalled" ? "p-stall" : "p-late"}"><title>${p.status} (at least) ${span(p.from, p.to)}</title></rect>`)
    .join("");
  const nowLine = `<line x1="${x(o.now)}" x2="${x(o.now)}" y1="0" y2="${height}" class="now"><title>now ${when(o.now)}</title></line>`;
  const label = `${html(c.verdict.cluster)} timeline`;
  return `<svg class="tl" viewBox="0 0 ${W} ${height}" preserveAspectRatio="none" height="${height}" role="img" aria-label="${label}">${shade}${lanes.join("")}${nowLine}</svg>`;
}

/** Lanes of a stream: one per (resolution, level), raw level 1 first. */
function blockLanes(blocks: readonly BoardBlock[]): { name: string; blocks: BoardBlock[] }[] {
  const lanes = new Map<string, { order: number; name: string; blocks: BoardBlock[] }>();
  for (const b of blocks) {
    const key = `${b.resolution}/${b.level}`;
    const lane = lanes.get(key) ?? { order: b.resolution * 10 + b.level, name: `${resolutionName(b.resolution)} level ${b.level}`, blocks: [] };
    lane.blocks.push(b);
    lanes.set(key, lane);
  }
  return [...lanes.values()].sort((a, b) => a.order - b.order);
}

/** Touching or overlapping blocks of one lane, as runs (a compact row draws a run as one bar). */
function runs(blocks: readonly BoardBlock[]): BoardBlock[][] {
  const out: BoardBlock[][] = [];
  let end = -Infinity;
  for (const b of [...blocks].sort((a, c) => a.minTime - c.minTime)) {
    if (b.minTime <= end) out[out.length - 1]!.push(b);
    else out.push([b]);
    end = Math.max(end, b.maxTime);
  }
  return out;
}

function blockClass(b: BoardBlock): string {
  if (b.overlap) return "ov";
  if (b.resolution !== 0) return "ds";
  return `l${Math.min(b.level, 4)}`;
}

/**
 * Day boundaries behind every timeline, as one CSS background for the whole page: at 1,000
 * clusters, tick lines in each SVG were a fifth of the file.
 */
export function dayTicksCss(from: number, now: number): string {
  const to = now + (now - from) * 0.02;
  const stops: string[] = [];
  for (let d = Math.ceil(from / 86_400_000) * 86_400_000; d < to; d += 86_400_000) {
    const p = (((d - from) / (to - from)) * 100).toFixed(2);
    stops.push(`transparent ${p}%,#d0d7de ${p}%,#d0d7de calc(${p}% + 1px),transparent calc(${p}% + 1px)`);
  }
  return stops.length ? `.bw svg.tl{background-image:linear-gradient(to right,${stops.join(",")})}` : "";
}

/** The scale above the timelines: day boundaries over [from, now]. */
export function timeAxis(from: number, now: number): string {
  const to = now + (now - from) * 0.02;
  const pct = (t: number) => (((t - from) / (to - from)) * 100).toFixed(2);
  const days: string[] = [];
  // A day label too close to "now" would print over it.
  for (let d = Math.ceil(from / 86_400_000) * 86_400_000; d < now - (now - from) * 0.05; d += 86_400_000) days.push(`<span style="left:${pct(d)}%">${new Date(d).toISOString().slice(5, 10)}</span>`);
  days.push(`<span class="nowl" style="left:${pct(now)}%">now</span>`);
  return `<div class="axis">${days.join("")}</div>`;
}

export type { Interval, BoardStream };
