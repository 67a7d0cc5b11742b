// One benchmark scenario: a generated bucket loaded into the local S3 server at T0, a first run,
// two hours of uploads, then each approach measured on the bucket at T1, each run in its own process.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HOUR } from "../lib/demo/fleet";
import { parseState } from "../lib/state/state";
import { lambdaNodeFlags, median } from "./bundle";
import { bucketAt, delta, generateFleet, prefixCount } from "./fleet";
import { countStatuses, disagreements, type Verdicts } from "./judge";
import type { RunnerInput, RunnerOutput } from "./runner";
import type { BenchServer, MetricsEndpoint, RequestTally } from "./server";

export interface ScenarioSpec {
  name: string;
  clusters: number;
  days: number;
  runs: number;
  concurrency: number;
  /** Runs of the aws-cli script (slow: one process per block); 0: not run. */
  awsCliRuns: number;
  /** Only the steady state (and the first run at T0 it needs): the memory scenario. */
  steadyOnly: boolean;
  /** Also run the steady state inside memory cgroups of these sizes (MiB), like Lambdas of that memory. */
  lambdaMemoryMb?: number[];
  /**
   * The first run at T0 as the deployed Lambda makes it: inside a memory cgroup of this size, with
   * the function's time budget (ms), run again from its saved state until a run completes.
   */
  firstRunAsLambda?: { memoryMb: number; budgetMs: number };
  /**
   * A folder where the first run's state and figures are kept, keyed by size and T1, and taken from
   * on the next bench of the same size within the same 8 hours: for working on the steady state
   * without waiting for the first run again (at 10,000 clusters it takes half an hour).
   */
  firstRunCache?: string;
  /** Per-cluster CloudWatch metrics on (default true); the memory scenario runs the deployed default, off. */
  perClusterMetrics?: boolean;
  /** The function's environment read by the runtime (glibc's MALLOC_*), given to the runs in a cgroup. */
  lambdaEnv?: Record<string, string>;
}

/** The first run at T0 made as the deployed Lambda would make it (ScenarioSpec.firstRunAsLambda). */
export interface FirstRunAsLambda {
  memoryMb: number;
  budgetMs: number;
  nodeFlags: string[];
  /** Runs until one completed (each from the state the one before saved). */
  runs: number;
  completed: boolean;
  wallMs: number[];
  /** Whether each run sent the RunSucceeded heartbeat (the "not reporting" alarm's metric). */
  heartbeats: boolean[];
  cgroupMaxBytes: number | null;
  maxRssBytes: number;
  list: number;
  get: number;
  /** The most blocks a run held at once (the engine's parts, lib/engine/check.ts). */
  peakBlocks?: number;
  failure?: string;
}

export interface Limited {
  memoryMb: number;
  nodeFlags: string[];
  completed: number;
  runs: number;
  maxRssBytes: number;
  /** memory.max_usage_in_bytes: what the cgroup charged at its peak (what its limit applies to). */
  cgroupMaxBytes: number;
  medianMs: number;
  failure?: string;
}

export type Approach = "steady" | "first" | "full" | "awsCli";

export interface Measure {
  runs: number;
  wallMs: number[];
  medianMs: number;
  /** Requests to the Thanos bucket, counted by the server, of one run (the same every run). */
  list: number;
  get: number;
  head: number;
  /** Requests to the state bucket (blockwatch only). */
  stateRequests: number;
  metricsCalls: number;
  maxRssBytes: number;
  heapPeakBytes: number | null;
  statuses: Record<string, number>;
  /** What blockwatch's own log said it listed/read (client side, for comparison). */
  prefixesListed?: number;
  metaRead?: number;
}

export interface ScenarioResult {
  spec: ScenarioSpec;
  date: string;
  t1: string;
  streams: number;
  expectedClusters: number;
  bucket: { prefixesT0: number; prefixesT1: number; objectsT1: number; loadMs: number; loadedObjects: number };
  delta: { newPrefixes: number; newSidecarPrefixes: number; puts: number; removes: number };
  floor: { list: number; get: number; total: number };
  firstAtT0: Measure;
  firstAsLambda?: FirstRunAsLambda;
  /** The steady state inside a memory cgroup (spec.lambdaMemoryMb); null where cgroups are unavailable. */
  limited?: Limited[] | null;
  measures: Partial<Record<Approach, Measure>>;
  agreement: { clusters: number; compared: Approach[]; disagreements: string[] };
  stateBytes: number;
}

