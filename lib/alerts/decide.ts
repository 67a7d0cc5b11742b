import { streamKey, type Labels } from "../domain/labels";
import type { ClusterVerdict, Report } from "../health/report";
import { isDown, STATUS_ORDER } from "../health/status";
import type { Policy } from "../policy/policy";
import type { ClusterNotice, Ledger } from "./ledger";
import { emptyNotification, isEmpty, type Notification, type Recovery, type UnlabeledGroup } from "./notification";

export interface AlertDecision {
  /** What to publish, or null when subscribers have nothing new to hear. */
  notification: Notification | null;
  /**
   * The ledger once `notification` reached subscribers. Save it when the publish succeeded or when
   * there was nothing to publish (it may still change silently: late/ok moves, forgotten clusters);
   * keep the old ledger when the publish failed, so the same news is decided again next run.
   * Null only when the ledger was null and the report incomplete.
   */
  ledgerAfterPublish: Ledger | null;
}

/** Findings are announced once per key: overlaps and unlabeled blocks per label set, the others per block. */
export const findingKey = {
  overlap: (labels: Labels) => `overlap:${streamKey(labels)}`,
  unlabeled: (labels: Labels) => `unlabeled:${streamKey(labels)}`,
  partial: (block: string) => `partial:${block}`,
  corrupt: (block: string) => `corrupt:${block}`,
  dataGap: (g: { cluster: string; kind: string; from: string }) => `gap:${g.cluster}:${g.kind}:${g.from}`,
  corruptFile: (file: string) => `corrupt-file:${file}`,
  compactorStalled: "compactor:stalled",
  retentionOverdue: "retention:overdue",
  /** Per cluster and the sources involved (their labels that differ): a replica coming or going is not news. */
  conflict: (c: NonNullable<Report["conflicts"]>[number]) =>
    `conflict:${JSON.stringify([c.cluster, [...new Set(c.streams.map((l) => JSON.stringify(c.differingLabels.map((k) => (Object.hasOwn(l, k) ? l[k] : null)))))].sort()])}`,
  degraded: (labels: Labels) => `degraded:${streamKey(labels)}`,
  gap: (cluster: string, from: string) => `gap:${JSON.stringify([cluster, from])}`,
};

/** How long a down cluster absent from the report is remembered as down (no reminders meanwhile). */
export const FORGET_DOWN_AFTER_MS = 30 * 24 * 3_600_000;

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const worstFirst = (a: ClusterVerdict, b: ClusterVerdict) =>
  STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) || byName(a.cluster, b.cluster);

/**
 * Healthchecks-style transitions: a cluster is announced when it goes down (stalled or missing),
 * reminded at page + k × `remindEveryMs` while it stays down (reminderDue; 0 disables reminders),
 * and announced once when it is `ok` again (DOMAIN.md section 4). `late` after a stall is not yet a recovery: a sidecar
 * shipping its backlog passes through late, and announcing it there made stalled → late → stalled
 * page twice within the hour. Findings are announced on first sight only.
 *
 * - No ledger (first run, or state rebuilt): whoever deploys blockwatch wants to hear what is broken
 *   today, so the one notification holds the clusters already down and every finding already
 *   present (overlaps, corrupt, partial and unlabeled blocks); nothing is "new" or "recovered",
 *   there is nothing to compare with.
 * - Incomplete report (run stopped on its time budget): verdicts may lack the newest blocks, so a
 *   recovery could be missed or a stall invented. Nothing is decided: null and the ledger unchanged.
 * - A cluster absent from the report (its blocks left the lookback and it is not expected) leaves
 *   the ledger silently if it was up. One that was down stays in the ledger, unannounced, for
 *   FORGET_DOWN_AFTER_MS after its last notice: when it uploads again (or a compactor block of its
 *   old data appears) that is its recovery or still the same outage, not a new cluster and not a
 *   second page. Findings that left the report are forgotten silently (a recurrence is announced again).
 */
