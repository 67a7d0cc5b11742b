import { parseDocument } from "yaml";
import { z } from "zod";
import { parseDuration } from "../domain/duration";
import type { Thresholds } from "../policy/policy";

/**
 * The fleet's configuration, kept as one YAML object beside the state (`state/fleet.yaml` in the
 * stack's state bucket): what does not fit in the Lambda's 4 KB of environment (hundreds of
 * expected clusters, per-cluster thresholds) and what operators change between deploys (silences,
 * decommissions). Read by every run; edited by `blockwatch silence|decommission`.
 *
 * Every key is checked: an unknown one is refused (a `silence:` typo must not drop a silence).
 */
export interface FleetConfig {
  expectedClusters: string[];
  /** Per-cluster thresholds (a null-prototype record: names come from other people's configs). */
  clusters: Record<string, Partial<Thresholds>>;
  silences: Silence[];
  decommissioned: Decommission[];
}

export interface Silence {
  cluster: string;
  /** ms; absent: from the moment it was added (a maintenance window may start later). */
  from: number | null;
  /** ms, exclusive: the first run at or after it judges the cluster as usual again. */
  until: number;
  reason: string | null;
}

export interface Decommission {
  cluster: string;
  /** ms: when it was decommissioned. */
  at: number;
  reason: string | null;
}

export const EMPTY_FLEET: FleetConfig = { expectedClusters: [], clusters: Object.create(null), silences: [], decommissioned: [] };

/** The object cannot be used: names the object and the field, and says what to do. */
export class FleetConfigError extends Error {
  constructor(
    readonly object: string,
    readonly reason: string,
  ) {
    super(`fleet config ${object}: ${reason}`);
    this.name = "FleetConfigError";
  }
}

const clusterName = z.string().trim().min(1, "a cluster name must not be empty").max(1024);
const time = z.union([z.string(), z.date()]).transform((v, ctx) => {
  const ms = v instanceof Date ? v.getTime() : Date.parse(v);
  if (!Number.isFinite(ms) || (typeof v === "string" && !/^\d{4}-\d\d-\d\d/.test(v))) {
    ctx.addIssue({ code: "custom", message: `not an ISO 8601 time: ${JSON.stringify(String(v))} (e.g. 2026-12-01T18:00:00Z)` });
    return z.NEVER;
  }
  return ms;
});
const duration = z.string().transform((v, ctx) => {
  try {
    return parseDuration(v);
  } catch (err) {
    ctx.addIssue({ code: "custom", message: (err as Error).message });
    return z.NEVER;
  }
});
const ClusterThresholds = z.object({ lateAfter: duration.optional(), stallAfter: duration.optional() }).strict().nullish();
const reason = z.string().max(500).nullish().transform((r) => r ?? null);

const Schema = z
  .object({
    expectedClusters: z.array(clusterName).nullish(),
    // Checked entry by entry below: a record schema would drop a cluster called __proto__.
    clusters: z
      .custom<object>((v) => typeof v === "object" && v !== null && !Array.isArray(v), "must be a mapping of cluster name to {lateAfter, stallAfter}")
      .nullish(),
    silences: z
      .array(z.object({ cluster: clusterName, from: time.nullish(), until: time, reason }).strict())
      .nullish(),
    decommissioned: z.array(z.object({ cluster: clusterName, at: time, reason }).strict()).nullish(),
  })
  .strict();

/** `silences[1].until`, the way an operator finds it in the file. */
function fieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : `${out ? "." : ""}${String(p)}`;
  return out || "(top level)";
}

/** Parses and checks the YAML text of the object named `object` (for messages). */
export function parseFleetConfig(text: string, object: string): FleetConfig {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new FleetConfigError(object, `not valid YAML: ${doc.errors[0]!.message.split("\n")[0]}`);
  }
  const raw: unknown = doc.toJS() ?? {};
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new FleetConfigError(object, "must be a mapping with expectedClusters, clusters, silences, decommissioned");
  }
  const fail = (error: z.ZodError, prefix: PropertyKey[]): never => {
    const issue = error.issues[0]!;
    const message =
      issue.code === "unrecognized_keys"
        ? `unknown key ${issue.keys.map((k) => JSON.stringify(k)).join(", ")} (the keys are expectedClusters, clusters, silences, decommissioned; a cluster takes lateAfter, stallAfter; a silence cluster, from, until, reason)`
        : issue.message;
    throw new FleetConfigError(object, `${fieldPath([...prefix, ...issue.path])}: ${message}`);
  };
  const parsed = Schema.safeParse(raw);
  if (!parsed.success) return fail(parsed.error, []);
  const p = parsed.data;
  const clusters: Record<string, Partial<Thresholds>> = Object.create(null);
  const entries = p.clusters ? Object.getOwnPropertyNames(p.clusters).map((k) => [k, (p.clusters as Record<string, unknown>)[k]] as const) : [];
  for (const [name, value] of entries) {
    if (name.trim() === "") throw new FleetConfigError(object, "clusters: a cluster name must not be empty");
    const checked = ClusterThresholds.safeParse(value);
    if (!checked.success) return fail(checked.error, ["clusters", name]);
    const t = checked.data;
    const own: Partial<Thresholds> = {};
    if (t?.lateAfter !== undefined) own.lateAfterMs = t.lateAfter;
    if (t?.stallAfter !== undefined) own.stallAfterMs = t.stallAfter;
    clusters[name] = own;
  }
  for (const [i, s] of (p.silences ?? []).entries()) {
    if (s.from != null && s.from >= s.until) throw new FleetConfigError(object, `silences[${i}]: from is not before until`);
  }
  return {
    expectedClusters: [...new Set(p.expectedClusters ?? [])],
    clusters,
    silences: (p.silences ?? []).map((s) => ({ cluster: s.cluster, from: s.from ?? null, until: s.until, reason: s.reason })),
    decommissioned: (p.decommissioned ?? []).map((d) => ({ cluster: d.cluster, at: d.at, reason: d.reason })),
  };
}

/** The silence in force for `cluster` at `now` (the one ending last), or null. */
export function activeSilence(fleet: FleetConfig, cluster: string, now: number): Silence | null {
  let best: Silence | null = null;
  for (const s of fleet.silences) {
    if (s.cluster !== cluster || now >= s.until || (s.from !== null && now < s.from)) continue;
    if (best === null || s.until > best.until) best = s;
  }
  return best;
}

/** Decommissioned at or before `now` (an entry dated later is not in force yet). */
export function decommissionOf(fleet: FleetConfig, cluster: string, now: number): Decommission | null {
  return fleet.decommissioned.find((d) => d.cluster === cluster && d.at <= now) ?? null;
}
