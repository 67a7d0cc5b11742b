// A realistic Kubecost/Thanos bucket of more than 1,000 block prefixes with one of every situation,
// built from the lib/demo generators, and an independent oracle of what a check must say about it.
import { encodeTime } from "ulid";
import { blockObjects, makeUlid, seededRandom, type BlockSpec, type BucketObject } from "../../lib/demo/bucket-objects";
import { BLOCK_MS, HOUR, compactStream, sidecarBlocks } from "../../lib/demo/fleet";

export const DAY = 24 * HOUR;
export const MIN = 60_000;
export const MiB = 1024 * 1024;

export const FLEET_SIZE = 45;

export interface Fleet {
  now: number;
  objects: BucketObject[];
  /** Every block written with a valid meta.json (deletion-marked ones included). */
  blocks: BlockSpec[];
  /** Blocks whose meta.json is invalid, and the reason the check must give. */
  corrupt: { ulid: string; reason: RegExp; deleted: boolean }[];
  /** ULID prefixes without meta.json. */
  withoutMeta: { ulid: string; kind: "aborted" | "uploading" | "deleting" | "empty-folder" }[];
  expectedClusters: string[];
  lookbackMs: number;
}

function padJson(text: string, bytes: number): string {
  const have = Buffer.byteLength(text);
  if (have > bytes) throw new Error("meta already larger than the padding target");
  return text + " ".repeat(bytes - have);
}

function metaOf(objects: BucketObject[]): BucketObject {
  return objects.find((o) => o.key.endsWith("/meta.json"))!;
}

/**
 * The fleet as of `now`. Every time is relative to `now` and the random stream is seeded, so the
 * verdicts are the same whatever `now` is, provided `now` has the same offset within 2h.
 */
