import { formatDuration } from "../domain/duration";
import { formatLabels } from "../domain/labels";
import { joinParts } from "../health/findings";
import { STATUS_ORDER } from "../health/status";
import { html, text } from "./escape";
import type { Board, BoardCluster } from "./model";
import { clusterTimeline, dayTicksCss, timeAxis, when } from "./timeline";

export interface PageOptions {
  /** A fragment for a CloudWatch custom widget (no <html>, no <head>) instead of a whole document. */
  fragment?: boolean;
  /** Healthy rows drawn at most (the rest are counted); default all. */
  maxHealthyRows?: number;
  /** Clusters drawn block by block at most, worst first; the rest as runs of blocks. */
  maxDetailed?: number;
  /** Healthy rows start folded above this many. */
  foldHealthyAbove?: number;
  /** Says when and by whom the board was drawn (the widget shows the run's board: its "now" is the run's). */
  asOf?: string;
}

const STYLE = `
.bw{font:13px/1.35 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1b1f24;background:#fff;margin:0;padding:12px 16px}
.bw h1{font-size:18px;margin:0 0 2px}.bw h2{font-size:15px;margin:18px 0 6px}
.bw .sub{color:#57606a;margin:0 0 10px}.bw .notice{background:#fff8c5;border:1px solid #d4a72c;padding:6px 10px;margin:8px 0}
.bw .cards{display:flex;flex-wrap:wrap;gap:8px}.bw .card{border:1px solid #d0d7de;border-radius:6px;padding:6px 12px;min-width:90px}
.bw .card b{display:block;font-size:20px}.bw .card.missing b,.bw .card.stalled b{color:#cf222e}.bw .card.late b{color:#bc4c00}.bw .card.ok b{color:#1a7f37}
.bw table{border-collapse:collapse;width:100%;table-layout:fixed}.bw th{text-align:left;font-weight:600;color:#57606a;border-bottom:1px solid #d0d7de;padding:3px 6px}
.bw td{border-bottom:1px solid #eaeef2;padding:3px 6px;vertical-align:top;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.bw col.c{width:15%}.bw col.s{width:6%}.bw col.n{width:8%}.bw col.t{width:auto}.bw col.b{width:11%}
.bw td.name{font-weight:600}.bw tr.ok td{padding-top:1px;padding-bottom:1px;color:#57606a}.bw tr.ok td.name{font-weight:400}
.bw .st{display:inline-block;border-radius:3px;padding:0 5px;color:#fff;font-size:11px;font-weight:600}
.bw .st.missing{background:#6e7781}.bw .st.stalled{background:#cf222e}.bw .st.late{background:#bc4c00}.bw .st.ok{background:#1a7f37}
.bw .mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:11px}
.bw svg.tl{display:block;width:100%;background:#f6f8fa}.bw td.tlc{white-space:normal}
.bw .cov,.bw .l1{fill:#4c78a8}.bw .l2{fill:#72b7b2}.bw .l3{fill:#54a24b}.bw .l4{fill:#8c6d31}.bw .ds{fill:#b279a2}.bw .end{fill:#4c78a8;opacity:.55}.bw .ov{fill:#d62728;stroke:#7a0000;stroke-width:1}
.bw .gap{fill:#fff;stroke:#cf222e;stroke-dasharray:2 2}.bw .p-late{fill:#ff7f0e;opacity:.22}.bw .p-stall{fill:#d62728;opacity:.22}
.bw .tick{stroke:#d0d7de;stroke-width:1;vector-effect:non-scaling-stroke}.bw .now{stroke:#1b1f24;stroke-width:2;vector-effect:non-scaling-stroke}
.bw .axis{position:relative;height:14px;font-size:10px;color:#57606a}.bw .axis span{position:absolute;transform:translateX(-50%)}.bw .axis .nowl{font-weight:700;color:#1b1f24}
.bw .none{color:#6e7781;font-style:italic}.bw ul.findings{padding-left:18px}.bw ul.findings li{margin:0 0 6px}.bw .next{color:#57606a}
.bw .k{display:inline-block;min-width:64px;font-weight:700}.bw .k.critical{color:#cf222e}.bw .k.warning{color:#bc4c00}.bw .k.info{color:#57606a}
.bw .legend span{margin-right:12px;white-space:nowrap}.bw .legend i{display:inline-block;width:12px;height:8px;margin-right:4px;vertical-align:middle}
.bw details>summary{cursor:pointer;color:#57606a;margin:6px 0}.bw .foot{color:#6e7781;margin-top:16px;font-size:11px}
`.trim();

