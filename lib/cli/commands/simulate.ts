import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { parseDuration } from "../../domain/duration";
import { standardScenario, STANDARD_FROM } from "../../simulate/fleet";
import { INCIDENT_KINDS, type IncidentKind } from "../../simulate/model";
import { renderMarkdown, renderText } from "../../simulate/report";
import { DEFAULT_CRON, parseSchedule, splitSchedules, type Schedule } from "../../simulate/schedule";
import { DEFAULT_JITTER_MS, runTargeted, simulate } from "../../simulate/simulate";
import { buildPolicy, POLICY_OPTIONS, POLICY_USAGE } from "../policy-flags";
import { commandArgs, outputFlag } from "../command-args";
import { UsageError } from "../usage-error";

export const SIMULATE_USAGE = `Usage: blockwatch simulate [options]

Replays the scheduled run over a simulated fleet's bucket, with injected incidents of known
start and end, and scores the alerts: detection delay, false and duplicate pages, recoveries,
and the request cost of each schedule.

Options:
  --clusters N                  fleet size (default 100)
  --days N                      days monitored (default 30)
  --history-days N              bucket history before the first run (default 10)
  --seed N                      random seed (default 1)
  --start ISO                   the first run (default ${new Date(STANDARD_FROM).toISOString()})
  --schedule LIST               schedules to replay, the first judged against the goals: rates (2h)
                                or EventBridge crons in UTC (default ${DEFAULT_CRON},2h,30m,10m)
  --jitter DUR                  runs start up to this much either side of their time (default 30s)
  --incidents KIND=N,...        incident counts (default scaled from the standard mix); kinds:
                                ${INCIDENT_KINDS.join(", ")}
  --bucket memory|filesystem    where the simulated bucket lives (default memory)
  --dir DIR                     FILESYSTEM buckets here (default a temporary directory, removed)
  --fail-publish-every N        make every N-th SNS publish fail (retry path)
  --write FILE                  also write the report as Markdown (npm run simulate: docs/alert-quality.md)
  --check                       exit 2 when a goal of the first schedule is missed
  --skip-targeted               do not replay the targeted scenarios (small fleets aimed at one rule each)
${POLICY_USAGE}
  --output table|json           (default table)`;

export async function simulateCommand(args: string[]): Promise<number> {
  const values = commandArgs(
    args,
    {
      clusters: { type: "string" },
      days: { type: "string" },
      "history-days": { type: "string" },
      seed: { type: "string" },
      start: { type: "string" },
      schedule: { type: "string" },
      jitter: { type: "string" },
      incidents: { type: "string" },
      bucket: { type: "string" },
      dir: { type: "string" },
      "fail-publish-every": { type: "string" },
      write: { type: "string" },
      check: { type: "boolean" },
      "skip-targeted": { type: "boolean" },
      ...POLICY_OPTIONS,
      output: { type: "string" },
    },
    SIMULATE_USAGE,
  );
  if (values === null) return 0;
  const int = (name: string, fallback: number, min: number) => {
    const v = values[name as keyof typeof values] as string | undefined;
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be a whole number of at least ${min}`);
    return n;
  };
  const output = outputFlag(values.output, ["table", "json"]);
  const bucket = values.bucket ?? "memory";
  if (bucket !== "memory" && bucket !== "filesystem") throw new UsageError("--bucket must be memory or filesystem");
  const from = values.start === undefined ? STANDARD_FROM : Date.parse(values.start);
  if (!Number.isFinite(from)) throw new UsageError("--start must be an ISO 8601 time such as 2025-11-03T00:07:00Z");
  let schedules: Schedule[];
  try {
    schedules = splitSchedules(values.schedule ?? `${DEFAULT_CRON},2h,30m,10m`).map((s) => parseSchedule(s));
  } catch (err) {
    throw new UsageError(`--schedule: ${(err as Error).message}`);
  }
  if (schedules.length === 0 || schedules.some((s) => s.intervalMs < 60_000)) throw new UsageError("--schedule: each rate must be at least 1m");
  let jitterMs = DEFAULT_JITTER_MS;
  try {
    if (values.jitter !== undefined) jitterMs = parseDuration(values.jitter);
  } catch (err) {
    throw new UsageError(`--jitter: ${(err as Error).message}`);
  }
  const policy = buildPolicy(values);
  const scenario = standardScenario({
    clusters: int("clusters", 100, 1),
    days: int("days", 30, 1),
    historyDays: int("history-days", 10, 0),
    seed: int("seed", 1, 0),
    from,
  });
  for (const spec of (values.incidents ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
    const [kind, n] = spec.split("=");
    if (!INCIDENT_KINDS.includes(kind as IncidentKind) || !/^\d+$/.test(n ?? "")) {
      throw new UsageError(`--incidents: "${spec}" is not KIND=N with KIND one of ${INCIDENT_KINDS.join(", ")}`);
    }
    scenario.incidents[kind as IncidentKind] = Number(n);
  }
  const failEvery = int("fail-publish-every", 0, 0);
  const progress = (line: string) => process.stderr.write(`simulate: ${line}\n`);
  const sim = await simulate({ scenario, schedules, policy, bucket, directory: values.dir, failPublishEvery: failEvery || undefined, jitterMs, progress });
  const targeted = values["skip-targeted"] ? [] : await runTargeted(policy, undefined, jitterMs);
  if (targeted.length > 0) progress(`targeted scenarios: ${targeted.filter((t) => t.passed).length}/${targeted.length} pass`);

  if (values.write) {
    await mkdir(dirname(values.write), { recursive: true });
    await writeFile(values.write, renderMarkdown(sim, policy, `blockwatch simulate ${args.join(" ")}`.trim(), targeted));
    progress(`wrote ${values.write}`);
  }
  if (output === "json") {
    const json = {
      scenario: sim.scenario,
      incidents: sim.timeline.incidents,
      schedules: sim.results.map((r) => ({
        schedule: r.schedule.label,
        scheduleSeconds: r.scheduleMs / 1000,
        runs: r.replay.runs,
        requests: r.replay.requests,
        monthlyCost: r.cost,
        goals: r.goals,
        rows: r.score.rows,
        totals: r.score.totals,
        deviations: r.score.deviations,
        compactor: r.compactor,
      })),
      targeted: targeted.map((t) => ({ name: t.name, schedule: t.schedule, scheduleSeconds: t.scheduleMs / 1000, passed: t.passed, deviations: t.deviations, compactorDeviations: t.compactorDeviations })),
    };
    process.stdout.write(JSON.stringify(json, null, 2) + "\n");
  } else {
    process.stdout.write(renderText(sim, policy, targeted) + "\n");
  }
  return values.check && sim.results[0]!.goals.some((g) => !g.met) ? 2 : 0;
}
