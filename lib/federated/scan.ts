import type { BucketReader } from "../bucket/bucket";
import { forEachLimit } from "../scan/concurrency";
import { clusterOfFolder, ETL_KINDS, etlRoot, FEDERATED_ROOT, parseEtlFileName, startAfterName, type EtlKind } from "./layout";
import type { EtlState } from "./state";

/** An hourly file listed this run. */
export interface ListedFile {
  name: string;
  start: number;
  end: number;
  lastModified: number;
  size: number;
}

/** What this run's listing of one kind's hourly folder showed. */
export interface KindListing {
  /** The StartAfter name used: every name sorting after it was listed (the listing is authoritative there). */
  after: string;
  files: ListedFile[];
  corrupt: { name: string; reason: string }[];
}

export interface EtlObservation {
  /** Every cluster folder under federated/ (combined/ left out). */
  clusters: string[];
  /** The listings of the clusters read this run; a cluster absent here keeps its previous state. */
  listed: Record<string, Record<EtlKind, KindListing>>;
  /** False when the run's time budget ended before every cluster was read. */
  complete: boolean;
  filesListed: number;
}

export interface EtlScanOptions {
  concurrency: number;
  deadline?: number;
  clock?: () => number;
  lookbackMs: number;
}

/**
 * Reads what is new in the Federated ETL half of the bucket: one delimiter LIST of federated/ (a page
 * per 1,000 clusters), then per cluster one LIST of its `etl/bingen/` folder (`listCluster`). No GET:
 * file names and LastModified say it all.
 */
export async function scanEtl(bucket: BucketReader, prev: EtlState | null, now: number, opts: EtlScanOptions): Promise<EtlObservation> {
  const listKeys = bucket.listKeys?.bind(bucket);
  if (!listKeys) throw new Error(`${bucket.location}: this bucket reader cannot list keys, so it cannot read Federated ETL`);
  const clock = opts.clock ?? Date.now;
  const horizonS = Math.floor((now - opts.lookbackMs) / 1000);

  const clusters: string[] = [];
  for await (const page of listKeys(FEDERATED_ROOT, { delimiter: true })) {
    for (const folder of page.prefixes) {
      const name = clusterOfFolder(folder);
      if (name !== null) clusters.push(name);
    }
  }

  const listed: EtlObservation["listed"] = Object.create(null);
  let complete = true;
  let filesListed = 0;
  await forEachLimit(clusters, opts.concurrency, async (cluster) => {
    if (opts.deadline !== undefined && clock() > opts.deadline) {
      complete = false;
      return;
    }
    const before = prev?.clusters[cluster];
    // Within the lookback, start again at the newest file seen (listed again: it may have been
    // rewritten); else at the lookback's start.
    const afterOf = (kind: EtlKind) => {
      const newest = before?.[kind] ?? null;
      return newest !== null && newest[1] >= horizonS ? startAfterName(newest[1], true) : startAfterName(horizonS, false);
    };
    const out = {} as Record<EtlKind, KindListing>;
    for (const kind of ETL_KINDS) out[kind] = { after: afterOf(kind), files: [], corrupt: [] };
    const files = await listCluster(listKeys, cluster, out);
    filesListed += files;
    listed[cluster] = out;
  });
  return { clusters, listed, complete, filesListed };
}

/** The ETL kinds' 1h folders relative to `etl/bingen/`, in key order: allocations sorts before assets. */
const HOURLY = ETL_KINDS.map((kind) => ({ kind, rel: `${kind}/1h/` }));
const byteCmp = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * One LIST of `federated/<cluster>/etl/bingen/` for both kinds, StartAfter the newest allocations 1h
 * file seen: S3 returns keys in order, so one page holds the new allocations/1h files, then
 * assets/1d/* and assets/1h/* (where the names after the newest assets file seen are the new ones).
 * Kubecost keeps 49 hours of hourly ETL and 91 days of daily ETL by default (the cost-analyzer
 * Helm chart's `kubecostModel.etlHourlyStoreDurationHours: 49` and `etlDailyStoreDurationDays: 91`,
 * its README's values table), so a steady run's page holds about 150 keys (1 or 2 allocations, 91
 * daily assets, 49 hourly assets) of the 1,000 a page can: one LIST a cluster. A page that ends
 * still before assets/1h/ (a longer daily retention, a first run's week of hourly files) is not
 * followed through the rest of assets/1d/: the listing starts again after the newest assets file
 * seen (likewise past assets files seen before), so a cluster costs at most 2 LISTs, plus a page
 * per 1,000 new hourly files.
 * Returns the hourly files listed after their kind's StartAfter.
 */
async function listCluster(
  listKeys: NonNullable<BucketReader["listKeys"]>,
  cluster: string,
  out: Record<EtlKind, KindListing>,
): Promise<number> {
  const root = etlRoot(cluster);
  let files = 0;
  let startAfter: string | null = HOURLY[0]!.rel + out[HOURLY[0]!.kind].after;
  while (startAfter !== null) {
    const from: string = startAfter;
    startAfter = null;
    for await (const page of listKeys(root, { startAfter: root + from })) {
      let lastRel: string | null = null;
      for (const o of page.objects) {
        const rel = o.key.slice(root.length);
        lastRel = rel;
        const h = HOURLY.find((x) => rel.startsWith(x.rel));
        if (h === undefined) continue; // a daily file or another folder
        const name = rel.slice(h.rel.length);
        const listing = out[h.kind];
        // Listed again on the way to the next kind: seen by an earlier run.
        if (name === "" || name.endsWith("/") || byteCmp(name, listing.after) <= 0) continue;
        files += 1;
        if (name.includes("/")) {
          listing.corrupt.push({ name, reason: "an object nested below the 1h folder, not an hourly file" });
          continue;
        }
        const parsed = parseEtlFileName(name);
        if (parsed.ok) listing.files.push({ name, start: parsed.start, end: parsed.end, lastModified: o.lastModified, size: o.size });
        else listing.corrupt.push({ name, reason: parsed.reason });
      }
      if (lastRel === null || page.more === false) continue;
      // Reading a kind's new files: the next page holds more of them.
      const reading = HOURLY.some((x) => lastRel!.startsWith(x.rel) && byteCmp(lastRel!, x.rel + out[x.kind].after) > 0);
      if (reading) continue;
      // In the daily files, or in files seen before: start again at the next kind's newest file seen
      // (none left: the page is past every 1h folder, nothing more to read).
      const next = HOURLY.map((x) => x.rel + out[x.kind].after).find((at) => byteCmp(at, lastRel!) > 0);
      if (next !== undefined) startAfter = next;
      break;
    }
  }
  return files;
}