const seconds = (s: number | null) => (s === null ? "-" : formatDuration(s * 1000));

/** The board as one self-contained HTML document (or widget fragment): inline CSS and SVG, no script, no external asset. */
export function renderBoard(board: Board, opts: PageOptions = {}): string {
  const r = board.report;
  const counts = Object.fromEntries(STATUS_ORDER.map((s) => [s, r.clusters.filter((c) => c.status === s).length])) as Record<string, number>;
  const worst = r.clusters.filter((c) => c.dataLagSeconds !== null).sort((a, b) => b.dataLagSeconds! - a.dataLagSeconds!)[0];
  const problems = board.clusters.filter((c) => c.verdict.status !== "ok" || c.flagged);
  const healthy = board.clusters.filter((c) => c.verdict.status === "ok" && !c.flagged);
  const maxDetailed = opts.maxDetailed ?? 300;
  const shownHealthy = healthy.slice(0, opts.maxHealthyRows ?? healthy.length);
  const body: string[] = [];

  body.push(`<h1>blockwatch board</h1>`);
  body.push(
    `<p class="sub">${html(board.location, 200)} · checked ${text(when(board.now))} · lookback ${text(formatDuration(board.now - board.from))} · late after ${text(formatDuration(board.defaults.lateAfterMs))}, stalled after ${text(formatDuration(board.defaults.stallAfterMs))} · ${board.source === "bucket" ? "every block read" : "from the saved state"}${opts.asOf ? ` · ${text(opts.asOf)}` : ""}</p>`,
  );
  if (board.notice) body.push(`<p class="notice">${html(board.notice, 400)}</p>`);

  const cards = [
    `<div class="card"><b>${r.clusters.length}</b>clusters</div>`,
    ...STATUS_ORDER.map((s) => `<div class="card ${s}"><b>${counts[s]}</b>${s}</div>`),
    `<div class="card"><b>${worst ? text(seconds(worst.dataLagSeconds)) : "-"}</b>worst lag${worst ? ` (${html(worst.cluster, 40)})` : ""}</div>`,
    `<div class="card"><b>${board.findings.length}</b>findings</div>`,
  ];
  if (board.compactor) cards.push(`<div class="card"><b>${html(board.compactor.status, 30)}</b>compactor${board.compactor.detail ? ` · ${html(board.compactor.detail, 120)}` : ""}</div>`);
  body.push(`<div class="cards" id="summary">${cards.join("")}</div>`);

  body.push(`<h2>Clusters, problems first</h2>`);
  if (board.clusters.length === 0) body.push(`<p class="none">No cluster has uploaded a block within the lookback window.</p>`);
  else {
    const head = `<colgroup><col class="c"><col class="s"><col class="n"><col class="n"><col class="s"><col class="n"><col class="b"><col class="t"></colgroup><thead><tr><th>Cluster</th><th>Status</th><th>Data lag</th><th>Last upload</th><th>Streams</th><th>Source</th><th>Compacted until</th><th>${timeAxis(board.from, board.now)}</th></tr></thead>`;
    if (problems.length > 0) {
      body.push(`<table class="clusters" id="problems">${head}<tbody>${problems.map((c, i) => row(board, c, i < maxDetailed)).join("")}</tbody></table>`);
    }
    if (healthy.length > 0) {
      const fold = healthy.length > (opts.foldHealthyAbove ?? 60);
      const more = healthy.length - shownHealthy.length;
      const table = `<table class="clusters" id="healthy">${head}<tbody>${shownHealthy.map((c) => row(board, c, false)).join("")}</tbody></table>${more > 0 ? `<p class="none">and ${more} more healthy clusters (blockwatch report --html draws them all)</p>` : ""}`;
      body.push(`<details${fold ? "" : " open"}><summary>${healthy.length} healthy cluster${healthy.length === 1 ? "" : "s"}</summary>${table}</details>`);
    }
  }

  body.push(`<h2>Findings (${board.findings.length})</h2>`);
  if (board.findings.length === 0) body.push(`<p class="none">No findings.</p>`);
  else {
    const items = board.findings.map(
      (f) => `<li class="finding ${f.kind}"><span class="k ${f.severity}">${f.kind}</span> ${joinParts(f.summary, html, text)}<br><span class="next">Next: ${joinParts(f.next, html, text)}</span></li>`,
    );
    body.push(`<ul class="findings">${items.join("")}</ul>`);
  }
  body.push(
    `<p class="legend"><span><i class="l1" style="background:#4c78a8"></i>raw level 1 (sidecar)</span><span><i style="background:#72b7b2"></i>level 2</span><span><i style="background:#54a24b"></i>level 3</span><span><i style="background:#8c6d31"></i>level 4</span><span><i style="background:#b279a2"></i>downsampled</span><span><i style="background:#d62728"></i>overlapping</span><span><i style="background:#4c78a8"></i>Federated ETL hourly files</span><span><i style="background:#fff;border:1px dashed #cf222e"></i>gap</span><span><i style="background:#ff7f0e;opacity:.4"></i>late</span><span><i style="background:#d62728;opacity:.4"></i>stalled</span><span><i style="background:#1b1f24;width:2px"></i>now</span></p>`,
  );
  const s = r.stats;
  body.push(`<p class="foot">${s.prefixesListed} prefixes listed, ${s.metaRead} meta.json read, ${s.listRequests} LIST + ${s.getRequests} GET requests, ${s.durationMs} ms. Periods are at least as long as drawn: data that resumed was shipped no earlier than it began.</p>`);

  const content = `<div class="bw">${body.join("\n")}</div>`;
  const style = `${STYLE}\n${dayTicksCss(board.from, board.now)}`;
  if (opts.fragment) return `<div class="cwdb-no-default-styles"></div><style>${style}</style>${content}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>blockwatch: ${counts.missing! + counts.stalled!} down of ${r.clusters.length} · ${html(board.location, 80)}</title>
<style>${style}</style></head>
<body>${content}</body></html>
`;
}