export function buildFleet(now: number, seed = 11): Fleet {
  const random = seededRandom(seed);
  const from = now - 2 * DAY;
  const blocks: BlockSpec[] = [];

  // The bulk of the fleet: healthy single-Prometheus clusters, 2 days of 2h blocks each.
  for (let i = 0; i < FLEET_SIZE; i++) {
    blocks.push(...sidecarBlocks({ labels: { cluster_id: `fleet-${String(i).padStart(2, "0")}`, env: "prod" }, from }, now, random));
  }
  const bulk = new Set(blocks);
  // An HA pair: two streams of one cluster, compacted (level-2 blocks, deletion-marked sources).
  for (const replica of ["r0", "r1"]) {
    blocks.push(...compactStream(sidecarBlocks({ labels: { cluster_id: "prod-us-east-1", prometheus_replica: replica }, from }, now, random), now, random));
  }
  // Stalled 9 hours ago; the compactor (running 10h behind) still writes blocks of its old data
  // whose ULIDs are newer than the last sidecar block.
  blocks.push(
    ...compactStream(sidecarBlocks({ labels: { cluster_id: "staging-ap-south-1" }, from, stopAt: now - 9 * HOUR }, now, random), now, random, 10 * HOUR),
  );
  // Newest data ends 3h45m ago: late.
  const lateEnd = now - 3 * HOUR - 45 * MIN;
  const lateOffset = lateEnd - Math.floor(lateEnd / BLOCK_MS) * BLOCK_MS;
  blocks.push(...sidecarBlocks({ labels: { cluster_id: "dev-us-west-2" }, from: now - DAY, offsetMs: lateOffset, stopAt: now - 2 * HOUR }, now, random));
  // Two clusters left on the chart's default cluster_id: overlapping level-1 blocks.
  blocks.push(...sidecarBlocks({ labels: { cluster_id: "cluster-one" }, from: now - DAY }, now, random));
  blocks.push(...sidecarBlocks({ labels: { cluster_id: "cluster-one" }, from: now - 10 * HOUR, offsetMs: 17 * MIN }, now, random));
  // The same mistake, already cleaned up: the duplicate's blocks are all marked for deletion.
  blocks.push(...sidecarBlocks({ labels: { cluster_id: "shared-cleaned" }, from: now - DAY }, now, random));
  blocks.push(
    ...sidecarBlocks({ labels: { cluster_id: "shared-cleaned" }, from: now - 10 * HOUR, offsetMs: 23 * MIN }, now, random).map((b) => ({
      ...b,
      deletedAt: now - HOUR,
    })),
  );
  // Prometheus servers without a usable cluster_id; one retired and marked for deletion.
  blocks.push(...sidecarBlocks({ labels: { prometheus: "monitoring/k8s" }, from: now - 6 * HOUR }, now, random));
  blocks.push(...sidecarBlocks({ labels: { cluster_id: "", prometheus: "kube-system/p" }, from: now - 4 * HOUR }, now, random).slice(-1));
  blocks.push(
    ...sidecarBlocks({ labels: { prometheus: "retired/k8s" }, from: now - DAY, stopAt: now - 20 * HOUR }, now, random).map((b) => ({
      ...b,
      deletedAt: now - 2 * HOUR,
    })),
  );
  // A cluster whose newest meta.json is exactly 1 MiB: read, not corrupt.
  const bigMeta = sidecarBlocks({ labels: { cluster_id: "big-meta" }, from: now - 8 * HOUR }, now, random);
  blocks.push(...bigMeta);

  const objects: BucketObject[] = [];
  const newestBig = bigMeta.at(-1)!;
  for (const b of blocks) {
    // The bulk of the fleet is written as meta.json alone: a complete block's other objects are
    // never read, and thousands of fewer uploads keep the test fast.
    const objs = blockObjects(b).filter((o) => !bulk.has(b) || o.key.endsWith("/meta.json"));
    if (b === newestBig) {
      const meta = metaOf(objs);
      meta.body = padJson(meta.body, MiB);
    }
    objects.push(...objs);
  }

  // Corrupt meta.json of every kind, plus one already marked for deletion (not a finding).
  const corrupt: Fleet["corrupt"] = [];
  const addCorrupt = (ms: number, labels: Record<string, string>, text: (ulid: string) => string, reason: RegExp, deleted = false) => {
    const ulid = makeUlid(ms, random);
    objects.push(
      ...blockObjects({
        ulid,
        minTime: ms - 3 * HOUR,
        maxTime: ms - HOUR,
        labels,
        uploadTime: ms + 30_000,
        metaText: text(ulid),
        ...(deleted ? { deletedAt: now - HOUR } : {}),
      }),
    );
    corrupt.push({ ulid, reason, deleted });
  };
  const validMeta = (ulid: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ ulid, minTime: now - 30 * HOUR, maxTime: now - 28 * HOUR, version: 1, thanos: { labels: { cluster_id: "prod-eu-west-1" } }, ...extra }, null, "\t");
  addCorrupt(now - 20 * HOUR, { cluster_id: "prod-eu-west-1" }, (u) => `{\n\t"ulid": "${u}",\n\t"minTime": ${now - 23 * HOUR},\n\t"maxT`, /^meta\.json is not JSON/);
  addCorrupt(now - 19 * HOUR, {}, (u) => padJson(validMeta(u), MiB + 100), new RegExp(`^meta\\.json is ${MiB + 100} bytes, over the ${MiB}-byte limit$`));
  addCorrupt(now - 18 * HOUR, {}, () => "", /^meta\.json is not JSON/);
  addCorrupt(now - 17 * HOUR, {}, (u) => validMeta(u, { version: 2 }), /^version is 2, expected 1$/);
  addCorrupt(now - 16 * HOUR, {}, () => validMeta("01ARZ3NDEKTSV4RRFFQ69G5FAV"), /^ulid "01ARZ3NDEKTSV4RRFFQ69G5FAV" does not match its prefix/);
  addCorrupt(now - 15 * HOUR, {}, (u) => validMeta(u, { minTime: 5, maxTime: 5 }), /must be integers with 0 <= minTime < maxTime/);
  addCorrupt(now - 14 * HOUR, {}, (u) => validMeta(u, { thanos: { labels: { cluster_id: 7 } } }), /^thanos\.labels is not an object of string values$/);
  addCorrupt(now - 13 * HOUR, {}, (u) => `{"ulid":"${u}",`, /not JSON/, true);

  // Prefixes without meta.json. Their objects' times never exceed the ULID time, so the age of an
  // aborted upload is decided by the ULID on both stores (S3 stamps LastModified at upload time).
  const withoutMeta: Fleet["withoutMeta"] = [];
  const partial = (ms: number, kind: "aborted" | "uploading") => {
    const ulid = makeUlid(ms, random);
    objects.push(...blockObjects({ ulid, minTime: ms - 3 * HOUR, maxTime: ms - HOUR, labels: {}, uploadTime: ms, withoutMeta: true }));
    withoutMeta.push({ ulid, kind });
    return ulid;
  };
  const aborted = partial(now - 2 * HOUR - 30 * MIN, "aborted");
  objects.push({ key: `${aborted}/chunks/`, body: "", mtime: now - 2 * HOUR - 30 * MIN }); // a "folder" object: its time means nothing
  partial(now - 30 * MIN, "uploading");
  const deleting = makeUlid(now - 30 * HOUR, random);
  objects.push(
    ...blockObjects({ ulid: deleting, minTime: now - 33 * HOUR, maxTime: now - 31 * HOUR, labels: { cluster_id: "fleet-00" }, uploadTime: now - 30 * HOUR, withoutMeta: true, deletedAt: now - 3 * HOUR }),
  );
  withoutMeta.push({ ulid: deleting, kind: "deleting" });
  const emptyFolder = makeUlid(now - 11 * HOUR, random);
  objects.push({ key: `${emptyFolder}/`, body: "", mtime: now - 11 * HOUR });
  withoutMeta.push({ ulid: emptyFolder, kind: "empty-folder" });

  // Outside the 7-day lookback: never listed.
  const ancient = sidecarBlocks({ labels: { cluster_id: "ancient" }, from: now - 9 * DAY, stopAt: now - 8 * DAY }, now, random);
  objects.push(...ancient.flatMap((b) => blockObjects(b)));

  // Top-level names that are not blocks.
  const someUlid = makeUlid(now - 5 * HOUR, random);
  const oldUlid = makeUlid(now - 6 * DAY, random);
  const ghost = (ulid: string, cluster: string) =>
    blockObjects({ ulid, minTime: now - 3 * HOUR, maxTime: now - HOUR, labels: { cluster_id: cluster }, uploadTime: now - 40 * MIN }).find((o) =>
      o.key.endsWith("meta.json"),
    )!.body;
  objects.push(
    { key: `debug/metas/${someUlid}.json`, body: "{}", mtime: now - DAY },
    { key: "etl/bingen/daily/2025.json", body: "{}", mtime: now - DAY },
    { key: "federated/cluster-one/etl.json", body: "{}", mtime: now - DAY },
    { key: `${someUlid}-backup/meta.json`, body: ghost(someUlid, "backup-ghost"), mtime: now - HOUR },
    // Old enough to fall on the first page in a case-insensitive order, not in S3's binary order.
    { key: `${oldUlid.toLowerCase()}/meta.json`, body: ghost(oldUlid.toLowerCase(), "lower-ghost"), mtime: now - HOUR },
    { key: "FOO/", body: "", mtime: now - DAY },
    { key: "README.txt", body: "not a block", mtime: now - DAY },
  );

  return {
    now,
    objects,
    blocks: [...blocks, ...ancient],
    corrupt,
    withoutMeta,
    expectedClusters: ["prod-us-east-1", "staging-ap-south-1", "ancient", "prod-ap-northeast-1"],
    lookbackMs: 7 * DAY,
  };
}

