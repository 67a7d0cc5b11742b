import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Policy } from "../policy/policy";
import { scoreCompactor, type CompactorScore } from "./compactor-score";
import { monthlyCost, type MonthlyCost } from "./cost";
import type { ScenarioOptions } from "./fleet";
import { DAY, type Timeline } from "./model";
import { replay, type ReplayResult } from "./replay";
import { rateSchedule, runTimes, type Schedule } from "./schedule";
import { scoreReplay, STALL_KINDS, type Score } from "./score";
import { TARGETED, type TargetedScenario } from "./scenarios";
import { buildTimeline } from "./timeline";

export interface SimulationOptions {
  scenario: ScenarioOptions;
  /** Schedules to replay (a number: a rate in ms); the first is the one the goals are judged on. */
  schedules: (number | Schedule)[];
  /** Each run starts up to this much before or after its scheduled time (seeded); default 30 s. */
  jitterMs?: number;
  policy: Policy;
  bucket: "memory" | "filesystem";
  /** FILESYSTEM buckets go under it (one per schedule); default a temporary directory, removed after. */
  directory?: string;
  /** Make every n-th publish fail (SNS outage): the next run must decide the same news again. */
  failPublishEvery?: number;
  progress?: (line: string) => void;
}

export interface ScheduleResult {
  schedule: Schedule;
  /** The schedule's longest gap between runs: one sweep. */
  scheduleMs: number;
  replay: ReplayResult;
  score: Score;
  /** The compactor notices against the simulated compactor's halts. */
  compactor: CompactorScore;
  cost: MonthlyCost;
  goals: Goal[];
}

export interface Goal {
  name: string;
  met: boolean;
  detail: string;
}

export interface SimulationResult {
  scenario: ScenarioOptions;
  jitterMs: number;
  timeline: Timeline;
  results: ScheduleResult[];
  wallMs: number;
}

/** Runs start this much either side of their minute (EventBridge and Lambda, cold starts included). */
export const DEFAULT_JITTER_MS = 30_000;

/** Builds the fleet's timeline once, replays the real scheduled run at each schedule and scores it. */
export async function simulate(opts: SimulationOptions): Promise<SimulationResult> {
  const started = performance.now();
  const say = opts.progress ?? (() => {});
  const timeline = buildTimeline(opts.scenario);
  say(`timeline: ${timeline.blocks.length} blocks cut, ${timeline.compacted.length} compactor blocks, ${timeline.events.length} bucket changes, ${timeline.incidents.length} incidents`);
  const temp = opts.bucket === "filesystem" && !opts.directory ? await mkdtemp(join(tmpdir(), "blockwatch-sim-")) : null;
  const results: ScheduleResult[] = [];
  try {
    const jitterMs = opts.jitterMs ?? DEFAULT_JITTER_MS;
    for (const spec of opts.schedules) {
      const schedule = typeof spec === "number" ? rateSchedule(spec) : spec;
      const scheduleMs = schedule.intervalMs;
      let bucket: Parameters<typeof replay>[1]["bucket"] = { kind: "memory" };
      if (opts.bucket === "filesystem") {
        const directory = join(opts.directory ?? temp!, schedule.label.replace(/[^A-Za-z0-9]+/g, "-").replace(/-+$/, ""));
        await rm(directory, { recursive: true, force: true });
        await mkdir(directory, { recursive: true });
        bucket = { kind: "filesystem", directory };
      }
      const every = opts.failPublishEvery;
      const r = await replay(timeline.events, {
        from: timeline.from,
        to: timeline.to,
        scheduleMs,
        runTimes: runTimes(schedule, timeline.from, timeline.to, jitterMs, opts.scenario.seed ^ 0x7177),
        policy: opts.policy,
        bucket,
        failPublish: every ? (run) => run % every === every - 1 : undefined,
      });
      // A sweep is one interval, give or take the two runs' jitter.
      const score = scoreReplay(timeline, r, opts.policy, scheduleMs, 1000 + 2 * jitterMs);
      const compactor = scoreCompactor(timeline, r.published, opts.policy, scheduleMs);
      const cost = monthlyCost(r, (timeline.to - timeline.from) / DAY);
      results.push({ schedule, scheduleMs, replay: r, score, compactor, cost, goals: goals(score, compactor) });
      say(`${schedule.label}: ${r.runs} runs in ${(r.wallMs / 1000).toFixed(1)} s, ${score.totals.pages} pages, ${score.deviations.length} deviations`);
    }
  } finally {
    if (temp) await rm(temp, { recursive: true, force: true });
  }
  return { scenario: opts.scenario, jitterMs: opts.jitterMs ?? DEFAULT_JITTER_MS, timeline, results, wallMs: Math.round(performance.now() - started) };
}

