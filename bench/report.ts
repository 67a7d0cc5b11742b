// Tables of the figures, for the terminal and for docs/benchmarks.md.
import { cpus, loadavg, release, totalmem } from "node:os";
import type { BundleFigures } from "./bundle";
import type { Approach, Measure, ScenarioResult } from "./scenario";

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  kernel: string;
  /** 1-minute load average when the measurement started: other work on the machine skews wall times. */
  load?: number;
}

export function machine(): Machine {
  return {
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    kernel: release(),
    load: Math.round(loadavg()[0]! * 10) / 10,
  };
}

export interface Saved<T> {
  date: string;
  machine: Machine;
  /** How the local server listed: fauxqs's own sort, or the bench's key index. */
  listing: "indexed" | "fauxqs";
  result: T;
}

export interface AllResults {
  quick?: Saved<ScenarioResult>;
  full?: Saved<ScenarioResult>;
  memory?: Saved<ScenarioResult>;
  custom?: Saved<ScenarioResult>;
  bundle?: Saved<BundleFigures>;
  /** The Federated ETL section written by `npm run bench:etl -- --write` (bench/results/etl.md). */
  etl?: string;
}

const n = (x: number) => x.toLocaleString("en-US");
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const secs = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const ratio = (a: number, b: number) => (b === 0 ? "–" : `${(a / b).toFixed(a / b >= 100 ? 0 : 1)}×`);

const TITLES: Record<Approach, string> = {
  steady: "blockwatch steady state",
  first: "blockwatch first run",
  full: "full scan",
  awsCli: "aws-cli script",
};

function machineLine(s: Saved<unknown>): string {
  const m = s.machine;
  return `${s.date.slice(0, 10)} on ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, Linux ${m.kernel}${
    m.load === undefined ? "" : ` (load average ${m.load} at the start)`
  }; local S3: fauxqs 1.9.2 in the bench process (${
    s.listing === "indexed" ? "listing from a sorted key index" : "fauxqs's own listing"
  })`;
}

