import { streamKey } from "../domain/labels";
import { holes, mergeIntervals } from "../health/intervals";
import { thresholdsFor, type Policy } from "../policy/policy";
import { INCIDENT_KINDS, type Incident, type IncidentKind, type Timeline } from "./model";
import { freshnessSteps, lagPeriods, type Period } from "./oracle";
import type { ReplayResult } from "./replay";

/** Kinds whose incidents stall the data by design: they must page. */
export const STALL_KINDS: readonly IncidentKind[] = ["sidecar-down", "upload-denied", "long-outage", "decommissioned"];

export interface Deviation {
  kind: "missed-stall" | "slow-detection" | "false-page" | "duplicate-page" | "missed-recovery" | "duplicate-recovery" | "spurious-recovery" | "late-reminder" | "missed-reminder" | "extra-reminder" | "missed-finding" | "slow-finding" | "unexpected-finding";
  cluster: string;
  at: number;
  incident: string | null;
  evidence: string;
}

export interface IncidentScore {
  incident: Incident;
  /** Stalled periods the data shows (the rule applied continuously to the true uploads). */
  stalls: number;
  /** Whether the monitor said what it should: a page for a stall, a notice for a finding; null when there was nothing to say. */
  detected: boolean | null;
  delayFromStart: number | null;
  delayFromCrossing: number | null;
  falsePages: number;
  duplicatePages: number;
  recoveriesExpected: number;
  recoveriesAnnounced: number;
  missedRecoveries: number;
}

export interface KindRow {
  kind: IncidentKind | "(no incident)";
  incidents: number;
  stalls: number;
  expected: number;
  detected: number;
  delayFromStart: number[];
  delayFromCrossing: number[];
  withinSweep: number;
  falsePages: number;
  duplicatePages: number;
  recoveriesExpected: number;
  missedRecoveries: number;
}

export interface Score {
  scheduleMs: number;
  incidents: IncidentScore[];
  rows: KindRow[];
  totals: {
    pages: number;
    reminders: number;
    recoveries: number;
    falsePages: number;
    falsePagesHealthyDays: number;
    duplicatePages: number;
    missedRecoveries: number;
    duplicateRecoveries: number;
    stallsInData: number;
    stallsDetected: number;
    shortStallsMissed: number;
    /** Reminders against page + k × remind-every: expected, sent at the first run at or after it, later, never, or not due. */
    reminderTiming: { expected: number; onTime: number; late: number; missing: number; extra: number };
    notices: { overlaps: number; partialBlocks: number; newClusters: number; corrupt: number; unlabeled: number; conflicts: number; degraded: number; replicasBack: number; gaps: number };
  };
  deviations: Deviation[];
}

interface ClusterEvent {
  at: number;
  /** forgotten: the cluster left the report (and the ledger) while subscribers were told it was down. */
  type: "page" | "reminder" | "recovery" | "forgotten";
}

const iso = (t: number) => new Date(t).toISOString().replace(/:\d\d\.\d+Z$/, "Z");

/**
 * Scores one replay against the ground truth: each stalled period of the data (the rule applied
 * continuously to the true uploads) must be paged within one sweep of crossing the threshold, exactly
 * once, and announced as recovered exactly once after it ends; every page outside a stalled period
 * is a false page; findings (overlaps, partial blocks, new clusters) must match the incidents.
 * Reminder k of an outage must come at the first run at or after page + k × remind-every.
 * `slackMs`: how far past one sweep a run may start (its jitter and the previous run's).
 */
