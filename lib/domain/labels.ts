export type Labels = Readonly<Record<string, string>>;

/** A stream is one full label set; its key is the sorted label set, stable across runs. */
export function streamKey(labels: Labels): string {
  const sorted = Object.keys(labels).sort();
  return JSON.stringify(sorted.map((k) => [k, labels[k]]));
}

/** `{cluster_id="a", replica="r0"}` the way Prometheus prints a label set. */
export function formatLabels(labels: Labels): string {
  const inner = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(", ");
  return `{${inner}}`;
}

/** The cluster a label set belongs to, or null when the cluster label is absent or empty. */
export function clusterOf(labels: Labels, clusterLabel: string): string | null {
  const v = Object.prototype.hasOwnProperty.call(labels, clusterLabel) ? labels[clusterLabel] : undefined;
  return v === undefined || v === "" ? null : v;
}

/**
 * The key of a stream's source: its label set without the replica labels. HA replicas of one
 * Prometheus (prometheus_replica="r0"|"r1") share it; streams that differ in another label do not.
 */
export function sourceKey(labels: Labels, replicaLabels: readonly string[]): string {
  return streamKey(Object.fromEntries(Object.entries(labels).filter(([k]) => !replicaLabels.includes(k))));
}
