import type { ClusterStatus } from "../health/status";
import { ETL_KINDS, type EtlKind } from "./layout";

/** The newest hourly file of one kind: [name, start (s), end (s), LastModified (ms)]. */
export type EtlFile = [string, number, number, number];
/** A hole in the hourly sequence: [kind, start (s) of the file before it, from (s), to (s)]. */
export type EtlGap = [EtlKind, number, number, number];
/** An hourly file whose name does not parse: [kind, name, reason]. */
export type EtlCorrupt = [EtlKind, string, string];

/** What one cluster's Federated ETL needs to be judged next run without listing its old files. */
export interface EtlClusterState {
  allocations: EtlFile | null;
  assets: EtlFile | null;
  gaps: EtlGap[];
  corrupt: EtlCorrupt[];
  /**
   * Start (s) of the oldest hourly file of each kind within the lookback (clipped to its start once
   * older): with the newest file and the gaps, the board draws the hourly coverage. Not judged.
   * Absent in states saved before it was kept.
   */
  oldest?: Partial<Record<EtlKind, number>>;
  /** The cluster's last verdict and since when (null: no verdict, e.g. only corrupt names). */
  status: ClusterStatus | null;
  since: number;
}

/** The `etl` key of the saved State. */
export interface EtlState {
  clusters: Record<string, EtlClusterState>;
}

export function emptyEtlState(): EtlState {
  return { clusters: {} };
}

const STATUSES = new Set(["ok", "late", "stalled", "missing"]);
const KINDS = new Set<string>(ETL_KINDS);
const CLUSTER_KEYS = ["allocations", "assets", "gaps", "corrupt", "oldest", "status", "since"];

/**
 * Checks a saved `etl` document in place; returns a message naming the first bad field, or null.
 * Small: a cluster holds two files, and its gaps and corrupt names within the lookback.
 */
export function etlStateProblem(v: unknown): string | null {
  const isObj = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
  const int = (x: unknown) => Number.isSafeInteger(x);
  if (!isObj(v) || !isObj(v.clusters)) return "etl.clusters: expected an object";
  for (const [name, c] of Object.entries(v.clusters)) {
    const at = `etl.clusters.${name}`;
    if (!isObj(c)) return `${at}: expected an object`;
    for (const kind of ETL_KINDS) {
      const f = c[kind];
      if (f === null) continue;
      if (!Array.isArray(f) || f.length !== 4 || typeof f[0] !== "string" || !int(f[1]) || !int(f[2]) || !int(f[3])) {
        return `${at}.${kind}: expected null or [name, start, end, lastModified]`;
      }
    }
    if (!Array.isArray(c.gaps) || !c.gaps.every((g) => Array.isArray(g) && g.length === 4 && KINDS.has(g[0]) && int(g[1]) && int(g[2]) && int(g[3]))) {
      return `${at}.gaps: expected [kind, start, from, to] items`;
    }
    if (!Array.isArray(c.corrupt) || !c.corrupt.every((x) => Array.isArray(x) && x.length === 3 && KINDS.has(x[0]) && typeof x[1] === "string" && typeof x[2] === "string")) {
      return `${at}.corrupt: expected [kind, name, reason] items`;
    }
    if (c.oldest !== undefined && !(isObj(c.oldest) && Object.entries(c.oldest).every(([k, x]) => KINDS.has(k) && int(x)))) return `${at}.oldest: expected {kind: start} items`;
    if (c.status !== null && !(typeof c.status === "string" && STATUSES.has(c.status))) return `${at}.status: expected null or a status`;
    if (!int(c.since)) return `${at}.since: expected an int`;
    for (const k of Object.keys(c)) if (!CLUSTER_KEYS.includes(k)) delete c[k];
  }
  for (const k of Object.keys(v)) if (k !== "clusters") delete v[k];
  return null;
}
