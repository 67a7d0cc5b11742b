import { formatDuration } from "../domain/duration";
import type { Policy } from "../policy/policy";
import { table } from "../cli/terminal";
import { PRICES_USD } from "./cost";
import { KIND_EXPECTATION, type IncidentKind } from "./model";
import { STALL_KINDS, type Deviation, type KindRow } from "./score";
import { KNOWN_MISSES, OBSERVATIONS } from "./misses";
import type { ScheduleResult, SimulationResult, TargetedResult } from "./simulate";

type Rows = string[][];

const iso = (t: number | null) => (t === null ? "never" : new Date(t).toISOString().replace(/:\d\d\.\d+Z$/, "Z").replace("T", " "));
const dur = (ms: number) => (ms < 1000 ? "0s" : formatDuration(ms));

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}
const medWorst = (xs: number[]) => (xs.length === 0 ? "-" : `${dur(median(xs)!)} / ${dur(Math.max(...xs))}`);
const usd = (x: number) => (x < 0.01 ? `$${x.toFixed(4)}` : `$${x.toFixed(2)}`);
const count = (x: number) => (x >= 10_000 ? `${Math.round(x / 1000)}k` : String(Math.round(x)));

export function kindRows(r: ScheduleResult): Rows {
  const rows: Rows = [["kind", "incidents", "stalls in data", "detected", "delay from start (median / worst)", "delay from crossing (median / worst)", "≤ threshold + sweep", "false pages", "duplicate pages", "missed recoveries"]];
  for (const k of r.score.rows) {
    const noStall = k.expected === 0;
    rows.push([
      k.kind,
      k.kind === "(no incident)" ? "-" : String(k.incidents),
      String(k.stalls),
      noStall ? "n/a" : `${k.detected}/${k.expected}`,
      noStall ? "-" : medWorst(k.delayFromStart),
      noStall ? "-" : medWorst(k.delayFromCrossing),
      noStall ? "-" : `${k.withinSweep}/${k.detected}`,
      String(k.falsePages),
      String(k.duplicatePages),
      k.recoveriesExpected === 0 ? (k.missedRecoveries ? String(k.missedRecoveries) : "-") : `${k.missedRecoveries}/${k.recoveriesExpected}`,
    ]);
  }
  return rows;
}

export function scheduleRows(results: ScheduleResult[]): Rows {
  const rows: Rows = [["schedule", "runs / month", "stalls paged", "delay from crossing (median / worst)", "false pages", "duplicate pages", "missed recoveries", "LIST / month", "GET / month", "state GET+PUT", "PutMetricData", "requests $ / month"]];
  for (const r of results) {
    const stallRows = r.score.rows.filter((k): k is KindRow & { kind: IncidentKind } => k.kind !== "(no incident)" && k.kind !== "duplicate-cluster-id" && k.kind !== "new-cluster" && k.expected > 0);
    const t = r.score.totals;
    rows.push([
      r.schedule.label,
      count(r.cost.runs),
      `${stallRows.reduce((a, k) => a + k.detected, 0)}/${stallRows.reduce((a, k) => a + k.expected, 0)}`,
      medWorst(stallRows.flatMap((k) => k.delayFromCrossing)),
      String(t.falsePages),
      String(t.duplicatePages),
      String(t.missedRecoveries),
      count(r.cost.list),
      count(r.cost.get),
      count(r.cost.stateGet + r.cost.statePut),
      count(r.cost.metricRequests),
      `${usd(r.cost.usd.total)} (S3 ${usd(r.cost.usd.s3)}, Lambda ${usd(r.cost.usd.lambda)}, CW ${usd(r.cost.usd.cloudwatch)})`,
    ]);
  }
  return rows;
}

/** Delay from crossing to page over every stall, for the schedules at the default's cadence: before (a rate's phase) and after (aligned). */
export function alignmentRows(results: ScheduleResult[]): Rows {
  const cadence = results[0]?.scheduleMs;
  const rows: Rows = [["schedule", "first run", "stalls paged", "median delay", "worst delay", "goal: median ≤ 10m", "requests $ / month"]];
  for (const r of results.filter((x) => x.scheduleMs === cadence)) {
    const stalls = r.score.rows.filter((k) => (STALL_KINDS as readonly string[]).includes(k.kind) || k.kind === "(no incident)");
    const delays = stalls.flatMap((k) => k.delayFromCrossing);
    const med = median(delays);
    rows.push([
      r.schedule.label,
      r.replay.runTimes.length > 0 ? iso(r.replay.runTimes[0]!) : "-",
      `${stalls.reduce((a, k) => a + k.detected, 0)}/${stalls.reduce((a, k) => a + k.expected, 0)}`,
      med === null ? "-" : dur(med),
      delays.length === 0 ? "-" : dur(Math.max(...delays)),
      med === null ? "-" : med <= 10 * 60_000 ? "✓" : "✗",
      usd(r.cost.usd.total),
    ]);
  }
  return rows;
}