export function decideAlerts(
  ledger: Ledger | null,
  report: Report,
  now: number,
  policy: Pick<Policy, "remindEveryMs">,
): AlertDecision {
  if (!report.complete) return { notification: null, ledgerAfterPublish: ledger };

  const told = new Map<string, ClusterNotice>((ledger?.clusters ?? []).map((c) => [c.cluster, c]));
  const toldFindings = new Set(ledger?.findings ?? []);
  // No report decided yet: a new ledger, or one that only holds a bucket-failure notice.
  const firstRun = ledger === null || ledger.clusters === null;

  const n: Notification = emptyNotification(now);
  const clusters: ClusterNotice[] = [];

  for (const v of [...report.clusters].sort(worstFirst)) {
    const before = told.get(v.cluster);
    // A missing cluster has no blocks: it is an expected name, not a new one worth a typo check.
    if (!firstRun && before === undefined && v.status !== "missing") n.newClusters.push(v);

    if (v.status === "late" && before?.down) {
      // Catching up, not recovered yet: no recovery notice, no reminder.
      clusters.push(before);
      continue;
    }
    if (!isDown(v.status)) {
      if (before?.down) n.recovered.push({ verdict: v, was: before.down.status, downSince: before.down.since } satisfies Recovery);
      clusters.push({ cluster: v.cluster, down: null });
      continue;
    }
    const status = v.status as "stalled" | "missing";
    // A ledger saved before pages were kept anchors on its last notice from here on.
    const pagedAt = before?.down ? (before.down.pagedAt ?? before.down.notifiedAt) : now;
    if (!before?.down) {
      n.down.push(v);
      clusters.push({ cluster: v.cluster, down: { status, since: v.since, pagedAt: now, notifiedAt: now } });
    } else if (reminderDue(pagedAt, before.down.notifiedAt, now, policy.remindEveryMs)) {
      n.reminders.push(v);
      clusters.push({ cluster: v.cluster, down: { ...before.down, status, pagedAt, notifiedAt: now } });
    } else {
      // Still down, already told: a stalled cluster turning missing is not news, the reminder says so.
      clusters.push({ cluster: v.cluster, down: { ...before.down, status, pagedAt } });
    }
  }

  // Down clusters that left the report (forgotten by the engine) are remembered a while longer.
  const inReport = new Set(report.clusters.map((v) => v.cluster));
  for (const c of ledger?.clusters ?? []) {
    if (!inReport.has(c.cluster) && c.down && now - c.down.notifiedAt < FORGET_DOWN_AFTER_MS) clusters.push(c);
  }

  const findings: string[] = [];
  const firstSight = (key: string): boolean => {
    findings.push(key);
    return !toldFindings.has(key);
  };
  for (const o of report.overlaps) if (firstSight(findingKey.overlap(o.labels))) n.overlaps.push(o);
  for (const c of report.corruptBlocks) if (firstSight(findingKey.corrupt(c.block))) n.corruptBlocks.push(c);
  for (const p of report.partialBlocks) if (firstSight(findingKey.partial(p.block))) n.partialBlocks.push(p);
  const groups = new Map<string, UnlabeledGroup>();
  for (const u of report.unlabeledBlocks) {
    const key = findingKey.unlabeled(u.labels);
    const g = groups.get(key) ?? { labels: u.labels, blocks: [] };
    g.blocks.push(u.block);
    groups.set(key, g);
  }
  for (const [key, g] of groups) if (firstSight(key)) n.unlabeled.push({ ...g, blocks: g.blocks.sort(byName) });
  // The compactor: stalled is told once and its end once (behind is dashboard only); unknown (its
  // blocks left the lookback) is no recovery.
  const compactor = report.compactor;
  if (compactor?.status === "stalled") {
    if (firstSight(findingKey.compactorStalled)) n.compactor = { state: "stalled", report: compactor };
  } else if (toldFindings.has(findingKey.compactorStalled)) {
    if (compactor === undefined || compactor.status === "unknown") findings.push(findingKey.compactorStalled);
    else n.compactor = { state: "resumed", report: compactor };
  }
  if ((report.retention?.overdueBlocks ?? 0) > 0 && firstSight(findingKey.retentionOverdue)) n.retention = report.retention!;

  const gaps = (report.dataGaps ?? []).filter((g) => firstSight(findingKey.dataGap(g)));
  if (gaps.length > 0) n.dataGaps = gaps;
  const files = (report.corruptFiles ?? []).filter((f) => firstSight(findingKey.corruptFile(f.file)));
  if (files.length > 0) n.corruptFiles = files;
  for (const c of report.conflicts ?? []) if (firstSight(findingKey.conflict(c))) (n.conflicts ??= []).push(c);
  // A cluster announced recovered this run: its replicas catch up at their own pace, so a replica
  // still behind is judged on the next run, not announced beside the recovery.
  const recovering = new Set(n.recovered.map((r) => r.verdict.cluster));
  for (const d of report.degraded ?? []) {
    if (recovering.has(d.cluster)) continue;
    if (firstSight(findingKey.degraded(d.labels))) (n.degraded ??= []).push(d);
  }
  // A replica announced degraded is announced back once its stream is ok; while it catches up
  // (late, or stalled with its twin) it stays announced, silently; a stream that left the report is forgotten.
  const degradedNow = new Set(findings);
  const streamsNow = new Map(report.clusters.flatMap((v) => v.streams.map((s) => [findingKey.degraded(s.labels), { v, s }] as const)));
  for (const key of toldFindings) {
    if (!key.startsWith("degraded:") || degradedNow.has(key)) continue;
    const cur = streamsNow.get(key);
    if (cur === undefined) continue;
    if (cur.s.status === "ok") (n.replicasBack ??= []).push({ cluster: cur.v.cluster, labels: cur.s.labels, dataLagSeconds: cur.s.dataLagSeconds });
    else findings.push(key);
  }

  // Data gaps: lost during an outage, told with its recovery (and kept for it while the cluster is
  // down); lost while the cluster was up (a restart that lost its data), a warning once.
  const recoveredNow = new Map(n.recovered.map((r) => [r.verdict.cluster, r]));
  const downNow = new Set(clusters.filter((c) => c.down).map((c) => c.cluster));
  for (const v of report.clusters) {
    for (const g of v.dataGaps ?? []) {
      const key = findingKey.gap(v.cluster, g.from);
      if (toldFindings.has(key)) {
        findings.push(key);
        continue;
      }
      const rec = recoveredNow.get(v.cluster);
      if (rec) (rec.lost ??= []).push(g);
      else if (downNow.has(v.cluster)) continue;
      else (n.gaps ??= []).push({ cluster: v.cluster, ...g });
      findings.push(key);
    }
  }
  for (const r of n.recovered) if (r.lost === undefined && r.verdict.streams.every((s) => s.status === "ok")) r.filled = true;

  n.overlaps.sort((a, b) => byName(a.cluster, b.cluster) || byName(streamKey(a.labels), streamKey(b.labels)));
  n.corruptBlocks.sort((a, b) => byName(a.block, b.block));
  n.partialBlocks.sort((a, b) => byName(a.block, b.block));
  n.unlabeled.sort((a, b) => byName(streamKey(a.labels), streamKey(b.labels)));
  n.recovered.sort((a, b) => byName(a.verdict.cluster, b.verdict.cluster));
  n.newClusters.sort((a, b) => byName(a.cluster, b.cluster));
  n.replicasBack?.sort((a, b) => byName(a.cluster, b.cluster) || byName(streamKey(a.labels), streamKey(b.labels)));
  // This run read the bucket: if subscribers were told it could not, they hear it can again.
  if (ledger?.bucketFailure) n.bucket = { state: "readable", unreadableSince: ledger.bucketFailure.since };

  return {
    notification: isEmpty(n) ? null : n,
    ledgerAfterPublish: {
      clusters: clusters.sort((a, b) => byName(a.cluster, b.cluster)),
      findings: [...new Set(findings)],
      bucketFailure: null,
    },
  };
}