/**
 * A `now` near the real clock (S3 stamps LastModified with it) that is 3.5h-5.5h ahead of it and
 * 1h30m past an even UTC hour, so the fleet's verdicts do not depend on when the test runs.
 */
export function judgeTimeAheadOf(realNow: number): number {
  return Math.floor(realNow / BLOCK_MS) * BLOCK_MS + 5 * HOUR + 30 * MIN;
}

export function horizonName(now: number, lookbackMs: number): string {
  return encodeTime(now - lookbackMs, 10) + "0".repeat(16);
}

/** Top-level entries as S3 returns them with Delimiter "/": prefixes (no slash) and plain files. */
export function topLevel(objects: readonly BucketObject[]): { prefixes: string[]; files: string[] } {
  const prefixes = new Set<string>();
  const files = new Set<string>();
  for (const o of objects) {
    const slash = o.key.indexOf("/");
    if (slash >= 0) prefixes.add(o.key.slice(0, slash));
    else files.add(o.key);
  }
  return { prefixes: [...prefixes], files: [...files] };
}

const binaryAfter = (name: string, after: string) => Buffer.compare(Buffer.from(name), Buffer.from(after)) > 0;
export const listedAfter = (names: readonly string[], after: string) => names.filter((n) => binaryAfter(n, after));