export function goalRows(results: ScheduleResult[]): Rows {
  const names = results[0]?.goals.map((g) => g.name) ?? [];
  return [["goal", ...results.map((r) => r.schedule.label)], ...names.map((n, i) => [n, ...results.map((r) => `${r.goals[i]!.met ? "✓" : "✗"} ${r.goals[i]!.detail}`)])];
}

export function noticeRows(results: ScheduleResult[]): Rows {
  return [
    ["schedule", "pages", "reminders (on time / late / missing / extra)", "recoveries", "overlap notices", "two-sources notices", "degraded-replica warnings", "data-lost notices", "partial-block notices", "new-cluster notices", "stalls in data", "short stalls missed (< 1 sweep)", "failed publishes retried"],
    ...results.map((r) => {
      const t = r.score.totals;
      const rt = t.reminderTiming;
      return [r.schedule.label, String(t.pages), `${t.reminders} (${rt.onTime} / ${rt.late} / ${rt.missing} / ${rt.extra})`, String(t.recoveries), String(t.notices.overlaps), String(t.notices.conflicts), String(t.notices.degraded), String(t.notices.gaps), String(t.notices.partialBlocks), String(t.notices.newClusters), String(t.stallsInData), String(t.shortStallsMissed), String(r.replay.failedPublishes)];
    }),
  ];
}

/** Each compactor halt of the fleet timeline and what each schedule told about it. */
export function compactorRows(results: ScheduleResult[]): Rows {
  const rows: Rows = [["schedule", "halted", "compacting again", "warn by", "warned", "resumed notices"]];
  for (const r of results) {
    for (const i of r.compactor.incidents) {
      rows.push([r.schedule.label, iso(i.start), i.end === null ? "not within the window" : iso(i.end), iso(i.deadline), i.warnedAt === null ? "-" : iso(i.warnedAt), String(i.recoveries)]);
    }
    for (const t of r.compactor.falseWarnings) rows.push([r.schedule.label, "-", "-", "-", `${iso(t)} (false)`, "-"]);
  }
  return rows;
}

export function deviationRows(list: Deviation[], limit = 40): Rows {
  return [["what", "cluster", "when", "incident", "evidence"], ...list.slice(0, limit).map((d) => [d.kind, d.cluster, iso(d.at), d.incident ?? "-", d.evidence])];
}

export function incidentRows(sim: SimulationResult): Rows {
  return [["id", "kind", "cluster", "start", "end", "what happened"], ...sim.timeline.incidents.map((i) => [i.id, i.kind, i.cluster, iso(i.start), iso(i.end), i.detail + (i.partialBlock ? ` (partial ${i.partialBlock})` : "")])];
}

export function targetedRows(list: TargetedResult[]): Rows {
  return [
    ["scenario", "schedule", "result", "what it checks", "deviations"],
    ...list.map((t) => [t.name, t.schedule, t.passed ? "✓" : "✗ miss", t.checks, [...t.deviations.map((d) => `${d.kind} ${d.cluster}`), ...t.compactorDeviations.map((d) => `compactor ${d}`)].join("; ") || "-"]),
  ];
}

/** The known rule misses whose scenario still fails, and failing scenarios nobody explained yet. */
export function missNotes(list: TargetedResult[]): string[] {
  const failing = new Set(list.filter((t) => !t.passed).map((t) => t.name));
  const out: string[] = [];
  let n = 0;
  for (const m of KNOWN_MISSES) {
    const hit = m.scenarios.filter((s) => failing.has(s));
    if (hit.length === 0) continue;
    n += 1;
    out.push(
      `### ${n}. ${m.title}`,
      "",
      `Reproduced by: ${hit.map((s) => `\`${s}\``).join(", ")}.`,
      "",
      `- **Evidence.** ${m.evidence}`,
      `- **Root cause.** ${m.rootCause}`,
      `- **Proposed fix.** ${m.fix}`,
      "",
    );
    for (const s of hit) failing.delete(s);
  }
  for (const s of failing) out.push(`### Unexplained: \`${s}\` fails`, "", "No known cause: investigate with `npm run blockwatch -- simulate` and the scenario's deviations above.", "");
  return out;
}

