// `npm run bench`: blockwatch against a full-bucket scan and an aws-cli script, side by side on
// one local S3 server; figures into docs/benchmarks.md. See the intro of that page (bench/report.ts).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { bundleWith, lambdaBuild, measureHandlerBundle } from "./bundle";
import { documentMarkdown, bundleMarkdown, machine, memoryMarkdown, scenarioMarkdown, targetsMarkdown, type AllResults, type Saved } from "./report";
import { runScenario, type ScenarioSpec } from "./scenario";
import { startBenchServer, startMetricsEndpoint } from "./server";

const USAGE = `Usage: npm run bench -- [--quick] [--clusters N] [--days N] [--runs N] [--concurrency N]
                       [--memory-clusters N] [--raw-fauxqs] [--no-write] [--first-run-cache DIR]

  (no size flag)      quick + full size (1,000 clusters, 21 days, ~100k prefixes) + memory (10,000 clusters)
  --quick             the quick size only (4 clusters, 1 day, with the aws-cli script): under a minute
  --clusters, --days  one custom size instead (add --aws-cli to run the script on it too)
  --runs N            runs per approach, wall time is the median (default 3)
  --concurrency N     meta.json reads in flight, blockwatch and full scan alike (default 32)
  --memory-clusters N clusters of the memory scenario (default 10000; 0 skips it)
  --raw-fauxqs        serve ListObjectsV2 with fauxqs's own whole-bucket sort
  --only a,b          run only these of quick, full, memory (the others keep their saved figures)
  --from-results      measure nothing: rewrite docs/benchmarks.md from bench/results/
  --no-write          print only; leave docs/benchmarks.md and bench/results/ alone
  --first-run-cache DIR  keep each scenario's first run (state and figures) in DIR and take it from
                      there on the next bench of the same size within 8 hours: for work on the steady state`;

