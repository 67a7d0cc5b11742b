import type { Notification } from "../alerts/notification";
import type { Policy } from "../policy/policy";
import type { Timeline } from "./model";

/** The compactor's first window: a block waits at most this long after a halt before it is compactable. */
const WINDOW_MS = 8 * 3_600_000;

export interface CompactorIncidentScore {
  /** Halted between these (null: not restarted within the window). */
  start: number;
  end: number | null;
  /** When the rule can first say stalled: no compactor block for stall-after while a block waited behind-after. */
  deadline: number;
  /** The stalled warning, if sent during the halt. */
  warnedAt: number | null;
  /** Recovery notices sent after the halt ended (one expected). */
  recoveries: number;
}

export interface CompactorScore {
  incidents: CompactorIncidentScore[];
  /** Stalled warnings sent while the compactor kept up. */
  falseWarnings: number[];
  /** Deviations, one line each, for the report and the tests. */
  deviations: string[];
}

/**
 * Scores the compactor notices like stalls: each halt long enough to cross the threshold is warned
 * about once within the threshold plus one run, no warning while the compactor keeps up, and one
 * recovery notice once it compacts again.
 */
export function scoreCompactor(timeline: Pick<Timeline, "compactorHalts" | "from" | "to">, published: readonly Notification[], policy: Policy, scheduleMs: number): CompactorScore {
  const warnings = published.filter((n) => n.compactor?.state === "stalled").map((n) => n.at);
  const resumes = published.filter((n) => n.compactor?.state === "resumed").map((n) => n.at);
  const threshold = Math.max(policy.compactorStallAfterMs, WINDOW_MS + policy.compactionBehindAfterMs);
  const incidents: CompactorIncidentScore[] = [];
  const deviations: string[] = [];
  const explained = new Set<number>();
  for (const [start, end] of timeline.compactorHalts) {
    const until = end ?? Infinity;
    const deadline = Math.max(start + threshold, timeline.from) + scheduleMs;
    const during = warnings.filter((t) => t >= start && t <= until + scheduleMs);
    during.forEach((t) => explained.add(t));
    // The first resume notice after the halt ended, before the next halt began.
    const next = timeline.compactorHalts.find(([s]) => s > start)?.[0] ?? Infinity;
    const recoveries = end === null ? 0 : resumes.filter((t) => t > end && t < next).length;
    const score = { start, end, deadline, warnedAt: during[0] ?? null, recoveries };
    incidents.push(score);
    const long = until > deadline && deadline <= timeline.to;
    if (long && (score.warnedAt === null || score.warnedAt > deadline)) deviations.push(`halt at ${new Date(start).toISOString()}: ${score.warnedAt === null ? "never warned" : `warned late, ${new Date(score.warnedAt).toISOString()}`}`);
    if (during.length > 1) deviations.push(`halt at ${new Date(start).toISOString()}: warned ${during.length} times`);
    if (score.warnedAt !== null && end !== null && end + WINDOW_MS + policy.compactionBehindAfterMs + scheduleMs < timeline.to && recoveries !== 1) {
      deviations.push(`halt at ${new Date(start).toISOString()}: ${recoveries} recovery notices after it ended`);
    }
  }
  const falseWarnings = warnings.filter((t) => !explained.has(t));
  for (const t of falseWarnings) deviations.push(`false compactor warning at ${new Date(t).toISOString()}`);
  return { incidents, falseWarnings, deviations };
}
