import { seededRandom } from "../demo/bucket-objects";
import type { Labels } from "../domain/labels";
import { DAY, HOUR, INCIDENT_KINDS, MINUTE, type Blocked, type Incident, type IncidentKind, type Instance } from "./model";

export interface ScenarioOptions {
  seed: number;
  clusters: number;
  /** Days the monitor runs. */
  days: number;
  /** Days of bucket history before the monitor's first run. */
  historyDays: number;
  /** The monitor's first run (ms). */
  from: number;
  /** Share of clusters running an HA pair (two Prometheus servers, `prometheus_replica` r0/r1). */
  haShare: number;
  /** Share of sidecars older than Thanos 0.40 (no thanos.upload_time: LastModified is the upload time). */
  oldThanosShare: number;
  incidents: Record<IncidentKind, number>;
  /** Prometheus's local retention: blocks not shipped by then are lost (Kubecost's bundled Prometheus: 97h). */
  localRetentionMs: number;
  /** Compactor raw-resolution retention (--retention.resolution-raw). */
  rawRetentionMs: number;
  compactorIntervalMs: number;
  /** The compactor not running (pod evicted, scaled to zero) between these times, offsets from the monitoring start. */
  compactorDown?: [number, number][];
  /** Incidents placed by hand; when set, `incidents` counts are ignored. */
  planned?: PlannedIncident[];
}

/** The standard mix per 100 clusters and 30 days. */
export const STANDARD_INCIDENTS: Record<IncidentKind, number> = {
  "sidecar-down": 12,
  "upload-denied": 8,
  "prometheus-restart": 12,
  "duplicate-cluster-id": 4,
  "label-added": 4,
  decommissioned: 3,
  "long-outage": 3,
  "replica-down": 4,
  "new-cluster": 4,
};

/** A fixed first run, so the standard scenario gives the same table on every machine. */
export const STANDARD_FROM = Date.parse("2025-11-03T01:17:00Z");

export function standardScenario(overrides: Partial<ScenarioOptions> = {}): ScenarioOptions {
  const clusters = overrides.clusters ?? 100;
  const days = overrides.days ?? 30;
  const scale = (clusters * days) / 3000;
  const incidents = Object.fromEntries(
    INCIDENT_KINDS.map((k) => [k, Math.max(1, Math.round(STANDARD_INCIDENTS[k] * scale))]),
  ) as Record<IncidentKind, number>;
  return {
    seed: 1,
    clusters,
    days,
    historyDays: 10,
    from: STANDARD_FROM,
    haShare: 0.2,
    oldThanosShare: 0.3,
    incidents,
    localRetentionMs: 97 * HOUR,
    rawRetentionMs: 15 * DAY,
    compactorIntervalMs: 30 * MINUTE,
    ...overrides,
  };
}

/** An incident placed by hand (targeted scenarios), instead of the seeded random mix. */
export interface PlannedIncident {
  kind: IncidentKind;
  /** Index of the cluster in the initial fleet (0 is cluster-one); ignored for new-cluster. */
  cluster: number;
  /** Start, ms after the first run. */
  at: number;
  durationMs: number;
  /** upload-denied: iam (default) or kms; new-cluster: ha for an HA pair. */
  variant?: "iam" | "kms" | "ha";
  /** duplicate-cluster-id: from the rename to the cleanup of the shared blocks and the compactor restart (default 1h). */
  cleanupAfterMs?: number;
}

interface Placement {
  kind: IncidentKind;
  cluster: string;
  start: number;
  duration: number;
  variant?: PlannedIncident["variant"];
  cleanupAfterMs?: number;
}

export interface Fleet {
  instances: Instance[];
  incidents: Incident[];
  /** Operator fixes of duplicate cluster_ids, for the compactor (see CompactorOptions.operator). */
  operator: { at: number; instance: string; labels: Labels; restartAt: number }[];
  historyFrom: number;
  to: number;
}