export function scoreReplay(tl: Timeline, r: ReplayResult, policy: Policy, scheduleMs: number, slackMs = 1000): Score {
  const deviations: Deviation[] = [];
  const uploads = tl.blocks.filter((b) => b.uploadedAt !== null).map((b) => ({ at: b.uploadedAt!, maxTime: b.maxTime, labels: b.labels }));
  const steps = freshnessSteps(uploads, policy.clusterLabel);
  const stalls = new Map<string, Period[]>();
  for (const [c, s] of steps) stalls.set(c, lagPeriods(s, thresholdsFor(policy, c), tl.to).filter((p) => p.status === "stalled" && (p.to === null || p.to > tl.from)));

  const events = new Map<string, ClusterEvent[]>();
  const add = (cluster: string, e: ClusterEvent) => events.set(cluster, [...(events.get(cluster) ?? []), e]);
  const notices = {
    overlaps: [] as { at: number; cluster: string; key: string }[],
    partial: [] as { at: number; block: string }[],
    newClusters: [] as { at: number; cluster: string }[],
    corrupt: 0,
    unlabeled: 0,
    conflicts: [] as { at: number; cluster: string }[],
    degraded: [] as { at: number; cluster: string; key: string }[],
    replicasBack: 0,
    gaps: [] as { at: number; cluster: string; from: number; to: number }[],
  };
  for (const n of r.published) {
    for (const v of n.down) add(v.cluster, { at: n.at, type: "page" });
    for (const v of n.reminders) add(v.cluster, { at: n.at, type: "reminder" });
    for (const x of n.recovered) add(x.verdict.cluster, { at: n.at, type: "recovery" });
    for (const o of n.overlaps) notices.overlaps.push({ at: n.at, cluster: o.cluster, key: streamKey(o.labels) });
    for (const p of n.partialBlocks) notices.partial.push({ at: n.at, block: p.block });
    for (const v of n.newClusters) notices.newClusters.push({ at: n.at, cluster: v.cluster });
    for (const c of n.conflicts ?? []) notices.conflicts.push({ at: n.at, cluster: c.cluster });
    for (const d of n.degraded ?? []) notices.degraded.push({ at: n.at, cluster: d.cluster, key: streamKey(d.labels) });
    notices.replicasBack += n.replicasBack?.length ?? 0;
    for (const g of n.gaps ?? []) notices.gaps.push({ at: n.at, cluster: g.cluster, from: Date.parse(g.from), to: Date.parse(g.to) });
    for (const x of n.recovered) for (const g of x.lost ?? []) notices.gaps.push({ at: n.at, cluster: x.verdict.cluster, from: Date.parse(g.from), to: Date.parse(g.to) });
    notices.corrupt += n.corruptBlocks.length;
    notices.unlabeled += n.unlabeled.length;
  }
  for (const [cluster, changes] of r.statuses) for (const c of changes) if (c.status === "absent") add(cluster, { at: c.at, type: "forgotten" });

  // Which incident a cluster's moment belongs to: the incident window, plus the time its effects take to clear.
  const tail = (i: Incident) => (i.kind === "long-outage" || i.kind === "upload-denied" || i.kind === "sidecar-down" ? 12 * 3_600_000 : 6 * 3_600_000);
  const incidentAt = (cluster: string, t: number): Incident | null =>
    tl.incidents.find((i) => i.cluster === cluster && i.start - 3_600_000 <= t && (i.end === null || t <= i.end + tail(i)) && i.kind !== "new-cluster") ?? null;
  const dayOf = (t: number) => Math.floor(t / 86_400_000);
  const incidentDays = new Set<string>();
  for (const i of tl.incidents) {
    for (let d = dayOf(i.start); d <= dayOf(Math.min(i.end ?? tl.to, tl.to) + tail(i)); d++) incidentDays.add(`${i.cluster}@${d}`);
  }

  const perIncident = new Map<Incident, IncidentScore>(
    tl.incidents.map((i) => [
      i,
      { incident: i, stalls: 0, detected: null, delayFromStart: null, delayFromCrossing: null, falsePages: 0, duplicatePages: 0, recoveriesExpected: 0, recoveriesAnnounced: 0, missedRecoveries: 0 },
    ]),
  );
  const unattributed: IncidentScore = { incident: { id: "-", kind: "sidecar-down", cluster: "-", start: 0, end: 0, detail: "" }, stalls: 0, detected: null, delayFromStart: null, delayFromCrossing: null, falsePages: 0, duplicatePages: 0, recoveriesExpected: 0, recoveriesAnnounced: 0, missedRecoveries: 0 };
  const unattributedDelays: { start: number[]; crossing: number[]; detected: number; within: number } = { start: [], crossing: [], detected: 0, within: 0 };
  const scoreOf = (i: Incident | null) => (i ? perIncident.get(i)! : unattributed);

  let falsePages = 0;
  let falseHealthy = 0;
  let duplicatePages = 0;
  let missedRecoveries = 0;
  let duplicateRecoveries = 0;
  let stallsInData = 0;
  let stallsDetected = 0;
  let shortMissed = 0;
  const totals = { pages: 0, reminders: 0, recoveries: 0 };
  const reminderTiming = { expected: 0, onTime: 0, late: 0, missing: 0, extra: 0 };

  const clusters = new Set([...stalls.keys(), ...events.keys()]);
  for (const cluster of [...clusters].sort()) {
    const periods = stalls.get(cluster) ?? [];
    const evs = (events.get(cluster) ?? []).sort((a, b) => a.at - b.at);
    const used = new Set<ClusterEvent>();
    totals.pages += evs.filter((e) => e.type === "page").length;
    totals.reminders += evs.filter((e) => e.type === "reminder").length;
    totals.recoveries += evs.filter((e) => e.type === "recovery").length;

    // Episodes: the stall periods of one incident (a backlog shipped oldest first can dip below the
    // threshold and cross it again), or unattributed periods closer than one sweep, are one outage.
    const episodes: { from: number; to: number | null; periods: Period[]; inc: Incident | null }[] = [];
    for (const p of periods) {
      const inc = incidentAt(cluster, p.from);
      const last = episodes.at(-1);
      if (last && last.to !== null && ((inc !== null && last.inc === inc) || (inc === null && last.inc === null && p.from - last.to < scheduleMs))) {
        last.periods.push(p);
        last.to = p.to;
      } else episodes.push({ from: p.from, to: p.to, periods: [p], inc });
    }
    for (const [k, ep] of episodes.entries()) {
      const end = ep.to ?? Infinity;
      const crossing = Math.max(ep.from, tl.from);
      const inc = ep.inc;
      const s = scoreOf(inc);
      s.stalls += ep.periods.length;
      stallsInData += 1;
      const within = evs.filter((e) => e.at > ep.from && e.at < end);
      const pages = within.filter((e) => e.type === "page");
      pages.forEach((e) => used.add(e));
      // Already down for subscribers when the episode began (an earlier page never followed by a recovery).
      const before = evs.filter((e) => e.at <= ep.from && e.type !== "reminder").at(-1);
      const carried = before?.type === "page";
      const detectedAt = carried ? crossing : pages[0]?.at ?? null;
      const short = end - crossing < scheduleMs && !carried && detectedAt === null;
      const span = `${iso(ep.from)} – ${ep.to === null ? "the end" : iso(ep.to)}`;
      if (detectedAt === null) {
        if (short) shortMissed += 1;
        else deviations.push({ kind: "missed-stall", cluster, at: crossing, incident: inc?.id ?? null, evidence: `data stalled ${span}; no page` });
      } else {
        stallsDetected += 1;
        if (detectedAt - crossing > scheduleMs + slackMs) {
          deviations.push({ kind: "slow-detection", cluster, at: detectedAt, incident: inc?.id ?? null, evidence: `threshold crossed ${iso(crossing)}, paged ${iso(detectedAt)}` });
        }
      }
      if (inc && s.detected === null) {
        // The incident's first stall decides its detection and delays.
        s.detected = detectedAt !== null || short;
        if (detectedAt !== null) {
          s.delayFromStart = detectedAt - inc.start;
          s.delayFromCrossing = detectedAt - crossing;
        }
      }
      if (!inc && detectedAt !== null) {
        unattributedDelays.detected += 1;
        unattributedDelays.crossing.push(detectedAt - crossing);
        if (detectedAt - crossing <= scheduleMs + slackMs) unattributedDelays.within += 1;
      }
      const extra = pages.slice(carried ? 0 : 1);
      s.duplicatePages += extra.length;
      duplicatePages += extra.length;
      for (const e of extra) deviations.push({ kind: "duplicate-page", cluster, at: e.at, incident: inc?.id ?? null, evidence: `another page within one outage (data stalled ${span})` });
      // A recovery followed by another page within the same outage (the lag dipped under the threshold
      // between two stalled periods and a run saw it): the outage was announced twice.
      const lastPage = pages.at(-1)?.at ?? -Infinity;
      for (const e of within.filter((x) => x.type === "recovery")) {
        used.add(e);
        if (e.at > lastPage) continue;
        duplicateRecoveries += 1;
        deviations.push({ kind: "duplicate-recovery", cluster, at: e.at, incident: inc?.id ?? null, evidence: `recovered, then paged again within one outage (data stalled ${span}): the lag dipped under stall-after between stalled periods` });
      }
      // Recovery: announced once after the outage's last page (early, in a dip, is fine if no page follows).
      if (ep.to !== null && detectedAt !== null && ep.to <= tl.to - scheduleMs) {
        const nextStart = episodes[k + 1]?.from ?? Infinity;
        const final = evs.filter((e) => e.type === "recovery" && e.at > Math.max(lastPage, ep.from) && e.at <= nextStart);
        final.forEach((e) => used.add(e));
        s.recoveriesExpected += 1;
        s.recoveriesAnnounced += Math.min(1, final.length);
        if (final.length === 0) {
          s.missedRecoveries += 1;
          missedRecoveries += 1;
          deviations.push({ kind: "missed-recovery", cluster, at: ep.to, incident: inc?.id ?? null, evidence: `data fresh again at ${iso(ep.to)}; no recovery notice` });
        } else if (final.length > 1) {
          duplicateRecoveries += final.length - 1;
          deviations.push({ kind: "duplicate-recovery", cluster, at: final[1]!.at, incident: inc?.id ?? null, evidence: `${final.length} recovery notices for one outage` });
        } else if (final[0]!.at - ep.to > scheduleMs + slackMs) {
          deviations.push({ kind: "missed-recovery", cluster, at: final[0]!.at, incident: inc?.id ?? null, evidence: `data fresh again at ${iso(ep.to)}, recovery announced only ${iso(final[0]!.at)}` });
        }
      }
    }
    for (const e of evs) {
      if (used.has(e)) continue;
      const inc = incidentAt(cluster, e.at);
      if (e.type === "page") {
        falsePages += 1;
        scoreOf(inc).falsePages += 1;
        const healthy = !incidentDays.has(`${cluster}@${dayOf(e.at)}`);
        if (healthy) falseHealthy += 1;
        deviations.push({ kind: "false-page", cluster, at: e.at, incident: inc?.id ?? null, evidence: `paged while the data was not stalled${healthy ? " (healthy day)" : ""}` });
      } else if (e.type === "recovery") {
        // A recovery with no stalled period before it that was paged: announced without cause.
        const prevPage = evs.filter((x) => x.at < e.at && x.type !== "reminder").at(-1);
        if (prevPage?.type !== "page") deviations.push({ kind: "spurious-recovery", cluster, at: e.at, incident: inc?.id ?? null, evidence: "recovery notice without a page before it" });
      }
    }
    // Reminders: reminder k at the first run at or after page + k × remind-every where the cluster is down.
    for (const d of scoreReminders(evs, r.statuses.get(cluster) ?? [], r.runTimes, policy.remindEveryMs, r.runTimes.at(-1) ?? tl.to)) {
      reminderTiming[d.kind] += 1;
      if (d.kind === "onTime" || d.kind === "expected") continue;
      if (d.kind === "extra") duplicatePages += 1;
      const kind = d.kind === "late" ? "late-reminder" : d.kind === "missing" ? "missed-reminder" : "extra-reminder";
      deviations.push({ kind, cluster, at: d.at, incident: incidentAt(cluster, d.at)?.id ?? null, evidence: d.evidence });
    }
  }

  // Findings: overlaps for duplicate cluster_ids, partial blocks for IAM failures, new clusters.
  const usedOverlaps = new Set<number>();
  const usedConflicts = new Set<number>();
  const usedDegraded = new Set<number>();
  const usedNew = new Set<number>();
  for (const i of tl.incidents) {
    const s = perIncident.get(i)!;
    if (i.kind === "duplicate-cluster-id") {
      const imposters = new Set(tl.instances.filter((x) => x.id.startsWith(`${i.renamedTo}/`)).map((x) => x.id));
      const first = Math.min(...tl.blocks.filter((b) => imposters.has(b.instance) && b.uploadedAt !== null && b.labels[policy.clusterLabel] === i.cluster).map((b) => b.uploadedAt!));
      // Same label set: an overlap notice; a different one (the first cluster added a label): a two-sources notice.
      const hit = notices.overlaps.findIndex((o, k) => !usedOverlaps.has(k) && o.cluster === i.cluster && o.at >= i.start);
      const twoSources = notices.conflicts.findIndex((o, k) => !usedConflicts.has(k) && o.cluster === i.cluster && o.at >= i.start);
      const at = [hit >= 0 ? notices.overlaps[hit]!.at : Infinity, twoSources >= 0 ? notices.conflicts[twoSources]!.at : Infinity].reduce((a, b) => Math.min(a, b));
      finding(s, i, Number.isFinite(at) ? at : null, first, "overlap or two-sources notice");
      // Every notice about this cluster while the duplicate ran (one per label set of an HA pair) belongs to it.
      const during = (o: { cluster: string; at: number }) => o.cluster === i.cluster && o.at >= i.start && o.at <= (i.end ?? tl.to) + scheduleMs;
      notices.overlaps.forEach((o, k) => during(o) && usedOverlaps.add(k));
      notices.conflicts.forEach((o, k) => during(o) && usedConflicts.add(k));
    } else if (i.kind === "replica-down") {
      // The replica's stream stalls once its lag passes stall-after: then a degraded-pair warning.
      const inst = tl.instances.find((x) => x.blocked.some((b) => b.incident === i))!;
      const shipped = tl.blocks.filter((b) => b.instance === inst.id && b.uploadedAt !== null && b.uploadedAt <= i.start);
      const newest = Math.max(...shipped.map((b) => b.maxTime));
      // Stalled, and its twin more than one block ahead (rules/degraded.ts): the twin's first
      // upload of data ending past newest + 2h.
      const ahead = tl.blocks
        .filter((b) => b.instance !== inst.id && b.instance.startsWith(`${i.cluster}/`) && b.uploadedAt !== null && b.maxTime > newest + 2 * 3_600_000)
        .reduce((a, b) => Math.min(a, b.uploadedAt!), Infinity);
      const due = Math.max(newest + thresholdsFor(policy, i.cluster).stallAfterMs, ahead);
      const hit = notices.degraded.findIndex((d, k) => !usedDegraded.has(k) && d.cluster === i.cluster && d.at >= i.start);
      if (due < (i.end ?? tl.to)) finding(s, i, hit >= 0 ? notices.degraded[hit]!.at : null, Math.max(due, tl.from), "degraded-replica warning");
      notices.degraded.forEach((d, k) => d.cluster === i.cluster && d.at >= i.start && d.at <= (i.end ?? tl.to) + scheduleMs && usedDegraded.add(k));
    } else if (i.kind === "new-cluster") {
      const first = Math.min(...tl.blocks.filter((b) => b.instance.startsWith(`${i.cluster}/`) && b.uploadedAt !== null).map((b) => b.uploadedAt!));
      const hit = notices.newClusters.findIndex((n, k) => !usedNew.has(k) && n.cluster === i.cluster);
      if (hit >= 0) usedNew.add(hit);
      finding(s, i, hit >= 0 ? notices.newClusters[hit]!.at : null, first, "new-cluster notice");
    } else if (i.kind === "upload-denied" && i.partialBlock) {
      const p = tl.partials.find((x) => x.ulid === i.partialBlock);
      const hit = notices.partial.find((n) => n.block === i.partialBlock);
      if (p && (p.until === null || p.until - p.since > policy.partialAfterMs + scheduleMs)) {
        const due = p.since + policy.partialAfterMs;
        if (!hit) deviations.push({ kind: "missed-finding", cluster: i.cluster, at: due, incident: i.id, evidence: `partial block ${i.partialBlock} never announced` });
        else if (hit.at - due > scheduleMs + slackMs) deviations.push({ kind: "slow-finding", cluster: i.cluster, at: hit.at, incident: i.id, evidence: `partial block ${i.partialBlock} due ${iso(due)}, announced ${iso(hit.at)}` });
      }
    }
  }
  function finding(s: IncidentScore, i: Incident, at: number | null, crossing: number, what: string) {
    s.detected = at !== null;
    if (at === null) {
      deviations.push({ kind: "missed-finding", cluster: i.cluster, at: crossing, incident: i.id, evidence: `no ${what}` });
      return;
    }
    s.delayFromStart = at - i.start;
    s.delayFromCrossing = at - crossing;
    if (at - crossing > scheduleMs + slackMs) deviations.push({ kind: "slow-finding", cluster: i.cluster, at, incident: i.id, evidence: `${what} ${iso(at)}, first evidence in the bucket ${iso(crossing)}` });
  }
  // Data gaps: where no shipped block of a cluster has data, longer than the tolerance, with data
  // after it shipped at least a sweep before the end. Each must be announced (a warning, or with the
  // recovery); a gap notice where data was not lost is a false warning.
  const trueGaps: { cluster: string; from: number; to: number; evidence: number }[] = [];
  const byCluster = new Map<string, { minTime: number; maxTime: number; at: number }[]>();
  for (const b of tl.blocks) {
    const c = b.labels[policy.clusterLabel];
    if (b.uploadedAt === null || c === undefined) continue;
    byCluster.set(c, [...(byCluster.get(c) ?? []), { minTime: b.minTime, maxTime: b.maxTime, at: b.uploadedAt }]);
  }
  for (const [cluster, list] of byCluster) {
    for (const [from, to] of holes(mergeIntervals(list.map((b) => [b.minTime, b.maxTime])), policy.gapToleranceMs)) {
      const evidence = Math.min(...list.filter((b) => b.minTime >= to).map((b) => b.at));
      // Seen by the monitor only with data before it still in the lookback when the data after it lands.
      if (from > evidence - policy.lookbackMs && evidence >= tl.from && evidence <= tl.to - scheduleMs) trueGaps.push({ cluster, from, to, evidence });
    }
  }
  const usedGaps = new Set<number>();
  for (const g of trueGaps) {
    const hit = notices.gaps.findIndex((n) => n.cluster === g.cluster && n.from < g.to && g.from < n.to);
    notices.gaps.forEach((n, k) => n.cluster === g.cluster && n.from < g.to && g.from < n.to && usedGaps.add(k));
    const inc = tl.incidents.find((i) => i.cluster === g.cluster && i.kind === "prometheus-restart" && i.start < g.to && g.from < (i.end ?? tl.to));
    if (inc) finding(perIncident.get(inc)!, inc, hit >= 0 ? notices.gaps[hit]!.at : null, g.evidence, "gap warning");
    else if (hit < 0) deviations.push({ kind: "missed-finding", cluster: g.cluster, at: g.evidence, incident: incidentAt(g.cluster, g.from)?.id ?? null, evidence: `data lost ${iso(g.from)} – ${iso(g.to)}; never announced` });
  }
  notices.gaps.forEach((n, k) => {
    if (!usedGaps.has(k)) deviations.push({ kind: "unexpected-finding", cluster: n.cluster, at: n.at, incident: incidentAt(n.cluster, n.from)?.id ?? null, evidence: `gap notice ${iso(n.from)} – ${iso(n.to)}, but the data was shipped` });
  });

  // New-cluster notices for renamed duplicates are expected; any other is not.
  const renamed = new Set(tl.incidents.map((i) => i.renamedTo).filter(Boolean));
  notices.newClusters.forEach((n, k) => {
    if (!usedNew.has(k) && !renamed.has(n.cluster)) deviations.push({ kind: "unexpected-finding", cluster: n.cluster, at: n.at, incident: null, evidence: "new-cluster notice for a cluster that is not new" });
  });
  notices.overlaps.forEach((o, k) => {
    if (!usedOverlaps.has(k)) deviations.push({ kind: "unexpected-finding", cluster: o.cluster, at: o.at, incident: null, evidence: "overlap notice without a duplicate cluster_id" });
  });
  notices.conflicts.forEach((o, k) => {
    if (!usedConflicts.has(k)) deviations.push({ kind: "unexpected-finding", cluster: o.cluster, at: o.at, incident: null, evidence: "two-sources notice without a second cluster on its cluster_id" });
  });
  notices.degraded.forEach((o, k) => {
    if (!usedDegraded.has(k)) deviations.push({ kind: "unexpected-finding", cluster: o.cluster, at: o.at, incident: null, evidence: "degraded-replica warning without a replica down" });
  });
  const truePartials = new Set(tl.partials.map((p) => p.ulid));
  for (const n of notices.partial) {
    if (!truePartials.has(n.block)) deviations.push({ kind: "unexpected-finding", cluster: "-", at: n.at, incident: null, evidence: `partial-block notice for ${n.block}, which was never an aborted upload` });
  }

  // Per kind.
  const rows: KindRow[] = [];
  for (const kind of INCIDENT_KINDS) {
    const list = [...perIncident.values()].filter((s) => s.incident.kind === kind);
    if (list.length === 0) continue;
    const expected = list.filter((s) => s.detected !== null);
    rows.push({
      kind,
      incidents: list.length,
      stalls: list.reduce((a, s) => a + s.stalls, 0),
      expected: expected.length,
      detected: expected.filter((s) => s.detected).length,
      delayFromStart: expected.map((s) => s.delayFromStart).filter((d): d is number => d !== null),
      delayFromCrossing: expected.map((s) => s.delayFromCrossing).filter((d): d is number => d !== null),
      withinSweep: expected.filter((s) => s.delayFromCrossing !== null && s.delayFromCrossing <= scheduleMs + slackMs).length,
      falsePages: list.reduce((a, s) => a + s.falsePages, 0),
      duplicatePages: list.reduce((a, s) => a + s.duplicatePages, 0),
      recoveriesExpected: list.reduce((a, s) => a + s.recoveriesExpected, 0),
      missedRecoveries: list.reduce((a, s) => a + s.missedRecoveries, 0),
    });
  }
  rows.push({
    kind: "(no incident)",
    incidents: 0,
    stalls: unattributed.stalls,
    expected: unattributed.stalls,
    detected: unattributedDelays.detected,
    delayFromStart: [],
    delayFromCrossing: unattributedDelays.crossing,
    withinSweep: unattributedDelays.within,
    falsePages: unattributed.falsePages,
    duplicatePages: unattributed.duplicatePages,
    recoveriesExpected: unattributed.recoveriesExpected,
    missedRecoveries: unattributed.missedRecoveries,
  });

  deviations.sort((a, b) => a.at - b.at || (a.cluster < b.cluster ? -1 : 1));
  return {
    scheduleMs,
    incidents: [...perIncident.values()],
    rows,
    totals: {
      ...totals,
      falsePages,
      falsePagesHealthyDays: falseHealthy,
      duplicatePages,
      missedRecoveries,
      duplicateRecoveries,
      stallsInData,
      stallsDetected,
      shortStallsMissed: shortMissed,
      reminderTiming,
      notices: { overlaps: notices.overlaps.length, partialBlocks: notices.partial.length, newClusters: notices.newClusters.length, corrupt: notices.corrupt, unlabeled: notices.unlabeled, conflicts: notices.conflicts.length, degraded: notices.degraded.length, replicasBack: notices.replicasBack, gaps: notices.gaps.length },
    },
    deviations,
  };
}

