import cronParser from "aws-cron-parser";
import { seededRandom } from "../demo/bucket-objects";
import { formatDuration, parseDuration } from "../domain/duration";

/** When the scheduled run fires: a rate from the deployment's phase, or an EventBridge cron in UTC. */
export interface Schedule {
  /** `rate(2h)` or `cron(5 0/2 * * ? *)`, for tables. */
  label: string;
  /** The longest gap between two runs: one sweep, the detection delay a schedule allows at worst. */
  intervalMs: number;
  /** Nominal run times in [from, to], before jitter. */
  times(from: number, to: number): number[];
}

export function rateSchedule(everyMs: number): Schedule {
  return {
    label: `rate(${formatDuration(everyMs)})`,
    intervalMs: everyMs,
    // A rate's phase is whenever the deployment happened: here the simulation's first run.
    times: (from, to) => Array.from({ length: Math.floor((to - from) / everyMs) + 1 }, (_, k) => from + k * everyMs),
  };
}

/** `cron(M H DoM Mon DoW Y)` as EventBridge Scheduler reads it, in UTC (aws-cron-parser, as deploy/config.cjs). */
export function cronSchedule(expression: string): Schedule {
  const m = /^cron\((\S+(?: \S+){5})\)$/.exec(expression.trim());
  if (!m) throw new Error(`"${expression}" is not a six-field cron(...) expression, e.g. cron(5 0/2 * * ? *)`);
  const parsed = cronParser.parse(m[1]!);
  const fires = (from: number, to: number): number[] => {
    const out: number[] = [];
    // next() gives the first fire strictly after its argument.
    for (let at = cronParser.next(parsed, new Date(from - 1)); at !== null && at.getTime() <= to; at = cronParser.next(parsed, at)) out.push(at.getTime());
    return out;
  };
  const week = fires(Date.UTC(2025, 0, 6), Date.UTC(2025, 0, 14));
  if (week.length < 2) throw new Error(`${expression} fires less than twice a week`);
  const intervalMs = Math.max(...week.slice(1).map((t, i) => t - week[i]!));
  return { label: `cron(${m[1]})`, intervalMs, times: fires };
}

/** `2h`, `30m` (rates, as before) or `cron(...)`. */
export function parseSchedule(text: string): Schedule {
  const t = text.trim();
  if (t.startsWith("cron(")) return cronSchedule(t);
  const rate = /^rate\((.+)\)$/.exec(t);
  return rateSchedule(parseDuration(rate ? rate[1]! : t));
}

/** Splits a `--schedule` list on the commas that are not inside a cron(...). */
export function splitSchedules(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let part = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      out.push(part);
      part = "";
    } else part += ch;
  }
  out.push(part);
  return out.map((s) => s.trim()).filter(Boolean);
}

/** The default the deployment uses (serverless.yml): 5 past every even UTC hour. */
export const DEFAULT_CRON = "cron(5 0/2 * * ? *)";

/**
 * Run start times as the Lambda sees them: EventBridge and Lambda start a run seconds either side
 * of its scheduled minute, so each nominal time moves by up to `jitterMs` either way (seeded, so a
 * replay is reproducible). Times that assume runs land on the minute hide timing bugs.
 */
export function runTimes(schedule: Schedule, from: number, to: number, jitterMs: number, seed: number): number[] {
  const random = seededRandom(seed);
  return schedule.times(from, to).map((t) => t + Math.round((random() * 2 - 1) * jitterMs));
}