/**
 * A run that could not read the bucket judges nothing (no cluster is declared stalled or recovered
 * from it). Subscribers hear it once, then at first notice + k × `remindEveryMs`, and once more when
 * a run reads the bucket again (decideAlerts). Cluster notices and findings are left as they were.
 */
export function decideBucketFailure(
  ledger: Ledger | null,
  failure: { kind: string; reason: string },
  now: number,
  policy: Pick<Policy, "remindEveryMs">,
): AlertDecision {
  const before = ledger?.bucketFailure ?? null;
  const base: Ledger = ledger ?? { clusters: null, findings: [], bucketFailure: null };
  // `since` is the first notice: a failed run's ledger is saved only once its notice was published.
  const due = before === null || reminderDue(before.since, before.notifiedAt, now, policy.remindEveryMs);
  if (!due) return { notification: null, ledgerAfterPublish: ledger };
  const since = before?.since ?? now;
  return {
    notification: {
      ...emptyNotification(now),
      bucket: { state: "unreadable", kind: failure.kind, reason: failure.reason, since, reminder: before !== null },
    },
    ledgerAfterPublish: { ...base, bucketFailure: { kind: failure.kind, since, notifiedAt: now } },
  };
}

/**
 * Reminder k of an outage first announced at `pagedAt` is due at pagedAt + k × `everyMs` and sent by
 * the first run at or after that moment. Anchored on the page, not on the last notice: runs start
 * seconds either side of their minute, and "24h after the last notice" made a run a second early
 * wait a whole schedule interval, each slip adding to the next. After a gap (runs that failed for
 * days) one reminder is sent, not one per step missed: `lastNoticeAt` tells which step was last sent.
 */
export function reminderDue(pagedAt: number, lastNoticeAt: number, now: number, everyMs: number): boolean {
  if (everyMs <= 0) return false;
  const sent = Math.max(0, Math.floor((lastNoticeAt - pagedAt) / everyMs));
  return now >= pagedAt + (sent + 1) * everyMs;
}
