import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatDuration } from "../domain/duration";
import type { Policy } from "../policy/policy";
import { monthlyCost, type MonthlyCost } from "./cost";
import type { ScenarioOptions } from "./fleet";
import { DAY, type Timeline } from "./model";
import { replay, type ReplayResult } from "./replay";
import { scoreReplay, STALL_KINDS, type Score } from "./score";
import { TARGETED, type TargetedScenario } from "./scenarios";
import { buildTimeline } from "./timeline";

export interface SimulationOptions {
  scenario: ScenarioOptions;
  /** Schedules to replay (ms); the first is the one the goals are judged on. */
  schedules: number[];
  policy: Policy;
  bucket: "memory" | "filesystem";
  /** FILESYSTEM buckets go under it (one per schedule); default a temporary directory, removed after. */
  directory?: string;
  /** Make every n-th publish fail (SNS outage): the next run must decide the same news again. */
  failPublishEvery?: number;
  progress?: (line: string) => void;
}

export interface ScheduleResult {
  scheduleMs: number;
  replay: ReplayResult;
  score: Score;
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
  timeline: Timeline;
  results: ScheduleResult[];
  wallMs: number;
}

/** Builds the fleet's timeline once, replays the real scheduled run at each schedule and scores it. */
export async function simulate(opts: SimulationOptions): Promise<SimulationResult> {
  const started = performance.now();
  const say = opts.progress ?? (() => {});
  const timeline = buildTimeline(opts.scenario);
  say(`timeline: ${timeline.blocks.length} blocks cut, ${timeline.compacted.length} compactor blocks, ${timeline.events.length} bucket changes, ${timeline.incidents.length} incidents`);
  const temp = opts.bucket === "filesystem" && !opts.directory ? await mkdtemp(join(tmpdir(), "blockwatch-sim-")) : null;
  const results: ScheduleResult[] = [];
  try {
    for (const scheduleMs of opts.schedules) {
      let bucket: Parameters<typeof replay>[1]["bucket"] = { kind: "memory" };
      if (opts.bucket === "filesystem") {
        const directory = join(opts.directory ?? temp!, `rate-${formatDuration(scheduleMs)}`);
        await rm(directory, { recursive: true, force: true });
        await mkdir(directory, { recursive: true });
        bucket = { kind: "filesystem", directory };
      }
      const every = opts.failPublishEvery;
      const r = await replay(timeline.events, {
        from: timeline.from,
        to: timeline.to,
        scheduleMs,
        policy: opts.policy,
        bucket,
        failPublish: every ? (run) => run % every === every - 1 : undefined,
      });
      const score = scoreReplay(timeline, r, opts.policy, scheduleMs);
      const cost = monthlyCost(r, (timeline.to - timeline.from) / DAY);
      results.push({ scheduleMs, replay: r, score, cost, goals: goals(score) });
      say(`rate(${formatDuration(scheduleMs)}): ${r.runs} runs in ${(r.wallMs / 1000).toFixed(1)} s, ${score.totals.pages} pages, ${score.deviations.length} deviations`);
    }
  } finally {
    if (temp) await rm(temp, { recursive: true, force: true });
  }
  return { scenario: opts.scenario, timeline, results, wallMs: Math.round(performance.now() - started) };
}

/** The goal figures of issue 6, judged on one schedule. */
export function goals(score: Score): Goal[] {
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
      name: "every recovery announced exactly once",
      met: t.missedRecoveries === 0 && t.duplicateRecoveries === 0 && !score.deviations.some((d) => d.kind === "spurious-recovery" || d.kind === "missed-recovery"),
      detail: `${t.missedRecoveries} missed, ${t.duplicateRecoveries} repeated`,
    },
  ];
}

export interface TargetedResult {
  name: string;
  checks: string;
  scheduleMs: number;
  passed: boolean;
  deviations: Score["deviations"];
}

/** Replays every targeted scenario (lib/simulate/scenarios.ts) at its schedule. */
export async function runTargeted(policy: Policy, scenarios: readonly TargetedScenario[] = TARGETED): Promise<TargetedResult[]> {
  const out: TargetedResult[] = [];
  for (const t of scenarios) {
    const scheduleMs = t.scheduleMs ?? 2 * 3_600_000;
    const sim = await simulate({ scenario: t.scenario, schedules: [scheduleMs], policy, bucket: "memory" });
    const r = sim.results[0]!;
    out.push({ name: t.name, checks: t.checks, scheduleMs, passed: r.score.deviations.length === 0, deviations: r.score.deviations });
  }
  return out;
}
