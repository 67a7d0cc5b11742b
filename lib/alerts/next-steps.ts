import { chatCode, plainText } from "./escape";
import type { Notification } from "./notification";

/** Where the Kubecost chart runs; defaults are the chart's and the Kubecost Thanos guide's. */
export interface GuideOptions {
  /** The Thanos bucket, for the IAM test pod; a placeholder when absent or not a bucket name. */
  bucket?: string;
  namespace?: string;
  /** Deployment whose pod runs Prometheus and the thanos-sidecar container. */
  deployment?: string;
  /** Service account holding the IAM role the sidecar uploads with. */
  serviceAccount?: string;
  /** Deployment of the Thanos compactor. */
  compactorDeployment?: string;
}

/**
 * Our text, an identifier or a command of ours (code in chat; a command gets its own line in plain
 * text) or a value from someone else's config (escaped).
 */
type Part = { text: string } | { code: string } | { cmd: string } | { value: string };
export type Step = Part[];

const BUCKET_RE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const K8S_NAME_RE = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
// Options are our own configuration, but they land inside shell commands: accept names only.
const name = (v: string | undefined, re: RegExp, fallback: string) => (v !== undefined && re.test(v) ? v : fallback);
const NAME_MAX = 80;
const CLUSTER_ID = { code: "prometheus.server.global.external_labels.cluster_id" };

/**
 * The checks of the Kubecost Thanos guide, with the cluster filled in: is the sidecar uploading, is
 * the cluster labelled as we expect, can its service account reach the bucket. Findings add their
 * own fix. Empty when the notification only carries good news.
 */