export function scenarioMarkdown(title: string, s: Saved<ScenarioResult>): string {
  const r = s.result;
  const order: Approach[] = ["steady", "first", "full", "awsCli"];
  const cols = order.filter((a) => r.measures[a]);
  const ms = cols.map((a) => r.measures[a]!);
  const row = (label: string, f: (m: Measure) => string) => `| ${label} | ${ms.map(f).join(" | ")} |`;
  const lines = [
    `### ${title}`,
    "",
    `${n(r.spec.clusters)} clusters (${n(r.streams)} streams, ${n(r.expectedClusters)} expected), ${r.spec.days} day${r.spec.days === 1 ? "" : "s"} of history: ` +
      `${n(r.bucket.prefixesT1)} block prefixes, ${n(r.bucket.objectsT1)} objects at T1. ` +
      `Between the runs (T0 → T1 = 2 h): ${n(r.delta.newPrefixes)} new block prefixes (${n(r.delta.newSidecarPrefixes)} from sidecars, ` +
      `${n(r.delta.newPrefixes - r.delta.newSidecarPrefixes)} from the compactor), ` +
      `${n(r.delta.removes)} objects deleted. Concurrency ${r.spec.concurrency}.`,
    "",
    `Measured ${machineLine(s)}.`,
    "",
    `| | ${cols.map((a) => TITLES[a]).join(" | ")} |`,
    `|---|${cols.map(() => "---:").join("|")}|`,
    row("S3 LIST requests (Thanos bucket)", (m) => n(m.list)),
    row("S3 GET + HEAD requests", (m) => (m.head ? `${n(m.get)} + ${n(m.head)}` : n(m.get))),
    row("**total S3 requests**", (m) => `**${n(m.list + m.get + m.head)}**`),
    row("wall time, median (min–max) of runs", (m) =>
      m.runs === 1 ? `${secs(m.medianMs)} (1 run)` : `${secs(m.medianMs)} (${secs(Math.min(...m.wallMs))}–${secs(Math.max(...m.wallMs))}, ${m.runs} runs)`,
    ),
    row("peak RSS (own process)", (m) => mib(m.maxRssBytes)),
    row("peak JS heap (sampled)", (m) => (m.heapPeakBytes ? mib(m.heapPeakBytes) : "–")),
    row("verdicts ok / late / stalled / missing", (m) => `${m.statuses.ok} / ${m.statuses.late} / ${m.statuses.stalled} / ${m.statuses.missing}`),
    row("top-level names listed / meta.json read (blockwatch's log)", (m) => (m.prefixesListed === undefined ? "–" : `${n(m.prefixesListed)} / ${n(m.metaRead ?? 0)}`)),
    row("state bucket requests (GET + PUT)", (m) => (m.stateRequests ? n(m.stateRequests) : "–")),
    row("PutMetricData calls", (m) => (m.metricsCalls ? n(m.metricsCalls) : "–")),
    "",
  ];
  const st = r.measures.steady;
  if (st) {
    const req = st.list + st.get + st.head;
    lines.push(
      `- **Steady-state floor**: ⌈${n(r.delta.newPrefixes)} new prefixes / 1,000⌉ = ${r.floor.list} LIST + ${n(r.floor.get)} GET = ${n(r.floor.total)} requests. ` +
        `blockwatch made ${n(req)} (floor ${req - r.floor.total >= 0 ? "+" : "−"} ${Math.abs(req - r.floor.total)}, ratio ${(req / r.floor.total).toFixed(3)}).`,
    );
  }
  const full = r.measures.full;
  if (st && full) {
    lines.push(
      `- **Steady state vs full scan**: ${ratio(full.list + full.get + full.head, st.list + st.get + st.head)} fewer requests, ${ratio(full.medianMs, st.medianMs)} less wall time.`,
    );
  }
  const first = r.measures.first;
  if (first) {
    lines.push(
      `- **First run** (no state, 7-day lookback): listed ${first.prefixesListed === undefined ? "?" : n(first.prefixesListed)} top-level names ` +
        `(the bucket holds ${n(r.bucket.prefixesT1)} block prefixes and a few non-block names), ` +
        `${n(first.list + first.get + first.head)} requests${full ? ` (${ratio(full.list + full.get + full.head, first.list + first.get + first.head)} fewer than the full scan)` : ""}.`,
    );
  }
  lines.push(
    r.agreement.disagreements.length === 0
      ? `- **Verdicts agree** on all ${n(r.agreement.clusters)} clusters across ${r.agreement.compared.map((a) => TITLES[a]).join(", ")}.`
      : `- **Verdicts DISAGREE** on ${r.agreement.disagreements.length} clusters: ${r.agreement.disagreements.slice(0, 5).join("; ")}`,
    `- Saved state after the steady-state run: ${n(r.stateBytes)} bytes (${n(Math.round(r.stateBytes / Math.max(1, r.spec.clusters)))} bytes per cluster). ` +
      `The first run at T0 (which made it) took ${secs(r.firstAtT0.medianMs)} with a peak RSS of ${mib(r.firstAtT0.maxRssBytes)}.`,
    ...(r.limited ?? []).map(
      (x) =>
        `- Steady state in a ${x.memoryMb} MiB memory cgroup (node ${x.nodeFlags.join(" ")}): ${x.completed}/${x.runs} runs completed, ` +
        `cgroup peak ${mib(x.cgroupMaxBytes)}${x.failure ? ` (${x.failure})` : ""}.`,
    ),
    `- Bucket loaded straight into fauxqs's in-process S3 store: ${n(r.bucket.loadedObjects)} objects in ${secs(r.bucket.loadMs)}.`,
    "",
  );
  return lines.join("\n");
}

export function bundleMarkdown(s: Saved<BundleFigures>): string {
  const b = s.result;
  const sorted = [...b.coldInitMs].sort((x, y) => x - y);
  return [
    "### Lambda bundle",
    "",
    `Built from ${b.source} (handlers/scheduled.ts, AWS SDK bundled). Measured ${machineLine(s)}.`,
    "",
    "| | figure | target |",
    "|---|---:|---:|",
    `| bundle size | ${n(b.bytes)} bytes (${(b.bytes / 2 ** 20).toFixed(2)} MiB), ${n(b.gzipBytes)} gzipped | ≤ 1 MB |`,
    `| cold initialisation: require() in a fresh node, median of ${b.coldInitMs.length} | ${b.coldInitMedianMs.toFixed(0)} ms (${sorted[0]!.toFixed(0)}–${sorted[sorted.length - 1]!.toFixed(0)}) | ≤ 150 ms |`,
    "",
  ].join("\n");
}