interface ReminderVerdict {
  /** expected: one per reminder due (its run); then onTime, late or missing for it; extra: none due. */
  kind: "expected" | "onTime" | "late" | "missing" | "extra";
  at: number;
  evidence: string;
}

/**
 * One cluster's reminders against DOMAIN.md section 4: an outage paged at P (it lasts until the
 * recovery notice, or the next page) gets reminder k at the first run at or after P + k × every at
 * which the cluster is still reported stalled or missing (a run that sees it late, or not at all,
 * sends none). Several steps landing on one run make one reminder. Each expected reminder is sent
 * at that run (on time), at a later run before the next is due (late), or never (missing); any other
 * reminder is extra.
 */
export function scoreReminders(
  evs: readonly ClusterEvent[],
  statuses: readonly { at: number; status: string }[],
  runTimes: readonly number[],
  everyMs: number,
  lastRun: number,
): ReminderVerdict[] {
  const out: ReminderVerdict[] = [];
  if (everyMs <= 0) {
    for (const e of evs) if (e.type === "reminder") out.push({ kind: "extra", at: e.at, evidence: "reminder while reminders are off" });
    return out;
  }
  const statusAt = (t: number) => {
    let lo = 0;
    let hi = statuses.length - 1;
    let found = "absent";
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (statuses[mid]!.at <= t) {
        found = statuses[mid]!.status;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
  const firstRunFrom = (t: number) => {
    let lo = 0;
    let hi = runTimes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (runTimes[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const pages = evs.filter((e) => e.type === "page");
  for (const [n, page] of pages.entries()) {
    const recovery = evs.find((e) => e.type === "recovery" && e.at > page.at);
    const end = Math.min(recovery?.at ?? Infinity, pages[n + 1]?.at ?? Infinity, lastRun + 1);
    const sent = evs.filter((e) => e.type === "reminder" && e.at > page.at && e.at < end).map((e) => e.at);
    const expected: { due: number; k: number; run: number }[] = [];
    for (let k = 1; page.at + k * everyMs < end; k++) {
      const due = page.at + k * everyMs;
      let i = firstRunFrom(due);
      while (i < runTimes.length && runTimes[i]! < end && statusAt(runTimes[i]!) !== "stalled" && statusAt(runTimes[i]!) !== "missing") i++;
      if (i >= runTimes.length || runTimes[i]! >= end) break;
      if (expected.at(-1)?.run !== runTimes[i]) expected.push({ due, k, run: runTimes[i]! });
    }
    const used = new Set<number>();
    for (const [j, e] of expected.entries()) {
      out.push({ kind: "expected", at: e.run, evidence: "" });
      const nextRun = expected[j + 1]?.run ?? end;
      const hit = sent.find((t) => !used.has(t) && t >= e.run && t < nextRun);
      const step = `reminder ${e.k} due ${isoMinute(e.due)} (page ${isoMinute(page.at)} + ${e.k} × ${Math.round(everyMs / 3_600_000)}h)`;
      if (hit === undefined) out.push({ kind: "missing", at: e.run, evidence: `${step}: never sent` });
      else {
        used.add(hit);
        if (hit === e.run) out.push({ kind: "onTime", at: hit, evidence: "" });
        else out.push({ kind: "late", at: hit, evidence: `${step}, first run at or after it ${isoMinute(e.run)}, sent ${isoMinute(hit)}` });
      }
    }
    for (const t of sent) if (!used.has(t)) out.push({ kind: "extra", at: t, evidence: `reminder ${isoMinute(t)} with none due (page ${isoMinute(page.at)})` });
  }
  return out;
}

const isoMinute = (t: number) => new Date(t).toISOString().slice(0, 16).replace("T", " ") + "Z";
