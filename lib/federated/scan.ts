import type { BucketReader } from "../bucket/bucket";
import { forEachLimit } from "../scan/concurrency";
import { clusterOfFolder, ETL_KINDS, FEDERATED_ROOT, hourlyFolder, parseEtlFileName, startAfterName, type EtlKind } from "./layout";
import type { EtlState } from "./state";

/** An hourly file listed this run. */
export interface ListedFile {
  name: string;
  start: number;
  end: number;
  lastModified: number;
  size: number;
}

/** What one LIST of a cluster's hourly folder showed. */
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
 * per 1,000 clusters), then per cluster one LIST per hourly folder (allocations, assets) starting at
 * the newest file seen, which is listed again in case it was rewritten. A steady run costs
 * ceil(clusters / 1000) + 2 * clusters LISTs and no GET: file names and LastModified say it all.
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
    const out = {} as Record<EtlKind, KindListing>;
    for (const kind of ETL_KINDS) {
      const newest = before?.[kind] ?? null;
      // Within the lookback, start again at the newest file seen; else at the lookback's start.
      const after = newest !== null && newest[1] >= horizonS ? startAfterName(newest[1], true) : startAfterName(horizonS, false);
      const folder = hourlyFolder(cluster, kind);
      const listing: KindListing = { after, files: [], corrupt: [] };
      for await (const page of listKeys(folder, { startAfter: folder + after })) {
        for (const o of page.objects) {
          const name = o.key.slice(folder.length);
          if (name === "" || name.endsWith("/")) continue; // a "folder" object: no file
          filesListed += 1;
          if (name.includes("/")) {
            listing.corrupt.push({ name, reason: "an object nested below the 1h folder, not an hourly file" });
            continue;
          }
          const parsed = parseEtlFileName(name);
          if (parsed.ok) listing.files.push({ name, start: parsed.start, end: parsed.end, lastModified: o.lastModified, size: o.size });
          else listing.corrupt.push({ name, reason: parsed.reason });
        }
      }
      out[kind] = listing;
    }
    listed[cluster] = out;
  });
  return { clusters, listed, complete, filesListed };
}