const ENVS = ["prod", "staging", "dev"];
const REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-south-1", "ap-northeast-1", "sa-east-1", "ca-central-1"];
export const DEFAULT_CLUSTER_ID = "cluster-one";

/** The fleet and its incidents, from the seed alone. */
export function generateFleet(s: ScenarioOptions): Fleet {
  const random = seededRandom(s.seed);
  const between = (a: number, b: number) => a + Math.floor(random() * (b - a));
  const historyFrom = s.from - s.historyDays * DAY;
  const to = s.from + s.days * DAY;
  const instances: Instance[] = [];
  const byCluster = new Map<string, Instance[]>();
  const busy = new Map<string, [number, number][]>();
  const incidents: Incident[] = [];
  const operator: Fleet["operator"] = [];

  const addCluster = (name: string, start: number, ha: boolean) => {
    const list: Instance[] = [];
    const writesUploadTime = random() >= s.oldThanosShare;
    const blockBytes = Math.round(30e6 * Math.exp(random() * Math.log(25)));
    for (const replica of ha ? ["r0", "r1"] : [null]) {
      const labels: Labels = replica ? { cluster_id: name, prometheus_replica: replica } : { cluster_id: name };
      const inst: Instance = {
        id: `${name}/${replica ?? "r0"}`,
        labels: [{ from: -Infinity, labels }],
        start: start + between(0, 10 * MINUTE),
        end: Infinity,
        promDown: [],
        blocked: [],
        writesUploadTime,
        blockBytes,
      };
      list.push(inst);
      instances.push(inst);
    }
    byCluster.set(name, list);
    return list;
  };

  const names: string[] = [];
  for (let i = 0; i < s.clusters; i++) {
    // One cluster was installed with the chart's default cluster_id and kept it.
    const name = i === 0 ? DEFAULT_CLUSTER_ID : `${ENVS[i % ENVS.length]}-${REGIONS[Math.floor(i / ENVS.length) % REGIONS.length]}-${String(i).padStart(2, "0")}`;
    names.push(name);
    addCluster(name, historyFrom + between(0, 36 * HOUR), i !== 0 && random() < s.haShare);
  }

  const isFree = (cluster: string, a: number, b: number) => (busy.get(cluster) ?? []).every(([x, y]) => b + 12 * HOUR <= x || a - 12 * HOUR >= y);
  const reserve = (cluster: string, a: number, b: number) => busy.set(cluster, [...(busy.get(cluster) ?? []), [a, b]]);
  const earliest = s.from + 12 * HOUR;
  const latest = to - 12 * HOUR;
  /** A start and a duration that fit the monitored window, on a cluster free for that time. */
  const place = (minMs: number, maxMs: number, pool: string[], tailMs = 0): { cluster: string; start: number; duration: number } | null => {
    for (let attempt = 0; attempt < 200; attempt++) {
      const cluster = pool[Math.floor(random() * pool.length)]!;
      const start = between(earliest, Math.max(earliest + 1, latest - minMs - tailMs));
      const duration = Math.min(between(minMs, maxMs), Math.max(minMs, latest - tailMs - start));
      if (isFree(cluster, start, start + duration + tailMs)) {
        reserve(cluster, start, start + duration + tailMs);
        return { cluster, start, duration };
      }
    }
    return null;
  };
  const incident = (kind: IncidentKind, cluster: string, start: number, end: number | null, detail: string): Incident => {
    const inc: Incident = { id: "", kind, cluster, start, end, detail };
    incidents.push(inc);
    return inc;
  };
  const block = (cluster: string, b: Omit<Blocked, "from" | "to">, from: number, to: number, only?: Instance) => {
    for (const inst of only ? [only] : byCluster.get(cluster)!) inst.blocked.push({ ...b, from, to });
  };
  const hours = (ms: number) => (ms >= 72 * HOUR ? `${Math.round(ms / DAY)}d` : `${Math.round(ms / HOUR)}h`);
  let duplicates = 0;
  let newClusters = 0;

  /** Applies one incident to the fleet. */
  const inject = (p: Placement) => {
    const { kind, cluster, start, duration } = p;
    const list = byCluster.get(cluster);
    switch (kind) {
      case "sidecar-down": {
        const inc = incident(kind, cluster, start, start + duration, `sidecar down ${hours(duration)} (pod crash-looping), then ships its backlog`);
        block(cluster, { cleanup: false, incident: inc }, start, start + duration);
        break;
      }
      case "upload-denied": {
        const kms = p.variant === "kms";
        const inc = incident(
          kind,
          cluster,
          start,
          start + duration,
          kms
            ? `KMS key policy lost kms:GenerateDataKey mid-upload for ${hours(duration)} (the sidecar deletes its failed upload)`
            : `IAM role lost its S3 permissions mid-upload for ${hours(duration)} (the failed upload stays partial)`,
        );
        const [first, ...rest] = list!;
        first!.blocked.push({ from: start, to: start + duration, cleanup: kms, incident: inc, armed: { durationMs: duration } });
        for (const inst of rest) inst.blocked.push({ from: start, to: start + duration, cleanup: kms, incident: inc, follow: true });
        break;
      }
      case "prometheus-restart": {
        const inst = list![Math.floor(random() * list!.length)]!;
        inst.promDown.push([start, start + duration]);
        incident(kind, cluster, start, start + duration, `${inst.id} restarted: no samples for ${Math.round(duration / MINUTE)}m`);
        break;
      }
      case "long-outage": {
        const inc = incident(
          kind,
          cluster,
          start,
          start + duration,
          `no route to S3 for ${hours(duration)}; blocks older than Prometheus's ${hours(s.localRetentionMs)} retention are lost, the rest shipped late`,
        );
        block(cluster, { cleanup: false, incident: inc }, start, start + duration);
        break;
      }
      case "replica-down": {
        const inst = list![list!.length - 1]!;
        const inc = incident(kind, cluster, start, start + duration, `sidecar of ${inst.id} down ${hours(duration)}; the other replica keeps shipping`);
        block(cluster, { cleanup: false, incident: inc }, start, start + duration, inst);
        break;
      }
      case "label-added": {
        for (const inst of list!) {
          const last = inst.labels[inst.labels.length - 1]!.labels;
          inst.labels.push({ from: start, labels: { ...last, team: "platform" } });
        }
        incident(kind, cluster, start, start, `external label team="platform" added: a new stream, the old one ends`);
        break;
      }
      case "duplicate-cluster-id": {
        duplicates += 1;
        const renamed = `qa-sandbox-${String(duplicates).padStart(2, "0")}`;
        const fix = start + duration;
        const cleanup = p.cleanupAfterMs ?? HOUR;
        const imposters = addCluster(renamed, start, list!.length > 1);
        for (const [k, inst] of imposters.entries()) {
          // The chart's default external labels, or a copy of the other cluster's values as they are now.
          const current = list![k]!.labels.filter((l) => l.from <= start).at(-1)!.labels;
          const shared = cluster === DEFAULT_CLUSTER_ID ? { cluster_id: DEFAULT_CLUSTER_ID } : current;
          inst.labels = [
            { from: -Infinity, labels: shared },
            { from: fix, labels: { ...shared, cluster_id: renamed } },
          ];
          operator.push({ at: fix + cleanup - 30 * MINUTE, instance: inst.id, labels: shared, restartAt: fix + cleanup });
        }
        const inc = incident(
          kind,
          cluster,
          start,
          fix,
          `a new cluster installed with cluster_id "${cluster}"${cluster === DEFAULT_CLUSTER_ID ? " (the chart default)" : " (values file copied)"}; ` +
            `renamed ${renamed} after ${hours(duration)}, its blocks marked and the halted compactor restarted ${hours(cleanup)} later`,
        );
        inc.renamedTo = renamed;
        break;
      }
      case "decommissioned": {
        for (const inst of list!) inst.end = start;
        incident(kind, cluster, start, null, "cluster deleted: Prometheus and sidecar gone for good");
        break;
      }
      case "new-cluster": {
        newClusters += 1;
        const name = `dev-new-${String(newClusters).padStart(2, "0")}`;
        addCluster(name, start, p.variant === "ha");
        busy.set(name, [[start, to]]);
        const inc = incident(kind, name, start, start, `cluster ${name} installed`);
        inc.renamedTo = name;
        break;
      }
    }
  };

  if (s.planned) {
    for (const p of s.planned) {
      const cluster = names[p.cluster];
      if (cluster === undefined && p.kind !== "new-cluster") throw new Error(`planned ${p.kind}: no cluster ${p.cluster} in a fleet of ${names.length}`);
      inject({ kind: p.kind, cluster: cluster ?? "", start: s.from + p.at, duration: p.durationMs, variant: p.variant, cleanupAfterMs: p.cleanupAfterMs });
    }
  } else {
    const ha = () => names.filter((n) => byCluster.get(n)!.length > 1);
    const times = (kind: IncidentKind, f: () => void) => {
      for (let i = 0; i < s.incidents[kind]; i++) f();
    };
    const randomly = (kind: IncidentKind, minMs: number, maxMs: number, pool: string[], extra: Partial<Placement> = {}) => {
      const p = place(minMs, maxMs, pool, DAY);
      if (p) inject({ kind, ...p, ...extra });
    };
    times("sidecar-down", () => randomly("sidecar-down", 5 * HOUR, 30 * HOUR, names));
    times("upload-denied", () => randomly("upload-denied", 6 * HOUR, 60 * HOUR, names, { variant: random() < 0.4 ? "kms" : "iam" }));
    times("prometheus-restart", () => randomly("prometheus-restart", 5 * MINUTE, 50 * MINUTE, names));
    // From a long weekend to a fortnight without a route to the bucket.
    times("long-outage", () => randomly("long-outage", 60 * HOUR, 10 * DAY, names));
    times("replica-down", () => {
      const pool = ha();
      if (pool.length > 0) randomly("replica-down", 6 * HOUR, 48 * HOUR, pool);
    });
    times("label-added", () => randomly("label-added", MINUTE, 2 * MINUTE, names));
    for (let i = 0; i < s.incidents["duplicate-cluster-id"]; i++) {
      // Half on the chart's default, the rest copying another cluster's values file. Half the time the
      // halted compactor is noticed within the hour, otherwise only days later.
      const others = names.filter((n) => n !== DEFAULT_CLUSTER_ID && byCluster.get(n)!.length === 1);
      const p = (i % 2 === 0 ? place(DAY, 4 * DAY, [DEFAULT_CLUSTER_ID], DAY) : null) ?? place(DAY, 4 * DAY, others, DAY);
      const cleanupAfterMs = random() < 0.5 ? HOUR : between(2 * DAY, 12 * DAY);
      if (p) inject({ kind: "duplicate-cluster-id", ...p, cleanupAfterMs });
    }
    times("decommissioned", () => {
      for (let attempt = 0; attempt < 200; attempt++) {
        const cluster = names[Math.floor(random() * names.length)]!;
        const start = between(earliest, Math.max(earliest + 1, latest - DAY));
        if (!isFree(cluster, start, to)) continue;
        reserve(cluster, start, to);
        inject({ kind: "decommissioned", cluster, start, duration: 0 });
        break;
      }
    });
    times("new-cluster", () => inject({ kind: "new-cluster", cluster: "", start: between(earliest, latest - DAY), duration: 0, variant: random() < s.haShare ? "ha" : undefined }));
  }

  return { instances, incidents, operator, historyFrom, to };
}
