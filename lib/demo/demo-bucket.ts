import { blockObjects, makeUlid, seededRandom, type BucketObject } from "./bucket-objects";
import { BLOCK_MS, HOUR, compactStream, sidecarBlocks } from "./fleet";
import { etlObjects } from "./etl-objects";

export interface DemoBucket {
  objects: BucketObject[];
  /** The first block of a cluster that appeared in the last two hours: written after a first run, it shows a "new cluster" notice. */
  newClusterObjects: BucketObject[];
  expectedClusters: string[];
}

/**
 * A small, realistic Kubecost bucket holding one of every situation blockwatch reports:
 * healthy clusters (one an HA pair), a stalled one hidden behind fresh compactor blocks, a late one,
 * two clusters left on the chart's default cluster_id, a partial upload, a corrupt meta.json,
 * a Prometheus without cluster_id, an expected cluster that never uploaded, an HA pair with one
 * replica down, two sources under one cluster_id, lost data, and the junk Thanos and Kubecost
 * leave at the top level. Beside them, two Kubecost 2.x clusters federated through
 * Federated ETL (federated/<cluster_id>/): one healthy, one whose uploads stopped 8 hours ago, and
 * the aggregator's combined/ folder, which is no cluster. The compactor halted on
 * the overlap two days ago: no compactor block since, and the level-1 blocks pile up.
 */
export function demoBucket(now: number, seed = 7): DemoBucket {
  const random = seededRandom(seed);
  const day = 24 * HOUR;
  const from = now - 3 * day;
  const lateEnd = now - 3 * HOUR - 45 * 60_000;
  const lateOffset = lateEnd - Math.floor(lateEnd / BLOCK_MS) * BLOCK_MS;
  // The compactor halted on the overlapping cluster-one blocks: it compacted nothing after this.
  const halted = now - 2 * day;
  const blocks = [
    ...compactStream(sidecarBlocks({ labels: { cluster_id: "prod-us-east-1", prometheus_replica: "r0" }, from }, now, random), halted, random),
    ...compactStream(sidecarBlocks({ labels: { cluster_id: "prod-us-east-1", prometheus_replica: "r1" }, from }, now, random), halted, random),
    ...compactStream(sidecarBlocks({ labels: { cluster_id: "prod-eu-west-1" }, from }, now, random), halted, random),
    // The sidecar lost its IAM role 9 hours ago.
    ...compactStream(sidecarBlocks({ labels: { cluster_id: "staging-ap-south-1" }, from, stopAt: now - 9 * HOUR }, now, random), halted, random, HOUR),
    // Its newest data ends 3h45m ago: late, not yet stalled.
    ...sidecarBlocks({ labels: { cluster_id: "dev-us-west-2" }, from: now - day, offsetMs: lateOffset, stopAt: now - 2 * HOUR }, now, random),
    // Two clusters installed with the chart's default cluster_id, the second 2 days 6 hours ago.
    ...sidecarBlocks({ labels: { cluster_id: "cluster-one" }, from }, now, random),
    ...sidecarBlocks({ labels: { cluster_id: "cluster-one" }, from: halted - 6 * HOUR, offsetMs: 17 * 60_000 }, now, random),
    // A Prometheus without external_labels.cluster_id.
    ...sidecarBlocks({ labels: { prometheus: "monitoring/k8s" }, from: now - 6 * HOUR }, now, random),
  ];
  // First upload of a cluster installed this afternoon.
  const newCluster = sidecarBlocks({ labels: { cluster_id: "qa-sandbox" }, from: now - 2 * BLOCK_MS - HOUR }, now, random).slice(-1);
  const objects = blocks.flatMap((b) => blockObjects(b));
  // An upload that died half way: chunks and index, no meta.json, nothing written for 5 hours.
  const partial = makeUlid(now - 5 * HOUR, random);
  objects.push(
    ...blockObjects({ ulid: partial, minTime: now - 8 * HOUR, maxTime: now - 6 * HOUR, labels: {}, uploadTime: now - 5 * HOUR, withoutMeta: true }),
  );
  // A block uploaded while a disk filled up: meta.json cut short.
  const corrupt = makeUlid(now - 20 * HOUR, random);
  objects.push(
    ...blockObjects({
      ulid: corrupt,
      minTime: now - 23 * HOUR,
      maxTime: now - 21 * HOUR,
      labels: { cluster_id: "prod-eu-west-1" },
      uploadTime: now - 20 * HOUR,
      metaText: `{\n\t"ulid": "${corrupt}",\n\t"minTime": ${now - 23 * HOUR},\n\t"maxT`,
    }),
  );
  // Kubecost 2.x Federated ETL in the same bucket.
  objects.push(
    ...etlObjects({ cluster: "kc2-prod-us-west-2", from: now - 2 * day }, now),
    ...etlObjects({ cluster: "kc2-batch-eu-central-1", from: now - 2 * day, stopAt: now - 8 * HOUR }, now),
    ...etlObjects({ cluster: "combined", from: now - day }, now),
  );
  // Issue 11, added last so that the blocks above keep their ULIDs. An HA pair whose second
  // replica stopped shipping 7 hours ago: degraded, the cluster ok.
  objects.push(
    ...[
      ...sidecarBlocks({ labels: { cluster_id: "prod-us-west-2", prometheus_replica: "r0" }, from: now - day }, now, random),
      ...sidecarBlocks({ labels: { cluster_id: "prod-us-west-2", prometheus_replica: "r1" }, from: now - day, stopAt: now - 7 * HOUR }, now, random),
      // A second cluster installed as prod-eu-central-1 with a team label: two sources under one cluster_id.
      ...sidecarBlocks({ labels: { cluster_id: "prod-eu-central-1" }, from: now - 2 * day }, now, random),
      ...sidecarBlocks({ labels: { cluster_id: "prod-eu-central-1", team: "data" }, from: now - 12 * HOUR }, now, random),
      // A Prometheus whose blocks of 4 hours yesterday never reached the bucket: lost cost data.
      ...sidecarBlocks({ labels: { cluster_id: "analytics-us-east-2" }, from: now - 2 * day }, now, random).filter(
        (b) => b.maxTime <= now - 30 * HOUR || b.minTime >= now - 26 * HOUR,
      ),
    ].flatMap((b) => blockObjects(b)),
  );
  // Top-level names that are not blocks: Thanos <= 0.24 debug metas, Kubecost ETL, a renamed block.
  objects.push(
    { key: `debug/metas/${partial}.json`, body: "{}", mtime: now - day },
    { key: "etl/bingen/daily/2025.json", body: "{}", mtime: now - day },
    { key: `${corrupt}-backup/meta.json`, body: "{}", mtime: now - day },
  );
  return {
    objects,
    newClusterObjects: newCluster.flatMap((b) => blockObjects(b)),
    expectedClusters: ["prod-us-east-1", "prod-eu-west-1", "prod-ap-northeast-1"],
  };
}
