// npm run test:faults [-- --seed N|random] [--only a,b] [--cases N] [--server-cases N] [--case N]
//                       [--workers N] [--verbose]
//
// Runs blockwatch's failure scenarios against real local servers (fauxqs S3/SNS/SQS behind fault
// fronts, the CloudWatch recorder), prints one row per scenario and exits non-zero if any scenario
// lost, duplicated or invented an alert, crashed, or failed a check. Scenarios run on worker threads
// (one per core, up to 4), each with its own servers: the SDK's per-request CPU is the bottleneck.
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import { failed, renderTable, type ScenarioResult, type SuiteOptions } from "./harness";
import { SCENARIOS } from "./scenarios/index";

// The pinned SDK warns on Node 20 that its 2027 releases need Node 22 (as vitest.config.ts silences).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const DEFAULT_SEED = 20251103;

function options(): { suite: SuiteOptions; only: string[] | null; workers: number } {
  const { values } = parseArgs({
    options: {
      seed: { type: "string" },
      only: { type: "string" },
      cases: { type: "string" },
      "server-cases": { type: "string" },
      case: { type: "string" },
      workers: { type: "string" },
      verbose: { type: "boolean", short: "v" },
    },
    strict: true,
  });
  const raw = values.seed ?? process.env.FAULTS_SEED;
  const seed = raw === undefined ? DEFAULT_SEED : raw === "random" ? Math.floor(Math.random() * 2 ** 31) : Number(raw);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed must be a non-negative integer or "random" (got ${raw})`);
  const cases = Number(values.cases ?? 1000);
  const serverCases = Number(values["server-cases"] ?? 40);
  const caseIndex = values.case === undefined ? undefined : Number(values.case);
  const workers = Number(values.workers ?? Math.max(1, Math.min(4, availableParallelism())));
  return {
    suite: { seed, cases, serverCases, verbose: values.verbose ?? false, ...(caseIndex !== undefined ? { caseIndex } : {}) },
    only: values.only ? values.only.split(",").map((s) => s.trim()) : null,
    workers,
  };
}

/** Failures that differ only in case numbers, ULIDs, markers and quoted values are shown once, counted. */
function grouped(lines: readonly string[], limit: number): string[] {
  const groups = new Map<string, { first: string; n: number }>();
  for (const l of lines) {
    const sig = l
      .replace(/^case \d+ \([\w-]+\) /, "case N ")
      .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
      .replace(/\b[0-9A-HJKMNP-TV-Z]{26}\b/g, "<ulid>")
      .replace(/\bQ[a-z2-9]{7}\b/g, "<marker>")
      .replace(/\d+/g, "N");
    const g = groups.get(sig);
    if (g) g.n++;
    else groups.set(sig, { first: l, n: 1 });
  }
  const out = [...groups.values()].map((g) => (g.n > 1 ? `${g.first}  [x${g.n}]` : g.first));
  return out.length > limit ? [...out.slice(0, limit), `… and ${out.length - limit} more kinds`] : out;
}

type FromWorker = { ready: true } | { result: ScenarioResult } | { stopped: true };

/** A worker thread running TypeScript through tsx's loader. */
function startWorker(suite: SuiteOptions): Worker {
  const entry = new URL("./worker.ts", import.meta.url).href;
  return new Worker(`import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`, { eval: true, workerData: suite });
}

async function runAll(names: string[], suite: SuiteOptions, workers: number, onResult: (r: ScenarioResult) => void): Promise<void> {
  const queue = [...names];
  const crashed = (name: string, err: unknown): ScenarioResult => ({
    name,
    claim: SCENARIOS.find((e) => e.scenario.name === name)!.scenario.claim,
    runs: 0,
    faults: 0,
    tally: { expected: 0, sent: 0, lost: 0, duplicated: 0, unexpected: 0, notes: [] },
    crashes: 1,
    passed: 0,
    failures: [],
    crashNotes: [`worker died: ${(err as Error)?.stack ?? String(err)}`],
    notes: [],
    ms: 0,
  });
  const lane = async () => {
    while (queue.length > 0) {
      const w = startWorker(suite);
      let current: string | null = null;
      await new Promise<void>((resolve) => {
        const next = () => {
          current = queue.shift() ?? null;
          if (current === null) w.postMessage({ stop: true });
          else w.postMessage({ run: current });
        };
        w.on("message", (m: FromWorker) => {
          if ("ready" in m) next();
          else if ("result" in m) {
            onResult(m.result);
            next();
          } else if ("stopped" in m) void w.terminate().then(() => resolve());
        });
        w.on("error", (err) => {
          // The scenario took the worker down: book it, carry on with a fresh worker.
          if (current !== null) onResult(crashed(current, err));
          void w.terminate().then(() => resolve());
        });
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(workers, names.length) }, lane));
}

async function main(): Promise<number> {
  const { suite, only, workers } = options();
  const known = SCENARIOS.map((e) => e.scenario.name);
  if (only) for (const n of only) if (!known.includes(n)) throw new Error(`unknown scenario ${n}; known: ${known.join(", ")}`);
  const selected = SCENARIOS.filter((e) => !only || only.includes(e.scenario.name));
  process.stdout.write(`blockwatch fault suite · seed ${suite.seed} · ${selected.length} scenarios on ${Math.min(workers, selected.length)} workers\n`);
  const started = Date.now();
  const byName = new Map<string, ScenarioResult>();
  const longestFirst = [...selected].sort((a, b) => b.cost - a.cost).map((e) => e.scenario.name);
  await runAll(longestFirst, suite, workers, (r) => {
    byName.set(r.name, r);
    process.stdout.write(`  ${failed(r) ? "FAIL" : "ok  "} ${r.name} (${(r.ms / 1000).toFixed(1)}s)\n`);
  });
  const results = selected.map((e) => byName.get(e.scenario.name)!).filter(Boolean);

  process.stdout.write("\n" + renderTable(results) + "\n");
  process.stdout.write("\nexpected/sent/lost/dup/false count alert items (one cluster or finding in one message); false: sent, never expected.\n");
  for (const r of results) {
    const lines = [
      ...r.tally.notes.map((n) => `alerts: ${n}`),
      ...grouped(r.crashNotes, 8).map((n) => `crash: ${n}`),
      ...grouped(r.failures, suite.verbose ? 200 : 12).map((n) => `check: ${n}`),
    ];
    if (lines.length === 0 && !(suite.verbose && r.notes.length)) continue;
    process.stdout.write(`\n${r.name}${failed(r) ? " FAILED" : ""}: ${r.claim}\n`);
    for (const l of lines) process.stdout.write(`  - ${l}\n`);
    if (suite.verbose) for (const n of r.notes) process.stdout.write(`  · ${n}\n`);
  }
  const bad = results.filter(failed);
  process.stdout.write(
    `\n${bad.length === 0 ? "all scenarios held" : `${bad.length} of ${results.length} scenarios failed`} · seed ${suite.seed} (rerun: npm run test:faults -- --seed ${suite.seed}) · ${((Date.now() - started) / 1000).toFixed(1)}s\n`,
  );
  return bad.length === 0 && results.length === selected.length ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`test:faults: ${(err as Error).message ?? String(err)}\n`);
    process.exit(2);
  },
);
