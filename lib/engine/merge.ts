import type { EtlJudgement } from "../federated/judge";
import { worstFirst } from "../federated/judge";
import type { EtlState } from "../federated/state";
import type { Judgement } from "../health/evaluate";
import { emptyReport, type ClusterVerdict, type Report, type RunStats, type Source, type SourceVerdict } from "../health/report";
import type { State } from "../state/state";

const summary = (v: ClusterVerdict): SourceVerdict => ({
  source: v.source!,
  status: v.status,
  dataLagSeconds: v.dataLagSeconds,
  newestMaxTime: v.newestMaxTime,
  lastUploadAt: v.lastUploadAt,
});
const lagOf = (v: ClusterVerdict) => (v.dataLagSeconds === null ? Infinity : v.dataLagSeconds);

/**
 * One cluster found in both sources is one verdict: the fresher source decides, the other is listed
 * in `sources`. Both exist in one bucket during a migration from Thanos to Federated ETL, where one
 * source is meant to stop: alerting on the stale one would page for the migration itself, while the
 * cluster's costs are still arriving through the other. A tie goes to Federated ETL, which Kubecost
 * 2.x reads. A `missing` verdict (an expected cluster) only stands when neither source has data.
 */
export function mergeVerdicts(thanos: readonly ClusterVerdict[], etl: readonly ClusterVerdict[]): ClusterVerdict[] {
  const out = new Map<string, ClusterVerdict>();
  for (const v of thanos) out.set(v.cluster, { ...v, source: "thanos" });
  for (const e of etl) {
    const t = out.get(e.cluster);
    if (t === undefined || t.status === "missing") {
      out.set(e.cluster, e);
      continue;
    }
    if (e.status === "missing") continue;
    const [decider, other] = lagOf(e) <= lagOf(t) ? [e, t] : [t, e];
    out.set(e.cluster, { ...decider, sources: [summary(decider), summary(other)] });
  }
  return [...out.values()].sort(worstFirst);
}

/** The report and state of a run with neither Thanos judgement: Federated ETL alone (`--source federated-etl`). */
function withoutThanos(prev: State, now: number, stats: RunStats): Judgement {
  const report = emptyReport(now, true, stats);
  return { state: { ...prev }, report };
}

/**
 * Merges the Federated ETL judgement into the Thanos one (either may be absent): verdicts tagged with
 * their source, ETL findings beside the Thanos ones, the ETL state under `etl`.
 */
export function mergeSources(prev: State, thanos: Judgement | null, etl: EtlJudgement | null, now: number, stats: RunStats): Judgement {
  const base = thanos ?? withoutThanos(prev, now, stats);
  const known = (name: string) => Object.hasOwn(prev.clusters, name) || (prev.etl != null && Object.hasOwn(prev.etl.clusters, name));
  const report: Report = {
    ...base.report,
    complete: base.report.complete && (etl?.complete ?? true),
    clusters: mergeVerdicts(base.report.clusters, etl?.verdicts ?? []),
    // New to the run's sources and to both halves of the previous state: a migrating cluster is not new.
    newClusters: [...new Set([...base.report.newClusters, ...(etl?.newClusters ?? [])])]
      .filter((n) => !known(n))
      .sort(),
    stats,
    sources: foundSources(thanos, etl),
    dataGaps: etl?.dataGaps ?? [],
    corruptFiles: etl?.corruptFiles ?? [],
  };
  const state: State = { ...base.state, etl: etl ? etl.state : (prev.etl ?? null) };
  return { state, report };
}

function foundSources(thanos: Judgement | null, etl: EtlJudgement | null): Source[] {
  const out: Source[] = [];
  if (thanos) {
    const r = thanos.report;
    const any = r.clusters.some((c) => c.status !== "missing") || r.corruptBlocks.length + r.partialBlocks.length + r.unlabeledBlocks.length > 0;
    if (any) out.push("thanos");
  }
  if (etl && (etl.verdicts.some((v) => v.status !== "missing") || etl.corruptFiles.length > 0 || Object.keys(etl.state.clusters).length > 0)) out.push("federated-etl");
  return out;
}

export type { EtlState };