export function memoryMarkdown(s: Saved<ScenarioResult>): string {
  const r = s.result;
  const st = r.measures.steady!;
  return [
    `### Memory at ${n(r.spec.clusters)} clusters`,
    "",
    `The steady-state run of the real handler (state load, scan, judgement, alerts, state save, ${n(st.metricsCalls)} PutMetricData calls) ` +
      `with ${n(r.spec.clusters)} clusters' state (${n(r.streams)} streams, ${r.spec.days} days of history, ${n(r.bucket.prefixesT1)} block prefixes; ` +
      `${n(r.delta.newPrefixes)} new between the runs). Measured ${machineLine(s)}.`,
    "",
    "| | figure | target |",
    "|---|---:|---:|",
    `| peak RSS, max of ${st.runs} runs (own process, bundled handler) | ${mib(st.maxRssBytes)} | within a 128 MB Lambda |`,
    `| peak JS heap (sampled every 5 ms) | ${mib(st.heapPeakBytes ?? 0)} | |`,
    ...limitedRows(r),
    ...firstAsLambdaRows(r),
    `| saved state | ${n(r.stateBytes)} bytes (${n(Math.round(r.stateBytes / r.spec.clusters))} per cluster) | |`,
    `| wall time, median of ${st.runs} | ${secs(st.medianMs)} | |`,
    `| S3 requests | ${n(st.list)} LIST + ${n(st.get + st.head)} GET (floor ${n(r.floor.total)}) | |`,
    `| verdicts ok / late / stalled / missing | ${st.statuses.ok} / ${st.statuses.late} / ${st.statuses.stalled} / ${st.statuses.missing} | |`,
    "",
  ].join("\n");
}

function firstAsLambdaRows(r: ScenarioResult): string[] {
  const f = r.firstAsLambda;
  if (!f) return [];
  const where = f.cgroupMaxBytes === null ? "no cgroup here: unconstrained" : `in a ${f.memoryMb} MiB memory cgroup (node ${f.nodeFlags.join(" ")})`;
  const beats = f.heartbeats.filter(Boolean).length;
  return [
    `| first run (no state, ${n(r.bucket.prefixesT0)} block prefixes at T0) as the deployed Lambda: ${where}, ${secs(f.budgetMs)} budget | ` +
      `${f.completed ? "completed" : "**did not complete**"} in ${f.runs} run${f.runs === 1 ? "" : "s"} (${f.wallMs.map((w) => secs(w)).join(", ")})` +
      `${f.cgroupMaxBytes === null ? "" : `, cgroup peak ${mib(f.cgroupMaxBytes)}`}, peak RSS ${mib(f.maxRssBytes)}, at most ${n(f.peakBlocks ?? 0)} blocks held at once | must complete in ${f.memoryMb} MiB |`,
    `| that first run: S3 requests, RunSucceeded heartbeats | ${n(f.list)} LIST + ${n(f.get)} GET; ${beats} of ${f.runs} runs sent the heartbeat | every run that saved progress |`,
  ];
}

function limitedRows(r: ScenarioResult): string[] {
  const l = r.limited;
  if (l === undefined) return [];
  if (l === null) return ["| in a memory cgroup like a Lambda's | not measured: no cgroup v1 memory controller here | |"];
  return l.map(
    (x) =>
      `| in a ${x.memoryMb} MiB memory cgroup (node ${x.nodeFlags.join(" ")}) | ${x.completed}/${x.runs} runs completed, cgroup peak ${mib(x.cgroupMaxBytes)}` +
      `${x.completed ? `, median ${secs(x.medianMs)}` : ""}${x.failure ? ` (${x.failure.replace(/\|/g, "/")})` : ""} | ${x.memoryMb === 128 ? "must complete, peak ≤ 96 MiB" : ""} |`,
  );
}

