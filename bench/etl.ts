// Federated ETL request counts: `npm run bench:etl` prints them; `-- --write` also saves
// bench/results/etl.md, which `npm run bench` puts into docs/benchmarks.md.
//
// The counts follow from the algorithm, not from a server: the reader below answers ListObjectsV2 as
// S3 does (UTF-8 order, StartAfter, Delimiter, 1,000 keys or prefixes a page, one request a page),
// over a generated bucket held in memory. Its S3 and FILESYSTEM readers are tested against the same
// semantics on the local S3 server (test/federated-bucket.test.ts).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BlockObject, BucketReader, KeyPage, ListKeysOptions, MetaRead, RequestCounts } from "../lib/bucket/bucket";
import { etlObjects } from "../lib/demo/etl-objects";
import { HOUR } from "../lib/demo/fleet";
import { checkBucket } from "../lib/engine/check";
import { DEFAULT_POLICY } from "../lib/policy/policy";
import { emptyState } from "../lib/state/state";
import { PRICES } from "../lib/cost/prices";

class MemoryKeys implements BucketReader {
  readonly location = "memory://etl-bench";
  readonly requests: RequestCounts = { listRequests: 0, getRequests: 0 };
  private keys: string[] = [];
  private meta = new Map<string, number>();
  put(key: string, mtime: number) {
    if (!this.meta.has(key)) this.keys.push(key);
    this.meta.set(key, mtime);
  }
  seal() {
    this.keys.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  }
  private lowerBound(k: string) {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.keys[mid]! <= k) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  async *listKeys(prefix: string, opts: ListKeysOptions = {}): AsyncIterable<KeyPage> {
    let i = this.lowerBound(opts.startAfter && opts.startAfter > prefix ? opts.startAfter : prefix.slice(0, -1));
    for (;;) {
      this.requests.listRequests += 1;
      const page: KeyPage = { objects: [], prefixes: [] };
      let n = 0;
      while (i < this.keys.length && this.keys[i]!.startsWith(prefix) && n < 1000) {
        const k = this.keys[i]!;
        const slash = opts.delimiter ? k.indexOf("/", prefix.length) : -1;
        if (slash >= 0) {
          const p = k.slice(0, slash + 1);
          page.prefixes.push(p);
          while (i < this.keys.length && this.keys[i]!.startsWith(p)) i++;
        } else {
          page.objects.push({ key: k, lastModified: this.meta.get(k)!, size: 6 });
          i++;
        }
        n++;
      }
      const more = i < this.keys.length && this.keys[i]!.startsWith(prefix);
      yield { ...page, more };
      if (!more) return;
    }
  }
  async *listTopLevel(): AsyncIterable<string[]> {
    yield [];
  }
  async readMeta(): Promise<MetaRead> {
    return { kind: "missing" };
  }
  async listBlock(): Promise<BlockObject[]> {
    return [];
  }
  async hasDeletionMark() {
    return false;
  }
  async hasMeta() {
    return false;
  }
}

const T0 = Date.parse("2026-12-01T10:30:00Z");
const rows: string[] = [];
for (const clusters of [100, 1_000]) {
  const bucket = new MemoryKeys();
  const add = (t: number) => {
    for (let c = 0; c < clusters; c++) {
      const stalled = c % 40 === 0; // 2.5% stalled 9h ago
      for (const o of etlObjects({ cluster: `cluster-${String(c).padStart(5, "0")}`, from: T0 - 7 * 24 * HOUR, stopAt: stalled ? T0 - 9 * HOUR : undefined }, t)) bucket.put(o.key, o.mtime);
    }
    for (const o of etlObjects({ cluster: "combined", from: T0 - 24 * HOUR }, t)) bucket.put(o.key, o.mtime);
    bucket.seal();
  };
  add(T0);
  const opts = { concurrency: 32, source: "federated-etl" as const };
  const measure = async (label: string, prev = emptyState(), now = T0) => {
    const before = { ...bucket.requests };
    const t = performance.now();
    const j = await checkBucket(bucket, prev, now, DEFAULT_POLICY, opts);
    const ms = Math.round(performance.now() - t);
    const lists = bucket.requests.listRequests - before.listRequests;
    const gets = bucket.requests.getRequests - before.getRequests;
    const monthly = lists * PRICES.s3.listPerRequest * 12 * 30.4;
    rows.push(
      `| ${clusters.toLocaleString("en-US")} | ${label} | ${lists.toLocaleString("en-US")} | ${gets} | ${j.report.stats.hourlyFilesListed!.toLocaleString("en-US")} | ${ms} | $${monthly.toFixed(2)} |`,
    );
    return j;
  };
  const first = await measure("first run (no state, 7-day lookback)");
  add(T0 + 2 * HOUR);
  await measure("steady run 2h later (state)", first.state, T0 + 2 * HOUR);
}

const doc = [
  "### Federated ETL (Kubecost 2.x)",
  "",
  "`npm run bench:etl` (bench/etl.ts, seconds). A generated bucket: per cluster 7 days of hourly allocations and",
  "assets files and their daily files (2.5% of clusters stalled 9 h ago), plus the aggregator's `combined/`; run",
  "with `--source federated-etl`. Requests are counted as S3 would bill them (a LIST per page of 1,000).",
  "",
  "| clusters | run | LIST | GET | hourly files listed | judge ms | LIST $/month if every run were this one (every 2h) |",
  "|---:|---|---:|---:|---:|---:|---:|",
  ...rows,
  "",
  "A run costs `ceil((clusters + 1) / 1000)` delimiter LISTs of `federated/` plus one LIST a cluster, whatever the",
  "history: one LIST of its `etl/bingen/` folder starting after its newest allocations 1h file seen returns, in key",
  "order, the new allocations files, then the daily assets files and the hourly assets ones (those after the newest",
  "seen are new). Kubecost keeps 49 hours of hourly and 91 days of daily ETL by default (the cost-analyzer chart's",
  "`kubecostModel.etlHourlyStoreDurationHours` and `etlDailyStoreDurationDays`): about 150 keys, one page of 1,000",
  "(this bench's 7 days of hourly files are about 350). A page that ends before the new assets files (a longer",
  "retention) starts again after the newest assets file seen: 2 LISTs at most, plus a page per 1,000 new hourly",
  "files (`test/federated-bucket.test.ts` counts them on the local S3 server). No GET: names and LastModified are",
  "the whole signal. \"Hourly files listed\" counts those after each kind's newest file seen.",
  "",
].join("\n");
process.stdout.write(doc + "\n");
if (process.argv.includes("--write")) {
  const dir = join(import.meta.dirname, "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "etl.md"), doc);
  process.stderr.write("wrote bench/results/etl.md (npm run bench -- --from-results puts it into docs/benchmarks.md)\n");
}
