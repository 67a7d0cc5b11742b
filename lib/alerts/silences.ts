import type { Report } from "../health/report";
import { isDown } from "../health/status";
import { activeSilence, decommissionOf, type FleetConfig } from "../fleet/fleet-config";
import type { Policy } from "../policy/policy";
import { decideAlerts, type AlertDecision } from "./decide";
import type { ClusterNotice, Ledger } from "./ledger";
import { emptyNotification, isEmpty, type Notification } from "./notification";

/**
 * Silences and decommissions, applied around decideAlerts (which knows nothing of them).
 *
 * Silence (a Healthchecks.io pause that does not end on the next ping; a Cronitor maintenance
 * window: `from`..`until`): the cluster is judged, drawn and counted as usual and marked
 * `silenced`, but its down, reminder and recovery notices are not sent. The ledger keeps what
 * subscribers were last told, as if the run had said nothing about it: so a cluster that went
 * down during the silence and is still down when it ends is announced then, once; one that
 * recovers during it is forgotten silently; one already announced before the silence gets its
 * reminder when the silence ends (if one is due by then). Findings (overlaps, corrupt or partial
 * blocks) are still announced: they are warnings about the bucket, not pages.
 *
 * Decommission: the cluster is gone on purpose. It leaves the report (not judged, not counted,
 * no metric), the expected clusters (mergeFleetPolicy) and the ledger (no reminder, no recovery,
 * ever); subscribers hear once, as info, that it was decommissioned.
 *
 * Time is `now` alone: a silence is in force when from <= now < until.
 */

/** The post-evaluate step: marks silenced clusters, takes decommissioned ones out of the report. */
export function applyFleetToReport(report: Report, fleet: FleetConfig, now: number): Report {
  const decommissioned: NonNullable<Report["decommissioned"]> = [];
  const clusters: Report["clusters"] = [];
  for (const v of report.clusters) {
    const gone = decommissionOf(fleet, v.cluster, now);
    if (gone) {
      decommissioned.push({ cluster: v.cluster, at: new Date(gone.at).toISOString() });
      continue;
    }
    const s = activeSilence(fleet, v.cluster, now);
    clusters.push(s ? { ...v, silenced: { until: new Date(s.until).toISOString(), reason: s.reason } } : v);
  }
  const goneNames = new Set(decommissioned.map((d) => d.cluster));
  return {
    ...report,
    clusters,
    newClusters: report.newClusters.filter((c) => !goneNames.has(c)),
    ...(decommissioned.length > 0 ? { decommissioned } : {}),
  };
}

/**
 * What a run uses when the fleet config cannot be read or does not validate: no silence (a page
 * during maintenance beats a page withheld by a config nobody can read), but the decommissions
 * subscribers were already told of stay in force: those clusters are gone whatever the object says.
 */
export function fallbackFleet(ledger: Ledger | null): FleetConfig {
  return {
    expectedClusters: [],
    clusters: Object.create(null),
    silences: [],
    decommissioned: (ledger?.decommissioned ?? []).map((cluster) => ({ cluster, at: 0, reason: null })),
  };
}

export interface FleetProblem {
  /** The object's name (s3://bucket/key or a path). */
  object: string;
  reason: string;
}

/**
 * decideAlerts on a report already through applyFleetToReport, then silences and decommissions
 * applied to what it would announce and to the ledger it would save. `problem`: the fleet config
 * could not be used this run (the report was judged without it); subscribers hear it as a
 * warning, again every `remindEveryMs` while it lasts, and again when the reason changes.
 */
export function decideFleetAlerts(
  ledger: Ledger | null,
  report: Report,
  now: number,
  policy: Pick<Policy, "remindEveryMs">,
  fleet: FleetConfig,
  problem: FleetProblem | null = null,
): AlertDecision {
  const decision = decideAlerts(ledger, report, now, policy);
  if (!report.complete || decision.ledgerAfterPublish === null) return decision;

  const silenced = new Set(report.clusters.filter((v) => v.silenced).map((v) => v.cluster));
  const before = new Map<string, ClusterNotice>((ledger?.clusters ?? []).map((c) => [c.cluster, c]));
  const n: Notification | null = decision.notification ? { ...decision.notification } : null;
  const after = decision.ledgerAfterPublish;
  let clusters = after.clusters;

  if (n && silenced.size > 0) {
    const retracted = new Set([...n.down, ...n.reminders].map((v) => v.cluster).filter((c) => silenced.has(c)));
    n.down = n.down.filter((v) => !silenced.has(v.cluster));
    n.reminders = n.reminders.filter((v) => !silenced.has(v.cluster));
    // A recovery during a silence is not announced; the ledger already forgets the outage.
    n.recovered = n.recovered.filter((r) => !silenced.has(r.verdict.cluster));
    // Not told: the ledger keeps what subscribers last heard about these clusters.
    clusters = clusters?.map((c) => (retracted.has(c.cluster) ? keepTold(c, before.get(c.cluster)) : c)) ?? null;
  }

  // Decommissioned: out of the ledger for good, announced once.
  const gone = fleet.decommissioned.filter((d) => decommissionOf(fleet, d.cluster, now) !== null);
  const goneNames = new Set(gone.map((d) => d.cluster));
  if (clusters) clusters = clusters.filter((c) => !goneNames.has(c.cluster));
  const told = new Set(ledger?.decommissioned ?? []);
  const news = ledger === null ? [] : gone.filter((d) => !told.has(d.cluster));

  let fleetNotice: { reason: string; notifiedAt: number } | null = null;
  let announceProblem = false;
  if (problem) {
    const last = ledger?.fleetConfig ?? null;
    announceProblem =
      last === null || last.reason !== problem.reason || (policy.remindEveryMs > 0 && now - last.notifiedAt >= policy.remindEveryMs);
    fleetNotice = announceProblem ? { reason: problem.reason, notifiedAt: now } : last;
  }

  const out: Notification = n ?? emptyNotification(now);
  if (news.length > 0) {
    out.decommissioned = news
      .map((d) => ({ cluster: d.cluster, at: new Date(d.at).toISOString(), reason: d.reason }))
      .sort((a, b) => (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0));
  }
  if (problem && announceProblem) out.fleetConfig = { object: problem.object, reason: problem.reason };

  const ledgerAfterPublish: Ledger = {
    ...after,
    clusters,
    decommissioned: [...goneNames].sort(),
    fleetConfig: fleetNotice,
  };
  return { notification: isEmpty(out) ? null : out, ledgerAfterPublish };
}

/** The ledger entry of a silenced cluster whose notice was withheld: what subscribers last heard. */
function keepTold(proposed: ClusterNotice, told: ClusterNotice | undefined): ClusterNotice {
  if (told?.down && proposed.down && isDown(proposed.down.status)) return { cluster: told.cluster, down: { ...told.down, status: proposed.down.status } };
  return { cluster: proposed.cluster, down: null };
}