export function targetsMarkdown(all: AllResults): string {
  const rows: string[] = [];
  const full = all.full?.result;
  const st = full?.measures.steady;
  const fs = full?.measures.full;
  const first = full?.measures.first;
  const yes = (ok: boolean) => (ok ? "met" : "**missed**");
  if (full && st) {
    const req = st.list + st.get + st.head;
    rows.push(`| steady-state requests ≤ floor + 2 | ${n(req)} vs floor ${n(full.floor.total)} (+${req - full.floor.total}) | ${yes(req <= full.floor.total + 2)} |`);
    if (fs) {
      const rq = (fs.list + fs.get + fs.head) / req;
      const wt = fs.medianMs / st.medianMs;
      rows.push(`| ≥ 20× fewer requests than the full scan | ${rq.toFixed(0)}× | ${yes(rq >= 20)} |`);
      rows.push(`| ≥ 10× less wall time than the full scan | ${wt.toFixed(1)}× | ${yes(wt >= 10)} |`);
    }
    if (first && first.prefixesListed !== undefined) {
      rows.push(
        `| first run bounded by the lookback, not the bucket | listed ${n(first.prefixesListed)} names; the bucket holds ${n(full.bucket.prefixesT1)} block prefixes | ${yes(first.prefixesListed < full.bucket.prefixesT1)} |`,
      );
    }
  }
  if (all.bundle) {
    rows.push(`| bundle ≤ 1 MB | ${n(all.bundle.result.bytes)} bytes | ${yes(all.bundle.result.bytes <= 1_000_000)} |`);
    rows.push(`| cold init ≤ 150 ms | ${all.bundle.result.coldInitMedianMs.toFixed(0)} ms | ${yes(all.bundle.result.coldInitMedianMs <= 150)} |`);
  }
  const mem = all.memory?.result.measures.steady;
  if (mem) {
    const l = all.memory!.result.limited?.find((x) => x.memoryMb === 128);
    const inLimit = l ? `; in a 128 MiB cgroup ${l.completed}/${l.runs} runs completed (cgroup peak ${mib(l.cgroupMaxBytes)})` : "";
    const ok = l ? l.completed === l.runs && l.cgroupMaxBytes <= 96 * 2 ** 20 : mem.maxRssBytes <= 96 * 2 ** 20;
    rows.push(`| steady state at ${n(all.memory!.result.spec.clusters)} clusters: ≤ 96 MiB in a 128 MiB Lambda | ${mib(mem.maxRssBytes)} RSS unconstrained${inLimit} | ${yes(ok)} |`);
  }
  const f = all.memory?.result.firstAsLambda;
  if (f) {
    const peak = f.cgroupMaxBytes === null ? `peak RSS ${mib(f.maxRssBytes)} (no cgroup)` : `cgroup peak ${mib(f.cgroupMaxBytes)}`;
    const beats = f.heartbeats.filter(Boolean).length;
    rows.push(
      `| first run at ${n(all.memory!.result.spec.clusters)} clusters completes in the deployed ${f.memoryMb} MB, heartbeat from every run | ${f.runs} run${f.runs === 1 ? "" : "s"} of ${secs(f.budgetMs)}, ${peak}, ${beats}/${f.runs} heartbeats | ${yes(f.completed && beats === f.runs && (f.cgroupMaxBytes ?? f.maxRssBytes) <= f.memoryMb * 2 ** 20)} |`,
    );
  }
  if (rows.length === 0) return "";
  return ["### Targets", "", "| target | figure | |", "|---|---|---|", ...rows, ""].join("\n");
}