/** The goal figures of issue 6, judged on one schedule. */
export function goals(score: Score, compactor: CompactorScore): Goal[] {
  const rows = (kinds: readonly string[]) => score.rows.filter((r) => kinds.includes(r.kind));
  const sum = (kinds: readonly string[], f: (r: Score["rows"][number]) => number) => rows(kinds).reduce((a, r) => a + f(r), 0);
  const stallExpected = sum(STALL_KINDS, (r) => r.expected);
  const stallDetected = sum(STALL_KINDS, (r) => r.detected);
  const dupExpected = sum(["duplicate-cluster-id"], (r) => r.expected);
  const dupDetected = sum(["duplicate-cluster-id"], (r) => r.detected);
  const within = sum([...STALL_KINDS, "duplicate-cluster-id"], (r) => r.withinSweep);
  const t = score.totals;
  return [
    { name: "every stall incident paged", met: stallDetected === stallExpected, detail: `${stallDetected}/${stallExpected}` },
    { name: "every duplicate cluster_id announced", met: dupDetected === dupExpected, detail: `${dupDetected}/${dupExpected}` },
    {
      name: "each within threshold + one sweep",
      met: within === stallDetected + dupDetected,
      detail: `${within}/${stallDetected + dupDetected}`,
    },
    { name: "no false page", met: t.falsePages === 0, detail: `${t.falsePages} (${t.falsePagesHealthyDays} on healthy days)` },
    { name: "no duplicate page", met: t.duplicatePages === 0, detail: String(t.duplicatePages) },
    {
      name: "every reminder at page + k × remind-every (the first run at or after it)",
      met: t.reminderTiming.late + t.reminderTiming.missing + t.reminderTiming.extra === 0,
      detail: `${t.reminderTiming.onTime}/${t.reminderTiming.expected} on time, ${t.reminderTiming.late} late, ${t.reminderTiming.missing} missing, ${t.reminderTiming.extra} extra`,
    },
    {
      name: "every recovery announced exactly once",
      met: t.missedRecoveries === 0 && t.duplicateRecoveries === 0 && !score.deviations.some((d) => d.kind === "spurious-recovery" || d.kind === "missed-recovery"),
      detail: `${t.missedRecoveries} missed, ${t.duplicateRecoveries} repeated`,
    },
    {
      name: "every compactor halt warned once in time, its end announced once, no false warning",
      met: compactor.deviations.length === 0,
      detail: compactorDetail(compactor),
    },
  ];
}

/** "1/1 warned in time, 1 resumed, 0 false" (halts too short or too late to warn about are not counted). */
export function compactorDetail(c: CompactorScore): string {
  const due = c.incidents.filter((i) => (i.end ?? Infinity) > i.deadline);
  const inTime = due.filter((i) => i.warnedAt !== null && i.warnedAt <= i.deadline).length;
  const resumed = c.incidents.reduce((a, i) => a + i.recoveries, 0);
  return `${inTime}/${due.length} warned in time, ${resumed} resumed, ${c.falseWarnings.length} false`;
}

export interface TargetedResult {
  name: string;
  checks: string;
  schedule: string;
  scheduleMs: number;
  passed: boolean;
  deviations: Score["deviations"];
  /** The compactor score's deviations (lib/simulate/compactor-score.ts). */
  compactorDeviations: string[];
}

/** Replays every targeted scenario (lib/simulate/scenarios.ts) at its schedule. */
export async function runTargeted(policy: Policy, scenarios: readonly TargetedScenario[] = TARGETED, jitterMs = DEFAULT_JITTER_MS): Promise<TargetedResult[]> {
  const out: TargetedResult[] = [];
  for (const t of scenarios) {
    const scheduleMs = t.scheduleMs ?? 2 * 3_600_000;
    const sim = await simulate({ scenario: t.scenario, schedules: [scheduleMs], policy, bucket: "memory", jitterMs });
    const r = sim.results[0]!;
    out.push({
      name: t.name,
      checks: t.checks,
      schedule: r.schedule.label,
      scheduleMs,
      passed: r.score.deviations.length === 0 && r.compactor.deviations.length === 0,
      deviations: r.score.deviations,
      compactorDeviations: r.compactor.deviations,
    });
  }
  return out;
}