export interface Env {
  root: string;
  server: BenchServer;
  metrics: MetricsEndpoint;
  runnerFile: string;
  log: (line: string) => void;
}

const THANOS = "kc-thanos-store";
const STATE = "blockwatch-state";
const STATE_KEY = "state/blockwatch.json";

function diff(a: RequestTally, b: RequestTally): RequestTally {
  return { list: b.list - a.list, get: b.get - a.get, head: b.head - a.head, put: b.put - a.put, other: b.other - a.other };
}
const total = (t: RequestTally) => t.list + t.get + t.head + t.put + t.other;

function runProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string; wallMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 137 : 1), stdout, stderr, wallMs: performance.now() - started }));
  });
}

/** A cgroup v1 memory group limited to `mb`, or null where there is none to make (not root, cgroup v2 only). */
function memoryCgroup(mb: number): string | null {
  const base = "/sys/fs/cgroup/memory";
  if (!existsSync(join(base, "memory.limit_in_bytes"))) return null;
  const dir = join(base, `blockwatch-bench-${process.pid}`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "memory.limit_in_bytes"), String(mb * 2 ** 20));
    return dir;
  } catch {
    return null;
  }
}

export async function runScenario(spec: ScenarioSpec, env: Env): Promise<ScenarioResult> {
  const { server, metrics, log } = env;
  // The compactor's 8h windows are UTC-aligned, so its blocks arrive in bursts 4h after each 8h
  // boundary. T1 sits 2h30m after a boundary: the two hours measured bring one block per live
  // stream (the issue's steady state) and no burst; the bucket and figures repeat run after run.
  const t1 = Math.floor((Date.now() - 150 * 60_000) / (8 * HOUR)) * 8 * HOUR + 150 * 60_000;
  const t0 = t1 - 2 * HOUR;
  const work = mkdtempSync(join(tmpdir(), "blockwatch-bench-"));
  try {
    log(`[${spec.name}] generating ${spec.clusters} clusters x ${spec.days} days`);
    const fleet = generateFleet(spec.clusters, spec.days, t1);
    const streams = fleet.clusters.reduce((n, c) => n + c.streams, 0);
    server.createBucket(THANOS);
    server.createBucket(STATE);
    server.empty(THANOS); // a fresh bucket each scenario
    server.deleteObject(STATE, STATE_KEY);

    const loadStarted = performance.now();
    const loadedObjects = server.load(THANOS, bucketAt(fleet, t0));
    const loadMs = performance.now() - loadStarted;
    const prefixesT0 = prefixCount(fleet, t0);
    log(`[${spec.name}] loaded ${loadedObjects} objects (${prefixesT0} block prefixes) straight into the store in ${(loadMs / 1000).toFixed(1)} s`);

    const input = (mode: RunnerInput["mode"], now: number): RunnerInput => ({
      mode,
      endpoint: server.endpoint,
      region: server.region,
      metricsEndpoint: metrics.endpoint,
      thanosBucket: THANOS,
      stateBucket: STATE,
      stateKey: STATE_KEY,
      topicArn: server.topicArn,
      now,
      expected: fleet.expected,
      concurrency: spec.concurrency,
      perClusterMetrics: spec.perClusterMetrics ?? true,
    });

    let runNo = 0;
    const runNode = async (inp: RunnerInput, limit?: { cgroup: string; nodeFlags: string[] }) => {
      const inFile = join(work, `in-${runNo}.json`);
      const outFile = join(work, `out-${runNo++}.json`);
      writeFileSync(inFile, JSON.stringify(inp));
      const before = { thanos: server.tally(THANOS), state: server.tally(STATE), metrics: metrics.calls };
      // In a cgroup the run is the Lambda's: its runtime's flags (limit.nodeFlags) and environment.
      const childEnv = { PATH: process.env.PATH ?? "", AWS_REGION: server.region, ...(limit ? spec.lambdaEnv : {}) };
      const r = limit
        ? await runProcess("sh", ["-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', limit.cgroup, process.execPath, ...limit.nodeFlags, env.runnerFile, inFile, outFile], childEnv)
        : await runProcess(process.execPath, [env.runnerFile, inFile, outFile], childEnv);
      if (r.code !== 0) {
        const why = r.stderr
          .split("\n")
          .filter((l) => l.trim() && !/NodeVersionSupportWarning|versions published|require node|To continue receiving|security updates|More information can be|--trace-warnings/.test(l))
          .join(" | ");
        throw new Error(`${inp.mode} run failed (${r.code === 137 ? "killed: out of memory" : `exit ${r.code}`})${why ? `: ${why.slice(-1500)}` : ""}`);
      }
      const out = JSON.parse(readFileSync(outFile, "utf8")) as RunnerOutput;
      return {
        out,
        thanos: diff(before.thanos, server.tally(THANOS)),
        state: diff(before.state, server.tally(STATE)),
        metricsCalls: metrics.calls - before.metrics,
      };
    };
    const stateVerdicts = (): { verdicts: Verdicts; bytes: number } => {
      const text = server.read(STATE, STATE_KEY);
      if (text === null) throw new Error("the run saved no state");
      const state = parseState(text);
      return { verdicts: Object.fromEntries(Object.entries(state.clusters).map(([k, v]) => [k, v.status])), bytes: Buffer.byteLength(text) };
    };

    type One = Awaited<ReturnType<typeof runNode>> & { verdicts: Verdicts };
    const summarize = (runs: One[]): Measure => {
      const last = runs[runs.length - 1]!;
      const logged = last.out.logged as { requests?: { prefixesListed?: number; metaRead?: number } } | undefined;
      return {
        runs: runs.length,
        wallMs: runs.map((r) => r.out.wallMs),
        medianMs: median(runs.map((r) => r.out.wallMs)),
        list: last.thanos.list,
        get: last.thanos.get,
        head: last.thanos.head,
        stateRequests: total(last.state),
        metricsCalls: last.metricsCalls,
        maxRssBytes: Math.max(...runs.map((r) => r.out.maxRssBytes)),
        heapPeakBytes: Math.max(...runs.map((r) => r.out.heapPeakBytes)),
        statuses: countStatuses(last.verdicts),
        prefixesListed: logged?.requests?.prefixesListed,
        metaRead: logged?.requests?.metaRead,
      };
    };

    // The first run at T0: it makes the state the steady-state run starts from.
    let firstAtT0!: Measure;
    let firstAsLambda: FirstRunAsLambda | undefined;
    const asLambda = spec.firstRunAsLambda;
    const cacheFile = spec.firstRunCache ? join(spec.firstRunCache, `first-run-${spec.clusters}x${spec.days}-${t1}${asLambda ? `-${asLambda.memoryMb}mb` : ""}.json`) : undefined;
    const cached = cacheFile && existsSync(cacheFile) ? (JSON.parse(readFileSync(cacheFile, "utf8")) as { state: string; firstAtT0: Measure; firstAsLambda?: FirstRunAsLambda }) : undefined;
    if (cached) {
      log(`[${spec.name}] first run at T0 taken from ${cacheFile}`);
      server.write(STATE, STATE_KEY, cached.state);
      firstAtT0 = cached.firstAtT0;
      firstAsLambda = cached.firstAsLambda;
    } else log(`[${spec.name}] first run at T0 (no state)`);
    if (cached) {
      // measured on an earlier bench: nothing to run
    } else if (asLambda) {
      // As the deployed function makes it: its memory, its time budget, again and again from the
      // state saved until a run completes (the runs are back to back here, 2h apart on AWS).
      const cgroup = memoryCgroup(asLambda.memoryMb);
      const nodeFlags = lambdaNodeFlags(asLambda.memoryMb);
      const one: One[] = [];
      const fl: FirstRunAsLambda = { ...asLambda, nodeFlags, runs: 0, completed: false, wallMs: [], heartbeats: [], cgroupMaxBytes: cgroup ? 0 : null, maxRssBytes: 0, list: 0, get: 0 };
      try {
        while (!fl.completed && fl.runs < 20) {
          if (cgroup) writeFileSync(join(cgroup, "memory.max_usage_in_bytes"), "0");
          const mark = metrics.heartbeats;
          let r: Awaited<ReturnType<typeof runNode>>;
          try {
            r = await runNode({ ...input("blockwatch", t0), remainingMs: asLambda.budgetMs }, cgroup ? { cgroup, nodeFlags } : undefined);
          } catch (err) {
            fl.failure = (err as Error).message.slice(0, 200);
            break;
          } finally {
            if (cgroup) fl.cgroupMaxBytes = Math.max(fl.cgroupMaxBytes!, Number(readFileSync(join(cgroup, "memory.max_usage_in_bytes"), "utf8")));
          }
          fl.runs += 1;
          fl.wallMs.push(r.out.wallMs);
          fl.heartbeats.push(metrics.heartbeats > mark);
          fl.maxRssBytes = Math.max(fl.maxRssBytes, r.out.maxRssBytes);
          fl.list += r.thanos.list;
          fl.get += r.thanos.get + r.thanos.head;
          const logged = r.out.logged as { complete?: boolean; requests?: { peakBlocks?: number } } | undefined;
          fl.completed = logged?.complete === true;
          fl.peakBlocks = Math.max(fl.peakBlocks ?? 0, logged?.requests?.peakBlocks ?? 0);
          one.push({ ...r, verdicts: stateVerdicts().verdicts });
          log(`[${spec.name}] first run as a ${asLambda.memoryMb} MB Lambda, run ${fl.runs}: ${fl.completed ? "complete" : "stopped by its time budget"}, ${(r.out.wallMs / 1000).toFixed(1)} s, heartbeat ${fl.heartbeats.at(-1) ? "sent" : "not sent"}`);
        }
      } finally {
        if (cgroup) rmdirSync(cgroup);
      }
      firstAsLambda = fl;
      if (!fl.completed) throw new Error(`the first run did not complete as a ${asLambda.memoryMb} MB Lambda in ${fl.runs} runs${fl.failure ? `: ${fl.failure}` : ""}`);
      firstAtT0 = { ...summarize(one), runs: fl.runs, list: fl.list, get: fl.get, head: 0 };
    } else {
      const r0 = await runNode(input("blockwatch", t0));
      firstAtT0 = summarize([{ ...r0, verdicts: stateVerdicts().verdicts }]);
    }
    const stateT0 = server.read(STATE, STATE_KEY)!;
    if (cacheFile && !cached) {
      mkdirSync(spec.firstRunCache!, { recursive: true });
      writeFileSync(cacheFile, JSON.stringify({ state: stateT0, firstAtT0, firstAsLambda }));
    }

    // Two hours of uploads (and the compactor's work) land.
    const d = delta(fleet, t0, t1);
    server.load(THANOS, d.put);
    server.remove(THANOS, d.remove);
    const prefixesT1 = prefixCount(fleet, t1);
    const floor = { list: Math.max(1, Math.ceil(d.newPrefixes / 1000)), get: d.newPrefixes, total: 0 };
    floor.total = floor.list + floor.get;
    log(`[${spec.name}] T0 -> T1: ${d.newPrefixes} new block prefixes (${d.newSidecarPrefixes} from sidecars), ${d.remove.length} objects deleted`);

    const measures: Partial<Record<Approach, Measure>> = {};
    const verdicts: Partial<Record<Approach, Verdicts>> = {};
    let stateBytes = 0;

    const steady: One[] = [];
    for (let i = 0; i < spec.runs; i++) {
      server.write(STATE, STATE_KEY, stateT0);
      const r = await runNode(input("blockwatch", t1));
      const s = stateVerdicts();
      stateBytes = s.bytes;
      steady.push({ ...r, verdicts: s.verdicts });
    }
    measures.steady = summarize(steady);
    verdicts.steady = steady[steady.length - 1]!.verdicts;
    log(`[${spec.name}] steady state: ${fmtMeasure(measures.steady)}`);

    // The same run where memory is as scarce as in a Lambda of that size: a hard cgroup limit (what
    // the Lambda's microVM enforces) and node started as the Lambda runtime starts it in that memory.
    let limited: ScenarioResult["limited"];
    for (const mb of spec.lambdaMemoryMb ?? []) {
      const cgroup = memoryCgroup(mb);
      if (!cgroup) {
        limited = null;
        break;
      }
      const nodeFlags = lambdaNodeFlags(mb);
      const walls: number[] = [];
      let maxRss = 0;
      let cgroupMax = 0;
      let failure: string | undefined;
      try {
        for (let i = 0; i < spec.runs; i++) {
          server.write(STATE, STATE_KEY, stateT0);
          writeFileSync(join(cgroup, "memory.max_usage_in_bytes"), "0");
          try {
            const r = await runNode(input("blockwatch", t1), { cgroup, nodeFlags });
            walls.push(r.out.wallMs);
            maxRss = Math.max(maxRss, r.out.maxRssBytes);
          } catch (err) {
            failure = (err as Error).message.slice(0, 200);
          }
          cgroupMax = Math.max(cgroupMax, Number(readFileSync(join(cgroup, "memory.max_usage_in_bytes"), "utf8")));
        }
      } finally {
        rmdirSync(cgroup);
      }
      (limited ??= []).push({ memoryMb: mb, nodeFlags, completed: walls.length, runs: spec.runs, maxRssBytes: maxRss, cgroupMaxBytes: cgroupMax, medianMs: median(walls), failure });
      log(`[${spec.name}] steady state in a ${mb} MiB cgroup: ${walls.length}/${spec.runs} runs completed, cgroup peak ${(cgroupMax / 2 ** 20).toFixed(0)} MiB`);
    }

    if (!spec.steadyOnly) {
      const first: One[] = [];
      for (let i = 0; i < spec.runs; i++) {
        server.deleteObject(STATE, STATE_KEY);
        const r = await runNode(input("blockwatch", t1));
        first.push({ ...r, verdicts: stateVerdicts().verdicts });
      }
      measures.first = summarize(first);
      verdicts.first = first[first.length - 1]!.verdicts;
      log(`[${spec.name}] first run: ${fmtMeasure(measures.first)}`);

      const full: One[] = [];
      for (let i = 0; i < spec.runs; i++) {
        const r = await runNode(input("fullscan", t1));
        full.push({ ...r, verdicts: r.out.verdicts! });
      }
      measures.full = summarize(full);
      verdicts.full = full[full.length - 1]!.verdicts;
      log(`[${spec.name}] full scan: ${fmtMeasure(measures.full)}`);
    }

    if (spec.awsCliRuns > 0) {
      const cli: One[] = [];
      for (let i = 0; i < spec.awsCliRuns; i++) {
        const before = server.tally(THANOS);
        const r = await runProcess("/usr/bin/time", ["-f", "%M", "bash", join(env.root, "bench/aws-cli.sh")], {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? "/root",
          BUCKET: THANOS,
          ENDPOINT: server.endpoint,
          NOW_MS: String(t1),
          EXPECTED: fleet.expected.join(","),
          PARALLEL: "4",
          AWS_ACCESS_KEY_ID: "bench",
          AWS_SECRET_ACCESS_KEY: "bench",
          AWS_DEFAULT_REGION: server.region,
        });
        if (r.code !== 0) throw new Error(`aws-cli script failed (exit ${r.code}): ${r.stderr.slice(-2000)}`);
        const rssKb = Number(r.stderr.trim().split("\n").pop());
        const v: Verdicts = {};
        for (const line of r.stdout.trim().split("\n").filter(Boolean)) {
          const [name, status] = line.split(" ");
          v[name!] = status as Verdicts[string];
        }
        cli.push({
          out: { wallMs: r.wallMs, maxRssBytes: rssKb * 1024, heapPeakBytes: 0 },
          thanos: diff(before, server.tally(THANOS)),
          state: { list: 0, get: 0, head: 0, put: 0, other: 0 },
          metricsCalls: 0,
          verdicts: v,
        });
      }
      measures.awsCli = { ...summarize(cli), heapPeakBytes: null };
      verdicts.awsCli = cli[cli.length - 1]!.verdicts;
      log(`[${spec.name}] aws-cli: ${fmtMeasure(measures.awsCli)}`);
    }

    const compared = Object.keys(verdicts) as Approach[];
    const dis = disagreements(verdicts as Record<string, Verdicts>);
    return {
      spec,
      date: new Date().toISOString(),
      t1: new Date(t1).toISOString(),
      streams,
      expectedClusters: fleet.expected.length,
      bucket: { prefixesT0, prefixesT1, objectsT1: server.objectCount(THANOS), loadMs, loadedObjects },
      delta: { newPrefixes: d.newPrefixes, newSidecarPrefixes: d.newSidecarPrefixes, puts: d.put.length, removes: d.remove.length },
      floor,
      firstAtT0,
      ...(firstAsLambda ? { firstAsLambda } : {}),
      limited,
      measures,
      agreement: { clusters: Object.keys(verdicts.steady ?? {}).length, compared, disagreements: dis },
      stateBytes,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function fmtMeasure(m: Measure): string {
  return `${m.list} LIST + ${m.get + m.head} GET, median ${(m.medianMs / 1000).toFixed(2)} s, peak RSS ${(m.maxRssBytes / 2 ** 20).toFixed(0)} MiB`;
}