function row(board: Board, c: BoardCluster, detailed: boolean): string {
  const v = c.verdict;
  const ago = (iso: string | null) => (iso ? `${formatDuration(board.now - Date.parse(iso))} ago` : "-");
  const compacted = compactedUntil(c);
  const streams = c.streams.map((s) => html(formatLabels(s.labels), 200)).join("; ");
  const timeline = v.status === "missing" && c.streams.length === 0 ? `<span class="none">no block within the lookback</span>` : clusterTimeline(c, { from: board.from, now: board.now, detailed });
  return (
    `<tr class="${v.status}" data-cluster="${html(v.cluster)}">` +
    `<td class="name" title="${html(v.cluster, 300)}">${html(v.cluster)}</td>` +
    `<td><span class="st ${v.status}">${v.status}</span></td>` +
    `<td title="newest data ends ${v.newestMaxTime ?? "-"}">${text(seconds(v.dataLagSeconds))}</td>` +
    `<td title="${v.lastUploadAt ?? "no sidecar upload seen"}">${text(ago(v.lastUploadAt))}</td>` +
    `<td title="${streams}">${c.streams.length}</td>` +
    `<td class="src" title="${text(sourceTitle(v))}">${text(v.source ?? "thanos")}</td>` +
    `<td class="mono">${compacted === null ? "-" : text(when(compacted))}</td>` +
    `<td class="tlc">${timeline}</td></tr>`
  );
}

/** A cluster in both sources: the other one's status too (the fresher source decides). */
function sourceTitle(v: BoardCluster["verdict"]): string {
  const other = v.sources?.[1];
  return other ? `decided by ${v.source}; ${other.source} is ${other.status}` : (v.source ?? "thanos");
}

/** The end of the newest compacted (level 2+) block, when the blocks are known. */
function compactedUntil(c: BoardCluster): number | null {
  let until: number | null = null;
  for (const s of c.streams) for (const b of s.blocks ?? []) if (b.level >= 2 && (until === null || b.maxTime > until)) until = b.maxTime;
  return until;
}
