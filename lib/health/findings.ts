import { formatDuration } from "../domain/duration";
import { formatLabels, streamKey, type Labels } from "../domain/labels";
import type { Report } from "./report";

/** Our own words, or a value from someone else's config or bucket (escaped by the channel). */
export type Part = string | { value: string; max?: number };

export type FindingKind = "missing" | "stalled" | "overlap" | "partial" | "corrupt" | "unlabeled" | "data gap" | "data lost" | "two sources" | "degraded" | "compactor" | "new";

/** One finding of a report with its next step, in the words the table prints (and the board shows). */
export interface Finding {
  kind: FindingKind;
  severity: "critical" | "warning" | "info";
  /** The cluster it is about, when it is about one. */
  cluster: string | null;
  summary: Part[];
  next: Part[];
}

/** The findings of a report, worst first: clusters down, overlaps, then the block findings. */
export function reportFindings(report: Report, clusterLabel: string): Finding[] {
  const now = Date.parse(report.now);
  const ago = (iso: string | null) => (iso ? `${formatDuration(now - Date.parse(iso))} ago` : "-");
  const v = (value: string, max = 60): Part => ({ value, max });
  const label = clusterLabel;
  const compactor = report.compactor;
  const out: Finding[] = [];
  for (const c of report.clusters) {
    if (c.status === "missing") {
      out.push({
        kind: "missing",
        severity: "critical",
        cluster: c.cluster,
        summary: [v(c.cluster), ": expected, but no block within the lookback window."],
        next: [
          `check the sidecar is shipping (kubectl logs <prometheus-server pod> --container thanos-sidecar | grep uploaded) and that prometheus.server.global.external_labels.`,
          v(label),
          ` is "`,
          v(c.cluster),
          `".`,
        ],
      });
    } else if (c.status === "stalled" && c.source === "federated-etl") {
      out.push({
        kind: "stalled",
        severity: "critical",
        cluster: c.cluster,
        summary: [
          v(c.cluster),
          ": ",
          ...(c.reason ? [v(c.reason, 200)] : [`newest Federated ETL data ends ${ago(c.newestMaxTime)} (`, v(c.newestBlock ?? "-", 80), ")"]),
          `, last upload ${ago(c.lastUploadAt)}.`,
        ],
        next: [
          "kubectl logs deploy/kubecost-cost-analyzer | grep -i federated on that cluster; check federatedETL.federatedCluster is true, kubecostModel.federatedStorageConfigSecret names the federated-store secret, and the role may write federated/",
          v(c.cluster),
          "/ in the bucket.",
        ],
      });
    } else if (c.status === "stalled") {
      out.push({
        kind: "stalled",
        severity: "critical",
        cluster: c.cluster,
        summary: [v(c.cluster), `: newest data ends ${ago(c.newestMaxTime)} (block ${c.newestBlock}), last sidecar upload ${ago(c.lastUploadAt)}.`],
        next: [
          "kubectl logs <prometheus-server pod> --container thanos-sidecar | grep uploaded; look for upload errors (IAM role, KMS key) and test bucket access from the cluster with the sidecar's service account (aws s3 ls).",
        ],
      });
    }
  }
  for (const o of report.overlaps) {
    out.push({
      kind: "overlap",
      severity: "critical",
      cluster: o.cluster,
      summary: [v(formatLabels(o.labels), 120), `: ${o.blocks.length} blocks cover the same time (${o.blocks.slice(0, 4).join(", ")}${o.blocks.length > 4 ? ", …" : ""}).`],
      next: [
        "two Prometheus servers share ",
        v(label),
        "=",
        v(o.cluster),
        ": give each cluster a unique prometheus.server.global.external_labels.",
        v(label),
        ". The compactor halts on overlapping blocks.",
        ...(compactor?.haltedOnOverlaps
          ? [
              `\n  The compactor has written no block since ${ago(compactor.lastCompactionAt)} while blocks wait: it has most likely halted on these overlaps.`,
              `\n  Confirm: its logs say "critical error detected; halting" (kubectl logs <thanos-compact pod> | grep -i halting), or its metric thanos_compact_halted is 1.`,
              "\n  Mend: after fixing the duplicate ",
              v(label),
              ", delete one side's overlapping blocks or mark them no-compact (thanos tools bucket mark --marker=no-compact-mark.json --id=ULID --details=duplicate), then restart the compactor.",
            ]
          : []),
      ],
    });
  }
  for (const c of report.conflicts ?? []) {
    const streams: Part[] = c.streams.flatMap((l, i) => [...(i > 0 ? [", "] : []), v(formatLabels(l), 120)]);
    const differ: Part[] = c.differingLabels.flatMap((k, i) => [...(i > 0 ? [", "] : []), v(k)]);
    out.push({
      kind: "two sources",
      severity: "warning",
      cluster: c.cluster,
      summary: [v(c.cluster), ": streams ", ...streams, " overlap in time and differ in ", ...differ, ": Kubecost adds both under one cluster."],
      next: [
        "two clusters share ",
        v(label),
        "=",
        v(c.cluster),
        ": give each its own prometheus.server.global.external_labels.",
        v(label),
        "; if one cluster changed its labels, its old Prometheus is still shipping; HA replicas told apart by another label: --replica-label NAME.",
      ],
    });
  }
  for (const d of report.degraded ?? []) {
    out.push({
      kind: "degraded",
      severity: "warning",
      cluster: d.cluster,
      summary: [v(d.cluster), ": replica ", v(formatLabels(d.labels), 120), ` stalled (lag ${formatDuration(d.dataLagSeconds * 1000)}) while its twin ships: no redundancy left.`],
      next: ["kubectl logs <that replica's prometheus-server pod> --container thanos-sidecar | grep -i -e uploaded -e error."],
    });
  }
  for (const c of report.clusters) {
    for (const g of c.dataGaps ?? []) {
      out.push({
        kind: "data lost",
        severity: "warning",
        cluster: c.cluster,
        summary: [v(c.cluster), `: no block of any of its streams holds ${g.from} → ${g.to} (${formatDuration(g.seconds * 1000)}): never in a cost report.`],
        next: ["its Prometheus was down or lost the blocks before the sidecar shipped them; kubectl get pods (restarts) and the Prometheus logs around that time."],
      });
    }
  }
  if (compactor?.status === "stalled") {
    out.push({
      kind: "compactor",
      severity: "warning",
      cluster: null,
      summary: [
        `stalled: no compactor block since ${ago(compactor.lastCompactionAt)}; ${compactor.backlogBlocks} level-1 blocks wait, the oldest (${compactor.oldestBacklogBlock}) for ${formatDuration((compactor.oldestBacklogSeconds ?? 0) * 1000)}.`,
      ],
      next: [
        compactor.haltedOnOverlaps
          ? "see the overlap finding above: it has most likely halted on those blocks."
          : 'is the compactor running? kubectl logs <thanos-compact pod> | grep -iE "halting|error"; thanos_compact_halted 1 means it halted (overlaps, a corrupt block); retention and downsampling stop with it, and queries slow down as level-1 blocks pile up.',
      ],
    });
  } else if (compactor?.status === "behind") {
    const ds = compactor.downsampling;
    out.push({
      kind: "compactor",
      severity: "info",
      cluster: null,
      summary: [
        "behind: " +
          (compactor.backlogBlocks > 0
          ? `${compactor.backlogBlocks} compactable level-1 blocks wait, the oldest (${compactor.oldestBacklogBlock}) for ${formatDuration((compactor.oldestBacklogSeconds ?? 0) * 1000)}`
          : "level-1 blocks are compacted on time") +
          (ds?.status === "behind" ? `; ${ds.waitingBlocks} 2-day raw blocks wait for their 5m copy, the oldest for ${formatDuration((ds.oldestWaitingSeconds ?? 0) * 1000)}` : "") +
          ".",
      ],
      next: ["the compactor runs but does not keep up: check its CPU and memory limits and its logs (kubectl logs <thanos-compact pod>); raise --compact.concurrency or give it more resources."],
    });
  }
  for (const p of report.partialBlocks) {
    out.push({
      kind: "partial",
      severity: "warning",
      cluster: null,
      summary: [`block ${p.block}: no meta.json, no activity for ${formatDuration(p.ageSeconds * 1000)}: an aborted upload.`],
      next: ["look for upload errors in the thanos-sidecar logs (a denied IAM or KMS call stops an upload half way); the compactor deletes partial blocks after 48h."],
    });
  }
  for (const c of report.corruptBlocks) {
    out.push({
      kind: "corrupt",
      severity: "warning",
      cluster: null,
      summary: [`block ${c.block}: `, v(c.reason, 200), "."],
      next: [`inspect ${c.block}/meta.json; thanos tools bucket verify reports the same block; delete or repair it so queriers and the compactor do not skip it.`],
    });
  }
  const unlabeled = new Map<string, { labels: Labels; blocks: string[] }>();
  for (const u of report.unlabeledBlocks) {
    const key = streamKey(u.labels);
    const entry = unlabeled.get(key) ?? { labels: u.labels, blocks: [] };
    entry.blocks.push(u.block);
    unlabeled.set(key, entry);
  }
  for (const { labels, blocks } of unlabeled.values()) {
    out.push({
      kind: "unlabeled",
      severity: "warning",
      cluster: null,
      summary: [`${blocks.length} block${blocks.length === 1 ? "" : "s"} with labels `, v(formatLabels(labels), 120), " have no ", v(label), ` (e.g. ${blocks[0]}).`],
      next: ["set prometheus.server.global.external_labels.", v(label), " on that Prometheus so its data is attributed to a cluster."],
    });
  }
  for (const g of report.dataGaps ?? []) {
    out.push({
      kind: "data gap",
      severity: "warning",
      cluster: g.cluster,
      summary: [v(g.cluster), ": no ", v(g.kind, 20), ` hourly ETL file from ${g.from} to ${g.to} (${formatDuration(g.seconds * 1000)}).`],
      next: ["those hours are missing from the federated view; the cluster was down or could not upload then. Kubecost can rebuild them from Prometheus while it still holds the data (ETL repair)."],
    });
  }
  for (const f of report.corruptFiles ?? []) {
    out.push({
      kind: "corrupt",
      severity: "warning",
      cluster: f.cluster,
      summary: ["file ", v(f.file, 200), ": ", v(f.reason, 200), "."],
      next: ["an hourly ETL file is named <start>-<end> in Unix seconds; move anything else out of the 1h folder."],
    });
  }
  if (report.newClusters.length > 0) {
    const names: Part[] = report.newClusters.flatMap((n, i) => (i === 0 ? [v(n)] : [", ", v(n)]));
    out.push({
      kind: "new",
      severity: "info",
      cluster: null,
      summary: ["first seen: ", ...names, "."],
      next: ["check the name is intended (a typo makes a new cluster); list it in --expected-clusters to be told when it goes missing."],
    });
  }
  return out;
}

/** Joins parts: our words through `ours`, values through `value` (each channel's escaping). */
export function joinParts(parts: readonly Part[], value: (v: string, max: number) => string, ours: (s: string) => string = (s) => s): string {
  return parts.map((p) => (typeof p === "string" ? ours(p) : value(p.value, p.max ?? 60))).join("");
}