export function nextSteps(n: Notification, options: GuideOptions = {}): Step[] {
  const ns = name(options.namespace, K8S_NAME_RE, "kubecost");
  const deploy = name(options.deployment, K8S_NAME_RE, "kubecost-prometheus-server");
  const sa = name(options.serviceAccount, K8S_NAME_RE, "kubecost-serviceaccount");
  const compact = name(options.compactorDeployment, K8S_NAME_RE, "kubecost-thanos-compact");
  const bucket = name(options.bucket, BUCKET_RE, "YOUR-THANOS-BUCKET");
  const steps: Step[] = [];
  if (n.bucket?.state === "unreadable") {
    steps.push([
      {
        text:
          "Fix blockwatch's own access first (the reason above names it): its Lambda role needs s3:ListBucket on the bucket, " +
          "s3:GetObject on */meta.json, and kms:Decrypt for an SSE-KMS bucket (deploy with kmsKeyArn); a bucket in another " +
          "account also needs the owner's bucket policy. Its logs: ",
      },
      { cmd: "npx serverless logs --function scheduled" },
    ]);
  }

  const downVerdicts = [...n.down, ...n.reminders];
  const etlDown = [...new Set(downVerdicts.filter((v) => v.source === "federated-etl").map((v) => v.cluster))];
  const down = [...new Set(downVerdicts.filter((v) => v.source !== "federated-etl").map((v) => v.cluster))];
  if (etlDown.length > 0) {
    const onCluster: Part[] = etlDown.length === 1 ? [{ text: "On cluster " }, { value: etlDown[0]! }] : [{ text: "On each Federated ETL cluster above" }];
    steps.push([
      { text: "Is Kubecost uploading its ETL? " },
      ...onCluster,
      { text: ", look for federated uploads (and errors around them):" },
      { cmd: `kubectl logs -n ${ns} deploy/kubecost-cost-analyzer | grep -i federated` },
    ]);
    steps.push([
      { text: "Is it set up to? Its Helm values need " },
      { code: "federatedETL.federatedCluster: true" },
      { text: " and " },
      { code: "kubecostModel.federatedStorageConfigSecret" },
      { text: " naming the secret with federated-store.yaml; its role must be allowed to write under federated/ in the bucket." },
    ]);
  }
  if (down.length > 0) {
    const onCluster: Part[] = down.length === 1 ? [{ text: "On cluster " }, { value: down[0]! }] : [{ text: "On each cluster above" }];
    steps.push([
      { text: "Is the Thanos sidecar uploading? " },
      ...onCluster,
      { text: ", look for recent uploaded blocks (and errors around them):" },
      { cmd: `kubectl logs -n ${ns} deploy/${deploy} --container thanos-sidecar | grep uploaded` },
    ]);
    steps.push([
      { text: "Is it labelled as expected? In its Helm values, " },
      CLUSTER_ID,
      { text: " must be " },
      ...(down.length === 1 ? [{ value: down[0]! }] : [{ text: "the cluster's name" }]),
      { text: ", unique to that cluster." },
    ]);
    steps.push([
      { text: "Can it reach the bucket? Run a test pod with the sidecar's service account (IAM role):" },
      {
        cmd:
          `kubectl run -n ${ns} blockwatch-s3-test -it --rm --restart=Never --image=amazon/aws-cli ` +
          `--overrides='{"spec":{"serviceAccountName":"${sa}"}}' -- s3 ls s3://${bucket}/`,
      },
    ]);
  }
  if (n.overlaps.length > 0) {
    const who = [...new Set(n.overlaps.map((o) => o.cluster))];
    steps.push([
      { text: "Overlaps: two Prometheus servers upload with the labels of " },
      ...(who.length === 1 ? [{ value: who[0]! }] : [{ text: "the clusters above" }]),
      { text: " (often the chart default " },
      { code: "cluster-one" },
      { text: "). Give each cluster its own " },
      CLUSTER_ID,
      { text: "; the compactor stays halted until the overlapping blocks are marked for deletion." },
    ]);
  }
  if (n.compactor?.state === "stalled") {
    const logs = { cmd: `kubectl logs -n ${ns} deploy/${compact} | grep -iE "halting|error"` };
    steps.push(
      n.compactor.report.haltedOnOverlaps
        ? [
            { text: 'The compactor has most likely halted on the overlaps. Confirm: its log says "critical error detected; halting" (or its metric ' },
            { code: "thanos_compact_halted" },
            { text: " is 1):" },
            logs,
            { text: "\n   Mend: after fixing the duplicate " },
            CLUSTER_ID,
            { text: ", delete one side's overlapping blocks or mark them no-compact (" },
            { code: "thanos tools bucket mark --marker=no-compact-mark.json" },
            { text: "), then restart the compactor." },
          ]
        : [
            { text: "Is the compactor running? A halted one logs \"critical error detected; halting\" (metric " },
            { code: "thanos_compact_halted" },
            { text: " 1); retention and downsampling stop with it:" },
            logs,
          ],
    );
  }
  if (n.retention) {
    steps.push([
      { text: "Retention is not applied: check the compactor runs (above) and its " },
      { code: "--retention.resolution-raw" },
      { text: " flag (Kubecost's chart: thanos.compact.retentionResolutionRaw)." },
    ]);
  }
  for (const c of n.conflicts ?? []) {
    steps.push([
      { text: "Two sources: " },
      { value: c.cluster },
      { text: " gets data from streams that differ in " },
      ...c.differingLabels.flatMap((k, i): Part[] => [...(i > 0 ? [{ text: ", " }] : []), { value: k }]),
      {
        text:
          " and overlap in time; Kubecost adds both under one cluster. Two clusters: give each its own ",
      },
      CLUSTER_ID,
      { text: ". One cluster whose labels changed: the old Prometheus is still shipping, stop it. HA replicas told apart by another label: add it with " },
      { code: "--replica-label" },
      { text: "." },
    ]);
  }
  const lost = [...new Set([...(n.gaps ?? []).map((g) => g.cluster), ...n.recovered.filter((r) => r.lost).map((r) => r.verdict.cluster)])];
  if (lost.length > 0) {
    steps.push([
      { text: "Data lost: " },
      ...(lost.length === 1 ? [{ value: lost[0]! }] : [{ text: "the clusters above" }]),
      {
        text:
          " has no block for that time: its Prometheus was down, or lost its blocks before the sidecar shipped them (local " +
          "retention shorter than the outage). The bucket cannot get them back; cost reports for that time are incomplete. Restarts and their reasons:",
      },
      { cmd: `kubectl get pods -n ${ns} -l app=prometheus -o wide; kubectl describe deploy/${deploy} -n ${ns} | grep -A3 -i "last state"` },
    ]);
  }
  const degradedClusters = [...new Set((n.degraded ?? []).map((d) => d.cluster))];
  if (degradedClusters.length > 0) {
    steps.push([
      { text: "HA replica down: the cluster still has data, but the next failure of the other replica is an outage. On cluster " },
      ...(degradedClusters.length === 1 ? [{ value: degradedClusters[0]! }] : [{ text: "each cluster above" }]),
      { text: ", look at the sidecar of the stalled replica (its pod, not the healthy one's):" },
      { cmd: `kubectl logs -n ${ns} deploy/${deploy} --container thanos-sidecar | grep -i -e uploaded -e error` },
    ]);
  }
  if (n.unlabeled.length > 0) {
    steps.push([
      { text: "Blocks without a cluster label: set " },
      CLUSTER_ID,
      { text: " in the Helm values of the Prometheus with the labels listed above." },
    ]);
  }
  if (n.partialBlocks.length + n.corruptBlocks.length > 0) {
    steps.push([
      {
        text:
          "Partial or corrupt blocks are ignored by Thanos: check the uploading sidecar's logs for upload errors, " +
          "then mark the blocks for deletion.",
      },
    ]);
  }
  return steps;
}

/** Plain text: commands on their own indented line, easy to copy on a phone. */
export function stepPlain(step: Step): string {
  return step
    .map((p) => ("text" in p ? p.text : "code" in p ? p.code : "cmd" in p ? `\n   ${p.cmd}` : plainText(p.value, NAME_MAX)))
    .join("");
}

/** Chat markdown: commands as inline code, values escaped. */
export function stepChat(step: Step): string {
  return step
    .map((p) => ("text" in p ? p.text : "code" in p ? `\`${p.code}\`` : "cmd" in p ? ` \`${p.cmd}\`` : chatCode(p.value, NAME_MAX)))
    .join("");
}