// ---------------------------------------------------------------------------------------------
// The oracle: DOMAIN.md section 4 computed straight from the specs, independently of lib/health.

export interface ExpectedCluster {
  status: "ok" | "late" | "stalled" | "missing";
  dataLagSeconds: number | null;
  newestMaxTime: string | null;
  newestBlock: string | null;
  lastUploadAt: string | null;
  streams: { labels: Record<string, string>; status: string; dataLagSeconds: number }[];
}

const ulidMs = (ulid: string) => {
  let t = 0;
  for (const c of ulid.slice(0, 10)) t = t * 32 + "0123456789ABCDEFGHJKMNPQRSTVWXYZ".indexOf(c);
  return t;
};
const keyOf = (labels: Record<string, string>) => JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));
const statusOf = (lagMs: number, late = 3.5 * HOUR, stall = 4 * HOUR) => (lagMs > stall ? "stalled" : lagMs > late ? "late" : "ok");

export function expectedClusters(fleet: Pick<Fleet, "blocks" | "expectedClusters" | "lookbackMs">, now: number, clusterLabel = "cluster_id"): Map<string, ExpectedCluster> {
  const live = fleet.blocks.filter((b) => b.deletedAt === undefined && ulidMs(b.ulid) >= now - fleet.lookbackMs);
  const byCluster = new Map<string, BlockSpec[]>();
  for (const b of live) {
    const c = b.labels[clusterLabel];
    if (!c) continue;
    byCluster.set(c, [...(byCluster.get(c) ?? []), b]);
  }
  const out = new Map<string, ExpectedCluster>();
  for (const [cluster, bs] of byCluster) {
    const newest = bs.reduce((a, b) => (b.maxTime > a.maxTime ? b : a));
    const sidecar = bs.filter((b) => (b.source ?? "sidecar") === "sidecar");
    const streams = new Map<string, BlockSpec[]>();
    for (const b of bs) streams.set(keyOf(b.labels), [...(streams.get(keyOf(b.labels)) ?? []), b]);
    out.set(cluster, {
      status: statusOf(now - newest.maxTime),
      dataLagSeconds: Math.floor((now - newest.maxTime) / 1000),
      newestMaxTime: new Date(newest.maxTime).toISOString(),
      newestBlock: newest.ulid,
      lastUploadAt: sidecar.length ? new Date(Math.max(...sidecar.map((b) => b.uploadTime))).toISOString() : null,
      streams: [...streams.values()].map((s) => {
        const max = Math.max(...s.map((b) => b.maxTime));
        return { labels: { ...s[0]!.labels }, status: statusOf(now - max), dataLagSeconds: Math.floor((now - max) / 1000) };
      }),
    });
  }
  for (const name of fleet.expectedClusters) {
    if (!out.has(name)) out.set(name, { status: "missing", dataLagSeconds: null, newestMaxTime: null, newestBlock: null, lastUploadAt: null, streams: [] });
  }
  return out;
}

/** Level-1 sidecar blocks of one label set whose [minTime, maxTime) overlap another's. */
export function overlappingPairs(blocks: readonly BlockSpec[]): Map<string, Set<string>> {
  const byKey = new Map<string, BlockSpec[]>();
  for (const b of blocks) {
    if ((b.level ?? 1) !== 1 || (b.source ?? "sidecar") !== "sidecar" || (b.resolution ?? 0) !== 0) continue;
    byKey.set(keyOf(b.labels), [...(byKey.get(keyOf(b.labels)) ?? []), b]);
  }
  const out = new Map<string, Set<string>>();
  for (const [key, list] of byKey) {
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i]!;
        const b = list[j]!;
        if (a.minTime < b.maxTime && b.minTime < a.maxTime) {
          const set = out.get(key) ?? new Set<string>();
          set.add(a.ulid).add(b.ulid);
          out.set(key, set);
        }
      }
    }
  }
  return out;
}

export { ulidMs };