function scenarioLine(sim: SimulationResult, policy: Policy): string {
  const s = sim.scenario;
  const t = policy.defaults;
  return (
    `${s.clusters} clusters (${Math.round(s.haShare * 100)}% HA pairs, ${Math.round(s.oldThanosShare * 100)}% sidecars older than Thanos 0.40), ` +
    `${s.days} days monitored after ${s.historyDays} days of history, seed ${s.seed}, first run ${iso(s.from)}; ` +
    `policy: late after ${formatDuration(t.lateAfterMs)}, stalled after ${formatDuration(t.stallAfterMs)}, reminders every ${formatDuration(policy.remindEveryMs)}, no expected-cluster list.`
  );
}

/** Terminal output: the tables, the goals and the first deviations. */
export function renderText(sim: SimulationResult, policy: Policy, targeted: TargetedResult[] = []): string {
  const first = sim.results[0]!;
  const out: string[] = [];
  out.push(`blockwatch simulate · ${scenarioLine(sim, policy)}`, "");
  out.push(`Per incident kind, ${first.schedule.label}:`, table(kindRows(first)), "");
  out.push("Schedules (requests per 30-day month):", table(scheduleRows(sim.results)), "");
  out.push("Goals:", table(goalRows(sim.results)), "");
  out.push("Notices:", table(noticeRows(sim.results)), "");
  if (compactorRows(sim.results).length > 1) out.push("Compactor halts (warned once by the deadline, one notice when it compacts again):", table(compactorRows(sim.results)), "");
  if (alignmentRows(sim.results).length > 1) out.push("Threshold crossing to page, every stall:", table(alignmentRows(sim.results)), "");
  for (const r of sim.results) {
    for (const d of r.compactor.deviations) out.push(`Compactor deviation at ${r.schedule.label}: ${d}`);
    if (r.score.deviations.length === 0) continue;
    out.push(`Deviations at ${r.schedule.label} (${r.score.deviations.length}):`, table(deviationRows(r.score.deviations, 15)), "");
  }
  if (targeted.length > 0) {
    out.push("Targeted scenarios (small fleets, incidents placed by hand):", table(targetedRows(targeted).map((r) => [r[0]!, r[1]!, r[2]!, r[4]!])), "");
    const misses = KNOWN_MISSES.filter((m) => m.scenarios.some((s) => targeted.some((t) => t.name === s && !t.passed)));
    if (misses.length > 0) out.push("Known rule misses still reproduced (causes and fixes in the written report):", ...misses.map((m) => `- ${m.title}`), "");
  }
  out.push(`Incidents: ${sim.timeline.incidents.length} (listed with --output json or in the written report). Simulated in ${(sim.wallMs / 1000).toFixed(1)} s.`);
  return out.join("\n");
}

function md(rows: Rows): string {
  const esc = (c: string) => c.replace(/\|/g, "\\|");
  return [`| ${rows[0]!.map(esc).join(" | ")} |`, `|${rows[0]!.map(() => "---").join("|")}|`, ...rows.slice(1).map((r) => `| ${r.map(esc).join(" | ")} |`)].join("\n");
}