const INTRO = `# Benchmarks

\`npm run bench\` (about 20 minutes) regenerates this page; \`npm run bench -- --quick\` (under a minute) only the quick
section. Sizes: \`--clusters N --days N\` (a custom scenario), \`--runs N\`, \`--concurrency N\`, \`--memory-clusters N\`.
The benchmarks never run inside \`npm test\`.

**Method.** The bench generates a realistic bucket (bench/fleet.ts): per cluster a sidecar shipping 2h blocks, a
compactor turning every complete 8h window into a level-2 block and marking its four sources for deletion (deleted
48h later; its 8h windows are UTC-aligned, so its blocks come in a burst 4h after each 8h boundary: T1 is placed
2h30m after a boundary, so the measured two hours hold one block per live stream and no burst), 10% HA pairs, 2.5% clusters stalled 5–48h ago, 2.5% late, 1% stalled for days, 1% expected clusters
that never uploaded, and the non-block junk Thanos and Kubecost leave at the top level. It writes the bucket as it
is at T0 straight into fauxqs's in-process S3 store (fauxqs is built with its public \`buildApp({ stores })\` so the
bench holds the store; objects get their upload time as LastModified), runs blockwatch once at T0 (no state), then
applies the next two hours (new sidecar blocks, new compactor blocks, deletion marks, deletions) and measures, on
the bucket at T1:

1. **blockwatch steady state**: the real scheduled handler (state from the T0 run, judgement, alerts to SNS,
   state save, PutMetricData to a local endpoint), bundled with esbuild exactly like \`serverless package\`.
2. **blockwatch first run**: the same handler without state (7-day lookback).
3. **full scan**: every top-level prefix listed and every meta.json read, with the same concurrency, judged by an
   independent implementation of the rules (bench/judge.ts): what \`thanos tools bucket inspect\` does.
4. **aws-cli script** (bench/aws-cli.sh, quick size only: one Python process per block): \`aws s3api
   list-objects-v2\` + one \`aws s3api get-object\` per block (4 in parallel), newest maxTime per cluster with jq.

Each run is its own process. Its peak RSS is its own \`VmHWM\` (not \`ru_maxrss\`, which on Linux also holds the RSS
of the bench process it was forked from); the aws-cli's is the largest of its processes (GNU time). Memory as a
Lambda sees it: the steady-state run again inside a cgroup v1 memory group of 128 MiB (and of serverless.yml's
\`memorySize\`), node started as the Lambda Node.js runtime's bootstrap starts it in that memory (\`--expose-gc\`, a
tenth of it for the young generation, the rest old space) with the function's \`MALLOC_*\` environment; the
cgroup's charged peak is reported. In the memory
scenario the first run at T0 is made as the deployed function makes it: in a cgroup of \`memorySize\`, with the
function's \`timeout\` as its time budget (the handler's clock runs in real time), again from the saved state
until a run completes; its runs, their heartbeats (\`RunSucceeded\` data received) and the cgroup's peak are
reported.
S3 requests are counted by the server as it receives them (a Fastify hook in fauxqs), per bucket, not by the
client. fauxqs lists by sorting the whole bucket with \`localeCompare\` on every request (≈150 ms a page at 300k
objects, not S3's byte order); the bench serves ListObjectsV2 from a sorted key index with the same semantics
instead, so a page costs what it costs on S3 whatever the bucket size (\`--raw-fauxqs\` keeps fauxqs's own). The
verdicts of all approaches are compared cluster by cluster.

Local figures: S3 latency here is a loopback round trip (≈1 ms), on AWS it is 10–30 ms a GET, so wall times on
Lambda are longer for every approach, and longer still for the ones with more requests. Request counts are what
AWS bills and do not depend on the machine.
`;

