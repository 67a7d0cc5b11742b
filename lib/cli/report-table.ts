import { formatDuration } from "../domain/duration";
import { reportFindings, joinParts, type FindingKind } from "../health/findings";
import type { Report } from "../health/report";
import { painter, printable, table, type Colour } from "./terminal";

const STATUS_COLOUR: Record<string, Colour> = { missing: "red", stalled: "red", late: "yellow", ok: "green" };
const KIND_COLOUR: Record<FindingKind, Colour> = { missing: "red", stalled: "red", overlap: "red", partial: "yellow", corrupt: "yellow", unlabeled: "yellow", "data gap": "yellow", new: "dim" };

/** `thanos`, `federated-etl`, or for a cluster in both the deciding one and the other's status. */
function sourceCell(c: Report["clusters"][number]): string {
  const own = c.source ?? "thanos";
  const other = c.sources?.[1];
  return other ? `${own} (+${other.source} ${other.status})` : own;
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
    const rows = [["CLUSTER", "STATUS", "DATA LAG", "LAST UPLOAD", "STREAMS", "NEWEST BLOCK", "SOURCE"]];
    for (const c of report.clusters) {
      rows.push([
        printable(c.cluster, 60),
        c.silenced ? `${c.status} (silenced)` : c.status,
        c.dataLagSeconds === null ? "-" : formatDuration(c.dataLagSeconds * 1000),
        ago(c.lastUploadAt),
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