/** docs/alert-quality.md */
export function renderMarkdown(sim: SimulationResult, policy: Policy, command: string, targeted: TargetedResult[] = []): string {
  const first = sim.results[0]!;
  const out: string[] = [];
  out.push(
    "# Alert quality: the fleet replay",
    "",
    `Generated by \`${command}\`. Do not edit by hand: change the simulator or the engine and run it again.`,
    "",
    `Scenario: ${scenarioLine(sim, policy)}`,
    "",
    "The simulator generates the bucket a fleet would write (Prometheus cutting 2h blocks about an hour after their " +
      "window once its head spans 3h, the sidecar shipping them oldest first with jittered and occasionally slow uploads, " +
      "empty windows never uploaded, the compactor's 8h/2d/14d blocks with deletion-marked sources deleted after 48h, " +
      "5m/1h downsampling, raw retention, aborted uploads cleaned after 48h, HA pairs, Kubecost's ETL folders at the top " +
      "level) and injects the incidents listed at the end, with known start and end. It then replays the scheduled run " +
      "(`runMonitor`, the code the Lambda executes) at each schedule against that bucket as simulated time passes, with an " +
      "in-memory state store (conditional writes), and SNS and CloudWatch replaced by recorders.",
    "",
    "Ground truth is the data-lag rule applied continuously to the true uploads, independent of the engine: a *stall* is a " +
      "period in which `now − newest maxTime` of a cluster's shipped blocks exceeds stall-after. The *crossing* is the moment " +
      "it does; a stall must be paged at the first run after it (threshold + one sweep at worst), exactly once, and " +
      "announced as recovered once when uploads catch up. Any page outside a stall is false. For duplicate cluster_ids the " +
      "crossing is the first upload of the second cluster; for new clusters their first upload.",
    "",
    `## Per incident kind, ${first.schedule.label} (the default schedule)`,
    "",
    md(kindRows(first)),
    "",
    "What each kind should produce:",
    "",
    ...Object.entries(KIND_EXPECTATION).map(([k, v]) => `- \`${k}\`: ${v}.`),
    "",
    "## Schedules: detection delay against request cost",
    "",
    md(scheduleRows(sim.results)),
    "",
    `Prices (us-east-1): S3 LIST/PUT $${PRICES_USD.s3ListPer1000} per 1,000, GET/HEAD $${PRICES_USD.s3GetPer1000} per 1,000, ` +
      `Lambda $${PRICES_USD.lambdaPerMillionRequests} per million invocations, PutMetricData $${PRICES_USD.cloudwatchPutMetricDataPer1000} per 1,000 requests ` +
      "(lib/simulate/cost.ts, with sources). Lambda duration and the per-metric CloudWatch charge are not included.",
    "",
    "## An aligned schedule: threshold crossing to page",
    "",
    "Blocks end on even UTC hours, so a cluster's freshness moves in 2h steps and every stall crosses stall-after (4h) at an " +
      "even UTC hour. A `rate(2 hours)` schedule fires at whatever phase the deployment got (here its first run, " +
      `${new Date(sim.scenario.from).toISOString().slice(11, 16)}Z), so every stall waits that phase: about an hour on average ` +
      "over deployments, almost two at worst. The default schedule, `cron(5 0/2 * * ? *)` (EventBridge Scheduler, 5 past every " +
      "even UTC hour), runs a few minutes after each crossing for the same number of runs. Every run here starts up to " +
      `${dur(sim.jitterMs)} before or after its scheduled minute (seeded), as EventBridge and Lambda start them. ` +
      "Uploads themselves land about an hour after each even hour (Prometheus cuts a block an hour after it ends), so what " +
      "comes with an upload (overlap and new-cluster notices, warnings and info rather than pages) waits up to two hours " +
      "either way, whichever the phase.",
    "",
    md(alignmentRows(sim.results)),
    "",
    "## Goals",
    "",
    md(goalRows(sim.results)),
    "",
    md(noticeRows(sim.results)),
    "",
  );
  out.push(
    "## Compactor halts",
    "",
    "The simulated Thanos compactor halts on overlapping blocks (\"critical error detected; halting\") until an operator " +
      "marks one side and restarts it, and stops where a scenario takes it down. The `stalled` warning is due once a block " +
      "waited past the compactor's first window plus `--compaction-behind-after` and no compactor block came for " +
      "`--compactor-stall-after`, plus one run; it is sent once per halt, and one notice follows when it compacts again " +
      "(lib/simulate/compactor-score.ts).",
    "",
    ...(compactorRows(sim.results).length > 1 ? [md(compactorRows(sim.results))] : ["No halt in this fleet's window: the targeted scenarios `compactor-down` and `revived-by-compactor` below hold them."]),
    "",
  );
  if (targeted.length > 0) {
    out.push(
      "## Targeted scenarios",
      "",
      "Small fleets with incidents placed by hand, each aimed at one rule (lib/simulate/scenarios.ts); they are also the engine's " +
        "regression tests in `npm test` (test/simulate.test.ts).",
      "",
      md(targetedRows(targeted)),
      "",
    );
    const notes = missNotes(targeted);
    out.push("## Rule misses and their causes", "", ...(notes.length > 0 ? notes : ["None: every targeted scenario passes.", ""]));
  }
  if (OBSERVATIONS.length > 0) {
    out.push("## Also observed (other seeds, not pinned by a scenario)", "");
    for (const o of OBSERVATIONS) out.push(`- **${o.title}.** ${o.text}`);
    out.push("");
  }
  for (const r of sim.results) {
    out.push(`## Deviations at ${r.schedule.label}`, "");
    out.push(r.score.deviations.length === 0 ? "None." : md(deviationRows(r.score.deviations, 60)), "");
  }
  out.push("## Incidents injected", "", md(incidentRows(sim)), "");
  out.push(
    "## Reproduce",
    "",
    "```",
    "npm run simulate                       # this report (100 clusters, 30 days, cron(5 0/2 * * ? *), rate 2h/30m/10m)",
    "npm run blockwatch -- simulate --help  # any fleet size, seed, schedule or policy",
    "```",
    "",
  );
  return out.join("\n");
}