const ANALYSIS = `### Why, and what changed

**Steady-state requests.** A run lists the whole lookback window (issue 9: a sidecar that recovers ships
blocks whose ULIDs are hours or days older than the previous run, and a run with state must see them), so
it lists ⌈7d × rate / 1,000⌉ pages, in ULID-time slices of ~8 pages listed in parallel, each slice but the
last listing at most one page past its end. A compact record of the prefixes already read (lib/scan/seen.ts,
~7 bytes a prefix) keeps GETs at exactly one per new block, the bulk of the requests and of the cost. Earlier
versions listed only from 3 hours behind the cursor (4 pages at 1,000 clusters) and missed late uploads.

**Memory that grows with streams, not blocks (issue 9 part 7).** The first run held every block of the lookback
before judging: at 10,000 clusters (280,070 prefixes at T0) it peaked at 1,022 MiB RSS (894 MiB of JS heap), four
times the deployed 256 MB. A run now reads the lookback in parts of at most 4,000 meta.json
(lib/engine/check.ts \`BLOCKS_PER_PART\`; the page that crosses the budget is read whole, no page is fetched
for nothing) and folds each part into the state before it reads the next, as if each part were a run of its own:
the property the stateful-equals-stateless tests pin (a run with state reaches the verdict of a run without
state). The report comes from the last fold, judged against the state the run began with (cluster transitions,
new clusters) with the run's uploads summed; later parts do not look at pending prefixes and finding blocks again
and do not list again what the run listed moments before. \`stats.peakBlocks\` says how many blocks a run held at
once; test/late-uploads.test.ts runs every replay in parts of 3 blocks (same report, same state) and fails if
the first run of an 18,000-block bucket holds more than one part. A first run its time budget stops saves its
progress and, while no run has completed yet, sends the \`RunSucceeded\` heartbeat when its cursor moved, so the
"not reporting" alarm (no \`RunSucceeded\` in 3 schedule intervals) stays quiet while it catches up
(test/first-run-heartbeat.test.ts; the fault suite's time-budget scenario). For the steady state, the seen
record is decoded and joined into arrays sized once (a doubling builder and a JS order array held it up to
three times) and the state text is not kept while the run goes on.

Measured (tables below): the first run at 10,000 clusters completes inside the deployed 256 MiB in 2 runs of
the 300 s budget (9 before the changes below), both sending their heartbeat, holding at most 4,999 blocks, cgroup
peak 173 MiB (243 before). The steady state at 10,000 clusters completes in 256 MiB (3 of 3 runs, peak 151 MiB,
227 before) but still misses its target in 128 MiB: 1 of 3 runs completed, the other two were killed at the
limit (killed in every run before). What changed since the last figures: runs in a cgroup start node as the Lambda
Node.js runtime's bootstrap does (\`--expose-gc\`, a tenth of the memory for the young generation; before, only
\`--max-old-space-size\` at 90%) with the function's environment; the function sets glibc's \`MALLOC_ARENA_MAX=1\`
and a fixed mmap/trim threshold (freed buffers leave the cgroup: 20 to 27 MiB lower peaks); the state is read into
one buffer and parsed member by member (loading it took 82 MiB, now about 50); the engine lets go of the previous
streams once the first part is folded (22 MiB held beside the new ones before); the run calls the runtime's
\`gc()\` after the load, every 1,000 reads and 64 listing pages, between parts and around the save; the bundle is
ASCII (a single \`…\` had V8 hold its 1.2 MB source as two bytes a character). What is left, from a heap snapshot
in the last part: 44 MiB alive, of which ~23 MiB are the streams' tuples as JS arrays (~18 arrays and their boxed
millisecond numbers a stream); V8 keeps 30 to 40 MiB more committed between collections. Reaching 96 MiB needs
the streams in a packed form (the backlog, ranges and tops as typed arrays), not done.

**Memory at 10,000 clusters, before.** The first measurement missed: the saved state was ~11 MB of JSON (1.1 KB a
cluster, 70% of it 26 hours of level-1 block ranges kept for overlap detection, ~13 \`[ulid, minTime, maxTime]\`
a stream), and a run held it several times at once (the text, the parsed previous state, a new state in which
evaluate() copied every stream's arrays, the text written back), next to the ~60 MB Node and the bundle take
before any work: in a 128 MiB cgroup the run was killed while saving. Fixed at the cause: \`parseState\`
validates in place instead of through zod (whose output was a second, larger copy: 42 MB beside JSON.parse's
27 MB); the overlap memory is 8h instead of 26h (two Prometheus servers on one label set both ship every 2h, so
their newest blocks overlap within hours; ~4 ranges a stream), which halves the state to 540 bytes a cluster;
and evaluate() shares the streams no block touched with the previous state instead of copying them. The run
then completed inside 128 MiB, with little headroom (peak 127 MiB charged): \`serverless.yml\` deploys 256 MB.
Left: zod's classic build in the bundle (444 KB, every locale); zod/mini would lower the baseline and the cold
start.

**List pipelining.** The scan now asks for the next LIST page while it reads the current page's meta.json, so a
LIST round trip no longer adds to each page of a first run (53 pages at 1,000 clusters).
`;

export function documentMarkdown(all: AllResults): string {
  const parts = [INTRO];
  const t = targetsMarkdown(all);
  if (t) parts.push(t, ANALYSIS);
  if (all.full) parts.push(scenarioMarkdown("Full size", all.full));
  if (all.memory) parts.push(memoryMarkdown(all.memory));
  if (all.bundle) parts.push(bundleMarkdown(all.bundle));
  if (all.quick) parts.push(scenarioMarkdown("Quick size (`--quick`), with the aws-cli script", all.quick));
  if (all.custom) parts.push(scenarioMarkdown("Custom size", all.custom));
  if (all.etl) parts.push(all.etl);
  return parts.join("\n");
}
