/**
 * Kubecost 2.x Federated ETL in the objstore bucket (DOMAIN.md section 9):
 *   [<prefix>/]federated/<cluster_id>/etl/bingen/{allocations,assets}/{1h,1d}/<start>-<end>[.ext]
 * Times are Unix seconds. `federated/combined/` is the aggregator's own output, not a cluster.
 */
export const FEDERATED_ROOT = "federated/";
/** Written by the Federator/Aggregator, never by a federated cluster. */
export const COMBINED_FOLDER = "combined";

/** The ETL kinds whose hourly files are watched; the Aggregator needs both to show a cluster's costs. */
export const ETL_KINDS = ["allocations", "assets"] as const;
export type EtlKind = (typeof ETL_KINDS)[number];

/** The folder of a cluster's ETL files of every kind, relative to the objstore prefix. */
export function etlRoot(cluster: string): string {
  return `${FEDERATED_ROOT}${cluster}/etl/bingen/`;
}

/** The folder of a cluster's hourly files of one kind, relative to the objstore prefix. */
export function hourlyFolder(cluster: string, kind: EtlKind): string {
  return `${etlRoot(cluster)}${kind}/1h/`;
}

/** The cluster named by a delimiter listing's folder `federated/<cluster>/`, or null for combined/ and junk. */
export function clusterOfFolder(folder: string): string | null {
  if (!folder.startsWith(FEDERATED_ROOT) || !folder.endsWith("/")) return null;
  const name = folder.slice(FEDERATED_ROOT.length, -1);
  if (name === "" || name.includes("/") || name === COMBINED_FOLDER) return null;
  return name;
}

export type EtlFileName = { ok: true; start: number; end: number } | { ok: false; reason: string };

// Ten digits until 2286. Digits only, then an optional extension: Kubecost writes bare names, some
// writers (and backup tools) add one such as `.gz` or `.bingen`; what follows the dot is not checked.
const NAME = /^(\d{1,12})-(\d{1,12})(\.[^/]*)?$/;
const MAX_SPAN_S = 24 * 3600;

/**
 * Parses an hourly file's name. Lenient where the layout is not documented: any extension, any span
 * up to a day (an hourly file is expected to span 3,600 s; a longer one still says where data ends).
 */
export function parseEtlFileName(name: string): EtlFileName {
  const m = NAME.exec(name);
  if (!m) return { ok: false, reason: `file name ${JSON.stringify(name.slice(0, 80))} is not <start>-<end> in Unix seconds` };
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (!(end > start)) return { ok: false, reason: `end ${end} is not after start ${start}` };
  if (end - start > MAX_SPAN_S) return { ok: false, reason: `spans ${end - start} s, more than a day, in the 1h folder` };
  return { ok: true, start, end };
}

/**
 * StartAfter for an hourly folder: names `<start>-<end>` sort by start while starts have the same
 * number of digits, so `<start>` lists every file starting at or after it, and `<start>-` lists the
 * file named by that start again (it may have been rewritten since: a newer LastModified).
 */
export function startAfterName(start: number, again: boolean): string {
  return again ? `${start}-` : String(start);
}
