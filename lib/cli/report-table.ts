import { formatDuration } from "../domain/duration";
import { formatLabels, streamKey, type Labels } from "../domain/labels";
import type { Report } from "../health/report";
import { painter, printable, table, type Colour } from "./terminal";

const STATUS_COLOUR: Record<string, Colour> = { missing: "red", stalled: "red", late: "yellow", ok: "green" };

/** The report for people: clusters worst first, then every finding with its next step. */
export function renderReport(report: Report, opts: { colour: boolean; clusterLabel: string; location: string }): string {
  const paint = painter(opts.colour);
  const now = Date.parse(report.now);
  const ago = (iso: string | null) => (iso ? `${formatDuration(now - Date.parse(iso))} ago` : "-");
  const out: string[] = [];
  out.push(paint("bold", `blockwatch · ${printable(opts.location)} · ${report.now}`));
  out.push("");

  if (report.clusters.length === 0) {
    out.push("No cluster has uploaded a block within the lookback window.");
    if (report.unlabeledBlocks.length === 0) {
      out.push(`If the bucket is not empty: check the objstore config's bucket and prefix (blocks are the ULID-named folders at its top level).`);
    } else {
      // Every block lacks the cluster label: more likely the label is named otherwise than every Prometheus is unlabeled.
      const names = [...new Set(report.unlabeledBlocks.flatMap((u) => Object.keys(u.labels)))].sort();
      out.push(
        `No block carries the label ${printable(opts.clusterLabel, 60)}${names.length ? `; their labels are ${names.map((n) => printable(n, 40)).join(", ")}: is the cluster label one of them (--cluster-label)?` : "."}`,
      );
    }
  } else {
    const rows = [["CLUSTER", "STATUS", "DATA LAG", "LAST UPLOAD", "STREAMS", "NEWEST BLOCK"]];
    for (const c of report.clusters) {
      rows.push([
        printable(c.cluster, 60),
        c.status,
        c.dataLagSeconds === null ? "-" : formatDuration(c.dataLagSeconds * 1000),
        ago(c.lastUploadAt),
        String(c.streams.length),
        c.newestBlock ?? "-",
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
    if (c.status === "missing") {
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
  for (const c of report.conflicts ?? []) {
    findings.push(
      `${paint("red", "two sources")} ${printable(c.cluster, 60)}: streams ${c.streams.map((l) => printable(formatLabels(l))).join(", ")} overlap in time and differ in ${c.differingLabels.map((k) => printable(k, 60)).join(", ")}: Kubecost adds both under one cluster.\n` +
        `  Next: two clusters share ${label}=${printable(c.cluster, 60)}: give each its own prometheus.server.global.external_labels.${label}; if one cluster changed its labels, its old Prometheus is still shipping; HA replicas told apart by another label: --replica-label NAME.`,
    );
  }
  for (const d of report.degraded ?? []) {
    findings.push(
      `${paint("yellow", "degraded")} ${printable(d.cluster, 60)}: replica ${printable(formatLabels(d.labels))} stalled (lag ${formatDuration(d.dataLagSeconds * 1000)}) while its twin ships: no redundancy left.\n` +
        `  Next: kubectl logs <that replica's prometheus-server pod> --container thanos-sidecar | grep -i -e uploaded -e error.`,
    );
  }
  for (const c of report.clusters) {
    for (const g of c.dataGaps ?? []) {
      findings.push(
        `${paint("yellow", "data lost")} ${printable(c.cluster, 60)}: no block of any of its streams holds ${g.from} → ${g.to} (${formatDuration(g.seconds * 1000)}): never in a cost report.\n` +
          `  Next: its Prometheus was down or lost the blocks before the sidecar shipped them; kubectl get pods (restarts) and the Prometheus logs around that time.`,
      );
    }
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
  out.push(paint("dim", `${s.prefixesListed} prefixes listed, ${s.metaRead} meta.json read, ${s.listRequests} LIST + ${s.getRequests} GET requests, ${s.durationMs} ms.`));
  return out.join("\n");
}