const root = resolve(import.meta.dirname, "..");
const { values } = parseArgs({
  options: {
    quick: { type: "boolean" },
    clusters: { type: "string" },
    days: { type: "string" },
    runs: { type: "string" },
    concurrency: { type: "string" },
    "memory-clusters": { type: "string" },
    "aws-cli": { type: "boolean" },
    "raw-fauxqs": { type: "boolean" },
    "no-write": { type: "boolean" },
    only: { type: "string" },
    "from-results": { type: "boolean" },
    "first-run-cache": { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  process.stdout.write(USAGE + "\n");
  process.exit(0);
}
const int = (v: string | undefined, name: string, fallback: number, min = 1) => {
  if (v === undefined) return fallback;
  const x = Number(v);
  if (!Number.isInteger(x) || x < min) {
    process.stderr.write(`bench: --${name} must be a whole number of at least ${min}\n\n${USAGE}\n`);
    process.exit(1);
  }
  return x;
};
const runs = int(values.runs, "runs", 3);
const concurrency = int(values.concurrency, "concurrency", 32);
const memoryClusters = int(values["memory-clusters"], "memory-clusters", 10_000, 0);
const custom = values.clusters !== undefined || values.days !== undefined;

const scenarios: { key: "quick" | "full" | "memory" | "custom"; spec: ScenarioSpec }[] = [];
// The aws-cli script costs ~0.45 s of CPU a block: one run keeps --quick under a minute.
const quick: ScenarioSpec = { name: "quick", clusters: 4, days: 1, runs, concurrency, awsCliRuns: values.quick ? 1 : runs, steadyOnly: false };
if (custom) {
  scenarios.push({
    key: "custom",
    spec: { name: "custom", clusters: int(values.clusters, "clusters", 1000), days: int(values.days, "days", 21), runs, concurrency, awsCliRuns: values["aws-cli"] ? runs : 0, steadyOnly: false },
  });
} else {
  scenarios.push({ key: "quick", spec: quick });
  if (!values.quick) {
    scenarios.push({ key: "full", spec: { name: "full", clusters: 1000, days: 21, runs, concurrency, awsCliRuns: 0, steadyOnly: false, lambdaMemoryMb: [128], lambdaEnv: lambdaBuild(root).runtimeEnv } });
    if (memoryClusters > 0) {
      const lb = lambdaBuild(root);
      scenarios.push({
        key: "memory",
        spec: {
          name: "memory",
          clusters: memoryClusters,
          days: 2,
          runs,
          concurrency,
          awsCliRuns: 0,
          steadyOnly: true,
          // As deployed: at 10,000 clusters per-cluster metrics would cost thousands of dollars a month.
          perClusterMetrics: false,
          lambdaMemoryMb: [...new Set([128, lb.memorySize])],
          firstRunAsLambda: { memoryMb: lb.memorySize, budgetMs: lb.timeout * 1000 },
          lambdaEnv: lb.runtimeEnv,
        },
      });
    }
  }
}

if (values.only !== undefined) {
  const only = new Set(values.only.split(","));
  for (let i = scenarios.length - 1; i >= 0; i--) if (!only.has(scenarios[i]!.key)) scenarios.splice(i, 1);
}

if (values["first-run-cache"] !== undefined) for (const s of scenarios) s.spec.firstRunCache = resolve(values["first-run-cache"]);

const log = (line: string) => process.stderr.write(`${line}\n`);
const listing = values["raw-fauxqs"] ? "fauxqs" : "indexed";
const resultsDir = join(root, "bench/results");
const load = <T>(name: string): Saved<T> | undefined => {
  const f = join(resultsDir, `${name}.json`);
  return existsSync(f) ? (JSON.parse(readFileSync(f, "utf8")) as Saved<T>) : undefined;
};
const all: AllResults = {
  quick: load("quick"),
  full: load("full"),
  memory: load("memory"),
  bundle: load("bundle"),
  etl: existsSync(join(resultsDir, "etl.md")) ? readFileSync(join(resultsDir, "etl.md"), "utf8") : undefined,
};
const save = <K extends keyof AllResults>(key: K, value: NonNullable<AllResults[K]>) => {
  all[key] = value;
  if (values["no-write"]) return;
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, `${key}.json`), JSON.stringify(value, null, 1) + "\n");
};
const stamp = <T>(result: T): Saved<T> => ({ date: new Date().toISOString(), machine: machine(), listing, result });

if (values["from-results"]) {
  writeFileSync(join(root, "docs/benchmarks.md"), documentMarkdown(all));
  log("wrote docs/benchmarks.md from bench/results/");
  process.exit(0);
}

const started = performance.now();
const build = mkdtempSync(join(tmpdir(), "blockwatch-bench-build-"));
const server = await startBenchServer({ indexedListing: listing === "indexed" });
const metrics = await startMetricsEndpoint();
try {
  // The runner is bundled like the Lambda, so a run's RSS is the production code's, not tsx's.
  const lb = lambdaBuild(root);
  const runnerFile = await bundleWith(lb, root, "bench/runner.ts", build);

  log("bundling the Lambda handler and timing its cold initialisation (20 fresh processes)");
  const bundle = stamp(await measureHandlerBundle(root, join(build, "lambda"), 20));
  save("bundle", bundle);
  process.stdout.write("\n" + bundleMarkdown(bundle) + "\n");

  for (const { key, spec } of scenarios) {
    const result = stamp(await runScenario(spec, { root, server, metrics, runnerFile, log }));
    save(key, result);
    const text =
      key === "memory" ? memoryMarkdown(result) : scenarioMarkdown(key === "quick" ? "Quick size (--quick)" : key === "full" ? "Full size" : "Custom size", result);
    process.stdout.write("\n" + text + "\n");
  }
  const targets = targetsMarkdown(all);
  if (targets && !values.quick && !custom && values.only === undefined) process.stdout.write("\n" + targets + "\n");
  if (!values["no-write"]) {
    writeFileSync(join(root, "docs/benchmarks.md"), documentMarkdown({ ...all, custom: custom ? all.custom : undefined }));
    log(`wrote docs/benchmarks.md and bench/results/ (${((performance.now() - started) / 1000).toFixed(0)} s in all)`);
  }
} finally {
  await metrics.close();
  await server.close();
  rmSync(build, { recursive: true, force: true });
}
