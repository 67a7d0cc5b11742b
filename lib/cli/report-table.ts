import { formatDuration } from "../domain/duration";
import { reportFindings, joinParts, type FindingKind } from "../health/findings";
import type { Report } from "../health/report";
import { painter, printable, table, type Colour } from "./terminal";

const STATUS_COLOUR: Record<string, Colour> = { missing: "red", stalled: "red", late: "yellow", ok: "green" };
const KIND_COLOUR: Record<FindingKind, Colour> = { missing: "red", stalled: "red", overlap: "red", partial: "yellow", corrupt: "yellow", unlabeled: "yellow", "data gap": "yellow", "data lost": "yellow", "two sources": "red", degraded: "yellow", compactor: "yellow", new: "dim" };

/** `thanos`, `federated-etl`, or for a cluster in both the deciding one and the other's status. */
function sourceCell(c: Report["clusters"][number]): string {
  const own = c.source ?? "thanos";
  const other = c.sources?.[1];
  return other ? `${own} (+${other.source} ${other.status})` : own;
}

function compactorLine(report: Report, ago: (iso: string | null) => string): string {
  const c = report.compactor!;
  const waiting =
    c.backlogBlocks > 0 ? `${c.backlogBlocks} compactable blocks wait (oldest ${formatDuration((c.oldestBacklogSeconds ?? 0) * 1000)})` : "no compactable block waits";
  if (c.status === "unknown") {
    const why =
      c.unknownReason === "none-deployed"
        ? "none seems to be deployed (or it stopped before the lookback began)"
        : "too little history yet to tell whether one is deployed";
    return `Compactor: unknown: no compactor block within the lookback window; ${why}; ${waiting}.`;
  }
  const ds = c.downsampling ? `; downsampling ${c.downsampling.status}${c.downsampling.waitingBlocks > 0 ? ` (${c.downsampling.waitingBlocks} 2-day blocks wait)` : ""}` : "";
  return `Compactor: ${c.status}, last compaction ${ago(c.lastCompactionAt)}, ${waiting}${ds}.`;
}

function retentionLine(r: NonNullable<Report["retention"]>): string {
  const oldest = r.oldestMaxTime ? `oldest data ends ${r.oldestMaxTime.slice(0, 10)}` : "no block read";
  if (r.expected === null) {
    const per = r.oldestByCluster.slice(0, 3).map((c) => `${printable(c.cluster, 40)} ${c.oldestMaxTime.slice(0, 10)}`);
    return `Retention: not checked (--retention); ${oldest}${per.length ? ` (${per.join(", ")}${r.oldestByCluster.length > 3 ? ", …" : ""})` : ""}.`;
  }
  return `Retention: expected ${r.expected}; ${oldest}; ${r.overdueBlocks ?? 0} blocks overdue (older than retention + 2 days).`;
}

/** The report for people: clusters worst first, then every finding with its next step. */
export function renderReport(report: Report, opts: { colour: boolean; clusterLabel: string; location: string }): string {
  const paint = painter(opts.colour);
  const now = Date.parse(report.now);
  const ago = (iso: string | null) => (iso ? `${formatDuration(now - Date.parse(iso))} ago` : "-");
  const out: string[] = [];
  out.push(paint("bold", `blockwatch · ${printable(opts.location)} · ${report.now}`));
  out.push("");

  if (report.clusters.length === 0) {
    out.push("No cluster has uploaded a block or a Federated ETL file within the lookback window.");
    if (report.unlabeledBlocks.length === 0) {
      out.push(
        `If the bucket is not empty: check the objstore config's bucket and prefix (Thanos blocks are the ULID-named folders at its top level, Kubecost 2.x Federated ETL is under federated/<cluster_id>/).`,
      );
    } else {
      // Every block lacks the cluster label: more likely the label is named otherwise than every Prometheus is unlabeled.
      const names = [...new Set(report.unlabeledBlocks.flatMap((u) => Object.keys(u.labels)))].sort();
      out.push(
        `No block carries the label ${printable(opts.clusterLabel, 60)}${names.length ? `; their labels are ${names.map((n) => printable(n, 40)).join(", ")}: is the cluster label one of them (--cluster-label)?` : "."}`,
      );
    }
  } else {
    const rows = [["CLUSTER", "STATUS", "DATA LAG", "LAST UPLOAD", "COMPACTED UNTIL", "STREAMS", "NEWEST BLOCK", "SOURCE"]];
    for (const c of report.clusters) {
      rows.push([
        printable(c.cluster, 60),
        c.silenced ? `${c.status} (silenced)` : c.status,
        c.dataLagSeconds === null ? "-" : formatDuration(c.dataLagSeconds * 1000),
        ago(c.lastUploadAt),
        ago(c.compactedUntil ?? null),
        String(c.streams.length),
        c.newestBlock === null ? "-" : printable(c.newestBlock, 60),
        sourceCell(c),
      ]);
    }
    out.push(table(rows, (r, col, cell) => (r === 0 ? paint("dim", cell) : col === 1 ? paint(STATUS_COLOUR[cell.trim().split(" ")[0]!] ?? "bold", cell) : cell)));
  }
  const counts = ["ok", "late", "stalled", "missing"].map((s) => `${report.clusters.filter((c) => c.status === s).length} ${s}`);
  out.push("");
  out.push(`${report.clusters.length} clusters: ${counts.join(", ")}.`);
  const silenced = report.clusters.filter((c) => c.silenced);
  if (silenced.length > 0) {
    out.push(
      `Silenced (judged, paging nobody): ${silenced
        .map((c) => `${printable(c.cluster, 60)} until ${c.silenced!.until}${c.silenced!.reason ? ` (${printable(c.silenced!.reason, 80)})` : ""}`)
        .join(", ")}.`,
    );
  }
  if (report.decommissioned?.length) {
    out.push(`Decommissioned (not judged): ${report.decommissioned.map((d) => printable(d.cluster, 60)).join(", ")}.`);
  }
  if (!report.complete) out.push(paint("yellow", "This run stopped before the end of the listing: newer blocks were not read yet."));
  if (report.compactor) out.push(compactorLine(report, ago));
  if (report.retention) out.push(retentionLine(report.retention));

  const findings = reportFindings(report, opts.clusterLabel).map(
    (f) => `${paint(KIND_COLOUR[f.kind], f.kind)} ${joinParts(f.summary, printable)}\n  Next: ${joinParts(f.next, printable)}`,
  );
  out.push("");
  if (findings.length === 0) out.push("No findings.");
  else out.push(`Findings (${findings.length}):`, ...findings.map((f) => `- ${f}`));
  const s = report.stats;
  out.push("");
  const etl = s.hourlyFilesListed === undefined ? "" : `, ${s.hourlyFilesListed} Federated ETL files listed`;
  out.push(paint("dim", `${s.prefixesListed} prefixes listed, ${s.metaRead} meta.json read${etl}, ${s.listRequests} LIST + ${s.getRequests} GET requests, ${s.durationMs} ms.`));
  return out.join("\n");
}
