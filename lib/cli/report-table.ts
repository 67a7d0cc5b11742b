import { formatDuration } from "../domain/duration";
import { formatLabels, streamKey, type Labels } from "../domain/labels";
import type { Report } from "../health/report";
import { painter, printable, table, type Colour } from "./terminal";

const STATUS_COLOUR: Record<string, Colour> = { missing: "red", stalled: "red", late: "yellow", ok: "green" };

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
        c.status,
        c.dataLagSeconds === null ? "-" : formatDuration(c.dataLagSeconds * 1000),
        ago(c.lastUploadAt),
        String(c.streams.length),
        c.newestBlock === null ? "-" : printable(c.newestBlock, 60),
        sourceCell(c),
      ]);
    }
    out.push(table(rows, (r, col, cell) => (r === 0 ? paint("dim", cell) : col === 1 ? paint(STATUS_COLOUR[cell.trim()] ?? "bold", cell) : cell)));
  }
  const counts = ["ok", "late", "stalled", "missing"].map((s) => `${report.clusters.filter((c) => c.status === s).length} ${s}`);
  out.push("");
  out.push(`${report.clusters.length} clusters: ${counts.join(", ")}.`);
  if (!report.complete) out.push(paint("yellow", "This run stopped before the end of the listing: newer blocks were not read yet."));

  const findings: string[] = [];
  const label = opts.clusterLabel;
  const down = report.clusters.filter((c) => c.status === "stalled" || c.status === "missing");
  for (const c of down) {
    const name = printable(c.cluster, 60);
    if (c.source === "federated-etl" && c.status !== "missing") {
      findings.push(
        `${paint("red", "stalled")} ${name}: ${c.reason ? printable(c.reason, 200) : `newest Federated ETL data ends ${ago(c.newestMaxTime)} (${printable(c.newestBlock ?? "-", 80)})`}, last upload ${ago(c.lastUploadAt)}.\n` +
          `  Next: kubectl logs deploy/kubecost-cost-analyzer | grep -i federated on that cluster; check federatedETL.federatedCluster is true, kubecostModel.federatedStorageConfigSecret names the federated-store secret, and the role may write federated/${name}/ in the bucket.`,
      );
    } else if (c.status === "missing") {
      findings.push(
        `${paint("red", "missing")} ${name}: expected, but no block within the lookback window.\n` +
          `  Next: check the sidecar is shipping (kubectl logs <prometheus-server pod> --container thanos-sidecar | grep uploaded) and that ` +
          `prometheus.server.global.external_labels.${label} is "${name}".`,
      );
    } else {
      findings.push(
        `${paint("red", "stalled")} ${name}: newest data ends ${ago(c.newestMaxTime)} (block ${c.newestBlock}), last sidecar upload ${ago(c.lastUploadAt)}.\n` +
          `  Next: kubectl logs <prometheus-server pod> --container thanos-sidecar | grep uploaded; look for upload errors (IAM role, KMS key) and test bucket access from the cluster with the sidecar's service account (aws s3 ls).`,
      );
    }
  }
  for (const o of report.overlaps) {
    const id = printable(o.cluster, 60);
    findings.push(
      `${paint("red", "overlap")} ${printable(formatLabels(o.labels))}: ${o.blocks.length} blocks cover the same time (${o.blocks.slice(0, 4).join(", ")}${o.blocks.length > 4 ? ", …" : ""}).\n` +
        `  Next: two Prometheus servers share ${label}=${id}: give each cluster a unique prometheus.server.global.external_labels.${label}. The compactor halts on overlapping blocks.`,
    );
  }
  for (const p of report.partialBlocks) {
    findings.push(
      `${paint("yellow", "partial")} block ${p.block}: no meta.json, no activity for ${formatDuration(p.ageSeconds * 1000)}: an aborted upload.\n` +
        `  Next: look for upload errors in the thanos-sidecar logs (a denied IAM or KMS call stops an upload half way); the compactor deletes partial blocks after 48h.`,
    );
  }
  for (const c of report.corruptBlocks) {
    findings.push(
      `${paint("yellow", "corrupt")} block ${c.block}: ${printable(c.reason, 200)}.\n` +
        `  Next: inspect ${c.block}/meta.json; thanos tools bucket verify reports the same block; delete or repair it so queriers and the compactor do not skip it.`,
    );
  }
  const unlabeled = new Map<string, { labels: Labels; blocks: string[] }>();
  for (const u of report.unlabeledBlocks) {
    const key = streamKey(u.labels);
    const entry = unlabeled.get(key) ?? { labels: u.labels, blocks: [] };
    entry.blocks.push(u.block);
    unlabeled.set(key, entry);
  }
  for (const { labels, blocks } of unlabeled.values()) {
    findings.push(
      `${paint("yellow", "unlabeled")} ${blocks.length} block${blocks.length === 1 ? "" : "s"} with labels ${printable(formatLabels(labels))} have no ${label} (e.g. ${blocks[0]}).\n` +
        `  Next: set prometheus.server.global.external_labels.${label} on that Prometheus so its data is attributed to a cluster.`,
    );
  }
  for (const g of report.dataGaps ?? []) {
    findings.push(
      `${paint("yellow", "data gap")} ${printable(g.cluster, 60)}: no ${printable(g.kind, 20)} hourly ETL file from ${g.from} to ${g.to} (${formatDuration(g.seconds * 1000)}).\n` +
        `  Next: those hours are missing from the federated view; the cluster was down or could not upload then. Kubecost can rebuild them from Prometheus while it still holds the data (ETL repair).`,
    );
  }
  for (const f of report.corruptFiles ?? []) {
    findings.push(
      `${paint("yellow", "corrupt")} file ${printable(f.file, 200)}: ${printable(f.reason, 200)}.\n` +
        `  Next: an hourly ETL file is named <start>-<end> in Unix seconds; move anything else out of the 1h folder.`,
    );
  }
  if (report.newClusters.length > 0) {
    findings.push(
      `${paint("dim", "new")} first seen: ${report.newClusters.map((n) => printable(n, 60)).join(", ")}.\n` +
        `  Next: check the name is intended (a typo makes a new cluster); list it in --expected-clusters to be told when it goes missing.`,
    );
  }
  out.push("");
  if (findings.length === 0) out.push("No findings.");
  else out.push(`Findings (${findings.length}):`, ...findings.map((f) => `- ${f}`));
  const s = report.stats;
  out.push("");
  const etl = s.hourlyFilesListed === undefined ? "" : `, ${s.hourlyFilesListed} Federated ETL files listed`;
  out.push(paint("dim", `${s.prefixesListed} prefixes listed, ${s.metaRead} meta.json read${etl}, ${s.listRequests} LIST + ${s.getRequests} GET requests, ${s.durationMs} ms.`));
  return out.join("\n");
}
