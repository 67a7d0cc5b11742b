// Faults of the Thanos bucket's S3 endpoint, through the real handler and its real S3 client.
import { formatLabels } from "../../../lib/domain/labels";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { BucketError } from "../../../lib/bucket/bucket";
import { parseState, type State } from "../../../lib/state/state";
import { main } from "../../../lib/cli/main";
import { buildFleet, expectedClusters } from "../../support/fleet";
import { s3ObjstoreYaml } from "../../support/s3-server";
import type { Expectation } from "../alerts";
import { freshBlock, MIN, NOW, smallFleet } from "../fleets";
import type { Scenario, ScenarioContext } from "../harness";
import { pick, type Fault, type FaultRule, type RequestInfo } from "../proxy";
import { fixedClock, runningClock, STATE_BUCKET, type HandlerRun, type LogLine } from "../world";

const THANOS_OPS = new Set(["list", "get", "head"]);
const slowDown: Fault = { kind: "error", status: 503, code: "SlowDown", message: "Please reduce your request rate." };
const internal: Fault = { kind: "error", status: 500, code: "InternalError", message: "We encountered an internal error. Please try again." };

/** The parts of a state that are the verdict (not the ledger or the outbox ids). */
export function verdictOf(s: State) {
  return { cursor: s.cursor, streams: s.streams, clusters: s.clusters, pending: s.pending, seen: s.seen, corrupt: s.corrupt, unlabeled: s.unlabeled, overlaps: s.overlaps };
}

export function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function summaryOf(run: HandlerRun): LogLine | undefined {
  return run.logs.find((l) => l.msg === "run complete");
}

async function stateAt(ctx: ScenarioContext, key: string): Promise<State | null> {
  const text = await ctx.world.readObject(STATE_BUCKET, key);
  return text === null ? null : parseState(text);
}

/** The recorder's data points of one run, comparable across runs (durations left out). */
function metricsSince(ctx: ScenarioContext, from: number): string[] {
  return ctx.world.recorder
    .data()
    .slice(from)
    .filter((d) => d.MetricName !== "RunDurationMs")
    .map((d) => `${d.MetricName}|${(d.Dimensions ?? []).map((x) => x.Value).join(",")}|${d.Value}`)
    .sort();
}

export const s3TransientFaults: Scenario = {
  name: "s3-transient-faults",
  claim: "throttling, 5xx, resets, slow and truncated answers are retried: same verdicts and alerts as a fault-free run",
  async run(ctx) {
    const { world } = ctx;
    const fleet = buildFleet(NOW);
    const bucket = "thanos-transient";
    world.load(bucket, fleet.objects);
    const channel = world.channel("transient");
    const oracle = expectedClusters(fleet, NOW);
    const firstRun = firstRunExpectations(fleet, oracle);
    const seed = ctx.options.seed;
    const chosen = (rate: number, salt = 0) => (r: RequestInfo) => THANOS_OPS.has(r.op) && r.bucket === bucket && pick(seed + salt, r.identity) < rate;

    const runWith = async (label: string, rules: FaultRule[]) => {
      world.thanosProxy.setRules(rules);
      const before = world.thanosProxy.totalInjected();
      const metricsFrom = world.recorder.data().length;
      const key = `state/transient-${label.replace(/\W+/g, "-")}.json`;
      const config = world.config({ THANOS_BUCKET: bucket, STATE_KEY: key, ALERT_TOPIC_ARN: channel.topicArn, EXPECTED_CLUSTERS: fleet.expectedClusters.join(",") });
      ctx.expect(...firstRun);
      ctx.runs++;
      const run = await world.invoke({ config, clock: fixedClock(NOW), queueUrl: channel.queueUrl });
      ctx.deliver(run.captured);
      world.thanosProxy.clear();
      const injected = world.thanosProxy.totalInjected() - before;
      ctx.note(`${label}: ${run.ok ? "ok" : run.error?.message} in ${run.durationMs} ms, ${injected} faults`);
      if (!run.ok && !(run.error instanceof BucketError)) ctx.crash(`${label}: handler threw`, run.error);
      ctx.check(run.ok, `${label}: the run rides the faults out (${run.ok ? "ok" : `failed after ${run.durationMs} ms: ${run.error?.message}`})`);
      if (!run.ok) {
        // It gave up: its "cannot read the bucket" alert (and the "readable again" that follows) are
        // false alarms; the next, fault-free run sends what this one should have.
        ctx.runs++;
        ctx.deliver((await world.invoke({ config, clock: fixedClock(NOW + MIN), queueUrl: channel.queueUrl })).captured);
      }
      return { run, injected, state: await stateAt(ctx, key), metrics: metricsSince(ctx, metricsFrom) };
    };

    const baseline = await runWith("baseline", []);
    ctx.check(baseline.run.ok && baseline.state !== null, "baseline run succeeds and saves its state");
    if (!baseline.state) return;
    // The baseline agrees with the fleet's independent oracle.
    for (const [name, v] of oracle) ctx.check(baseline.state.clusters[name]?.status === v.status, `baseline: ${name} is ${v.status}`);

    // Rates a run must ride out. The SDK's retry quota (500 tokens per client; a retried 5xx or reset
    // costs 14, refunded when the retry succeeds; +1 per clean success) can cut its own attempts
    // short; blockwatch's retries after them (1, 2, 4, 8 s while the deadline allows) do not spend it.
    /** Every request fails (connection reset) for `ms` of wall time, from the 300th request of the run on. */
    const outage = (ms: number): FaultRule => {
      let seen = 0;
      let start: number | null = null;
      return {
        name: "outage",
        when: (r) => {
          if (r.bucket !== bucket || !THANOS_OPS.has(r.op) || ++seen < 300) return false;
          start ??= Date.now();
          return Date.now() - start < ms;
        },
        fault: { kind: "reset" },
      };
    };
    const topLevelList = (r: RequestInfo) => r.op === "list" && r.bucket === bucket && r.query.get("delimiter") === "/";
    const cases: [string, FaultRule[]][] = [
      [
        "503 SlowDown (and every listing page throttled twice)",
        [
          { name: "slowdown", when: chosen(0.05), fault: slowDown, attemptsPerRequest: 1 },
          { name: "slowdown-twice", when: chosen(0.02, 10), fault: slowDown, attemptsPerRequest: 2 },
          // Every page of the top-level listing throttled twice as well.
          { name: "list-throttle", when: topLevelList, fault: slowDown, attemptsPerRequest: 2 },
        ],
      ],
      [
        "500 InternalError, connection resets and truncated bodies",
        [
          { name: "truncate", when: (r) => r.op === "get" && chosen(0.08, 3)(r), fault: { kind: "truncate" }, attemptsPerRequest: 2 },
          { name: "internal", when: chosen(0.06, 1), fault: internal, attemptsPerRequest: 1 },
          { name: "reset", when: chosen(0.06, 2), fault: { kind: "reset" }, attemptsPerRequest: 1 },
          { name: "internal-twice", when: chosen(0.02, 11), fault: internal, attemptsPerRequest: 2 },
          { name: "reset-twice", when: chosen(0.02, 12), fault: { kind: "reset" }, attemptsPerRequest: 2 },
        ],
      ],
      [
        "mixed, with slow answers",
        [
          {
            name: "mixed",
            when: chosen(0.1, 5),
            fault: (r) => [slowDown, internal, { kind: "reset" } as Fault, r.op === "get" ? ({ kind: "truncate" } as Fault) : slowDown][Math.floor(pick(seed + 6, r.identity) * 4)]!,
            attemptsPerRequest: 1,
          },
          { name: "slow", when: chosen(0.05, 4), fault: (r) => ({ kind: "slow", ms: 100 + Math.floor(pick(seed, r.identity + "ms") * 300) }) },
        ],
      ],
      ["S3 unreachable for 5 s mid-run", [outage(5_000)]],
    ];
    for (const [label, rules] of cases) {
      const r = await runWith(label, rules);
      ctx.faults += r.injected;
      ctx.check(r.injected > 0, `${label}: faults were injected`);
      if (!r.run.ok || !r.state) continue;
      ctx.check(r.run.result?.status === "complete", `${label}: run complete (status ${r.run.result?.status})`);
      ctx.check(same(verdictOf(r.state), verdictOf(baseline.state)), `${label}: saved verdicts identical to the fault-free run`);
      ctx.check(same(r.metrics, baseline.metrics), `${label}: metrics identical to the fault-free run`);
      ctx.check(r.run.durationMs < 240_000, `${label}: within the run's time budget (${r.run.durationMs} ms)`);
    }
  },
};

export const s3Brownout: Scenario = {
  name: "s3-brownout",
  claim: "20% of requests failing twice: the run rides it out or fails honestly (one 'cannot read' alert); never a false verdict",
  async run(ctx) {
    const { world } = ctx;
    const fleet = buildFleet(NOW);
    const bucket = "thanos-brownout";
    world.load(bucket, fleet.objects);
    const channel = world.channel("brownout");
    const oracle = expectedClusters(fleet, NOW);
    const firstRun = firstRunExpectations(fleet, oracle);
    const seed = ctx.options.seed;
    const chosen = (rate: number, salt = 0) => (r: RequestInfo) => THANOS_OPS.has(r.op) && r.bucket === bucket && pick(seed + salt, r.identity) < rate;
    // A brownout: 20% of requests fail twice with 500. The run either rides it out with the same
    // verdicts (blockwatch's own retries outlast the SDK's quota), or fails honestly: one "cannot read the bucket" alert, nothing
    // judged, and the next run sets everything right. Never a false verdict.
    world.thanosProxy.setRules([{ name: "brownout", when: chosen(0.2, 7), fault: internal, attemptsPerRequest: 2 }]);
    const before = world.thanosProxy.totalInjected();
    const key = "state/transient-brownout.json";
    const config = world.config({ THANOS_BUCKET: bucket, STATE_KEY: key, ALERT_TOPIC_ARN: channel.topicArn, EXPECTED_CLUSTERS: fleet.expectedClusters.join(",") });
    ctx.runs++;
    const brown = await world.invoke({ config, clock: fixedClock(NOW), queueUrl: channel.queueUrl });
    world.thanosProxy.clear();
    ctx.faults += world.thanosProxy.totalInjected() - before;
    ctx.deliver(brown.captured);
    if (brown.ok) {
      ctx.expect(...firstRun);
      ctx.note(`brownout (20% of requests failing twice): the run rode it out in ${brown.durationMs} ms`);
    } else {
      ctx.expect({ section: "unreadable", name: "bucket" });
      ctx.check(brown.error?.name === "BucketError", `brownout: the run fails as "cannot read the bucket", nothing else (${brown.error?.name})`);
      ctx.note(`brownout (20% of requests failing twice): the run gave up after ${brown.durationMs} ms: ${brown.error?.message}`);
      ctx.expect({ section: "readable", name: "bucket" }, ...firstRun);
      const after = await ctx.invoke({ config, clock: fixedClock(NOW + MIN), queueUrl: channel.queueUrl });
      ctx.check(after.ok, "brownout over: the next run succeeds");
    }
    const st = await stateAt(ctx, key);
    for (const [name, v] of oracle) ctx.check(st?.clusters[name]?.status === v.status, `brownout over: ${name} is ${v.status}`);
  },
};

export const s3Unreadable: Scenario = {
  name: "s3-unreadable",
  claim: "a bucket that stays unreadable fails the run: one 'cannot read the bucket' alert, no heartbeat, no false recovered/stalled",
  async run(ctx) {
    const { world } = ctx;
    const fleet = smallFleet(NOW);
    const bucket = "thanos-unreadable";
    world.load(bucket, fleet.objects);
    const channel = world.channel("unreadable");
    const key = "state/unreadable.json";
    const config = world.config({ THANOS_BUCKET: bucket, STATE_KEY: key, ALERT_TOPIC_ARN: channel.topicArn, EXPECTED_CLUSTERS: fleet.expectedClusters.join(",") });
    const onBucket = (ops: string[]) => (r: RequestInfo) => r.bucket === bucket && ops.includes(r.op);
    const heartbeats = () => world.recorder.data().filter((d) => d.MetricName === "RunSucceeded").length;

    ctx.expect(...fleet.firstRunAlerts);
    const r1 = await ctx.invoke({ config, clock: fixedClock(NOW), queueUrl: channel.queueUrl });
    ctx.check(r1.ok, "first run succeeds");
    const good = await stateAt(ctx, key);

    // After the SDK's own attempts, a transient failure is retried after 1, 2, 4 and 8 s (each x0.5 to
    // x1.5) while the run's listing deadline allows: with the whole run ahead (a fixed clock) a
    // failing run takes at least 7.5 s; with little time left (`remainingMs`, a running clock) it gives
    // up at the deadline and fails before the Lambda would be killed, so its alert still goes out.
    const SHORTEST_SCHEDULE_MS = 7_500;
    const failing = async (label: string, at: number, rules: FaultRule[], failure: RegExp, announce: boolean, remainingMs?: number) => {
      world.thanosProxy.setRules(rules);
      const before = world.thanosProxy.totalInjected();
      const beats = heartbeats();
      const metricsFrom = world.recorder.data().length;
      if (announce) ctx.expect({ section: "unreadable", name: "bucket" });
      const clock = remainingMs === undefined ? fixedClock(at) : runningClock(at);
      const run = await ctx.invoke({ config, clock, ...(remainingMs === undefined ? {} : { remainingMs }), queueUrl: channel.queueUrl, failure });
      ctx.note(`${label}: failed after ${run.durationMs} ms (${world.thanosProxy.totalInjected() - before} faults)`);
      if (remainingMs === undefined) {
        ctx.check(run.durationMs >= SHORTEST_SCHEDULE_MS, `${label}: retried after the SDK's attempts before giving up (failed after ${run.durationMs} ms; the 1-2-4-8 s schedule takes at least ${SHORTEST_SCHEDULE_MS} ms)`);
      } else {
        // At the deadline at most one wait (x1.5) and one round of SDK attempts remain: 15 s of the
        // 30 s margin are left for the alert, whatever the Lambda's timeout.
        ctx.check(run.durationMs < remainingMs - 15_000, `${label}: with ${remainingMs / 1000} s left, gives up at the listing deadline (${(remainingMs - 30_000) / 1000} s in) with time to spare (failed after ${run.durationMs} ms)`);
      }
      ctx.faults += world.thanosProxy.totalInjected() - before;
      world.thanosProxy.clear();
      ctx.check(!run.ok, `${label}: the handler throws (Lambda Errors; no heartbeat)`);
      ctx.check(heartbeats() === beats && world.recorder.data().length === metricsFrom, `${label}: no RunSucceeded heartbeat, no metric from a run that judged nothing`);
      ctx.check(run.logs.some((l) => l.level === "error" && l.msg === "run failed"), `${label}: logs "run failed"`);
      const now = await stateAt(ctx, key);
      ctx.check(now !== null && good !== null && same(now.clusters, good.clusters) && now.cursor === good.cursor, `${label}: verdicts and cursor untouched`);
      if (announce) {
        const msg = run.captured[0];
        ctx.check(run.captured.length === 1 && msg?.attributes.severity === "critical" && /cannot read the bucket/.test(msg.subject), `${label}: one critical "cannot read the bucket" message`);
        ctx.check(msg !== undefined && failure.test(msg.email), `${label}: the message gives the reason`);
      } else ctx.check(run.captured.length === 0, `${label}: nothing sent (already told)`);
      return run;
    };

    // Throttled for good, 40 s left (listing deadline 10 s in): the retries after the SDK's throttling
    // backoff stop at the deadline. With the whole run ahead this takes about a minute.
    await failing("throttled for good", NOW + 1 * MIN, [{ name: "slowdown-forever", when: onBucket(["list", "get", "head"]), fault: slowDown }], /S3 kept throttling \(SlowDown\) .* lower the function's CONCURRENCY variable/, true, 40_000);
    await failing("connections reset for good", NOW + 2 * MIN, [{ name: "reset-forever", when: onBucket(["list", "get", "head"]), fault: { kind: "reset" } }], /cannot reach the S3 endpoint .*ECONNRESET/, false);
    // 31 s left: the deadline (1 s in) comes before the first retry's wait is over; no second one.
    const short = await failing("connections reset, 31 s left", NOW + 2 * MIN + 30_000, [{ name: "reset-forever-short", when: onBucket(["list", "get", "head"]), fault: { kind: "reset" } }], /cannot reach the S3 endpoint .*ECONNRESET/, false, 31_000);
    ctx.check(short.durationMs < SHORTEST_SCHEDULE_MS, `connections reset, 31 s left: retries stop at the deadline, short of the full 1-2-4-8 s schedule (failed after ${short.durationMs} ms)`);
    // A new block needs a GetObject: listing works, every read fails.
    world.load(bucket, freshBlock("prod-us-east-1", NOW + 3 * MIN));
    await failing("reads failing for good", NOW + 3 * MIN, [{ name: "get-500-forever", when: onBucket(["get"]), fault: internal }], /GetObject .* failed: InternalError/, false);

    ctx.expect({ section: "readable", name: "bucket" });
    const back = await ctx.invoke({ config, clock: fixedClock(NOW + 4 * MIN), queueUrl: channel.queueUrl });
    ctx.check(back.ok && back.captured.length === 1 && back.captured[0]!.attributes.severity === "info", "readable again: one info message, nothing else");
    const after = await stateAt(ctx, key);
    for (const [name, status] of Object.entries(fleet.statuses)) ctx.check(after?.clusters[name]?.status === status, `after recovery of the bucket: ${name} still ${status}`);

    // A new deployment that cannot read the bucket from its very first run, then can.
    const key2 = "state/unreadable-first.json";
    const config2 = world.config({ THANOS_BUCKET: bucket, STATE_KEY: key2, ALERT_TOPIC_ARN: channel.topicArn, EXPECTED_CLUSTERS: fleet.expectedClusters.join(",") });
    world.thanosProxy.setRules([{ name: "internal-first", when: onBucket(["list", "get", "head"]), fault: internal }]);
    const before = world.thanosProxy.totalInjected();
    ctx.expect({ section: "unreadable", name: "bucket" });
    // 31 s left (deadline 1 s in): the outcome is the point here, not the retries.
    const f = await ctx.invoke({ config: config2, clock: runningClock(NOW + 5 * MIN), remainingMs: 31_000, queueUrl: channel.queueUrl, failure: /InternalError/ });
    ctx.faults += world.thanosProxy.totalInjected() - before;
    world.thanosProxy.clear();
    ctx.check(f.captured.length === 1, "first run unreadable: one alert");
    ctx.expect({ section: "readable", name: "bucket" }, ...fleet.firstRunAlerts);
    const ok = await ctx.invoke({ config: config2, clock: fixedClock(NOW + 6 * MIN), queueUrl: channel.queueUrl });
    ctx.check(ok.ok && ok.captured.length === 1, "then readable: one message (bucket readable again + the clusters already down)");
  },
};

/** How each channel names the settings to fix: the CLI's objstore keys, the Lambda's deployment params. */
interface SettingNames {
  bucket: string;
  region: string;
  /** What must not appear in this channel's line: the other channel's names. */
  foreign: RegExp;
}
const CLI_SETTINGS: SettingNames = { bucket: "config\\.bucket", region: "config\\.region", foreign: /thanosBucket|thanosRegion|\bparam\b|config\.endpoint/ };
const LAMBDA_SETTINGS: SettingNames = { bucket: "the thanosBucket param", region: "the thanosRegion param", foreign: /config\.(bucket|region|endpoint)/ };

interface AccessCase {
  label: string;
  rules: (bucket: string) => FaultRule[];
  /** The one-line reason, per channel: in the Lambda's alert and log, and on the CLI's stderr. */
  message: (bucket: string, names: SettingNames) => RegExp;
  bucket?: string;
  /** An endpoint nothing listens on (instead of the fault proxy). */
  unreachable?: boolean;
}

const denied = (code: string, message: string, status = 403, headers?: Record<string, string>): Fault => ({ kind: "error", status, code, message, ...(headers ? { headers } : {}) });

const ACCESS_CASES: AccessCase[] = [
  {
    label: "ListBucket denied",
    rules: (b) => [{ name: "list-denied", when: (r) => r.bucket === b && r.op === "list", fault: denied("AccessDenied", "Access Denied") }],
    message: (b) => new RegExp(`access denied to s3://${b}/: the credentials need s3:ListBucket on arn:aws:s3:::${b}\\b`),
  },
  {
    label: "GetObject denied",
    rules: (b) => [{ name: "get-denied", when: (r) => r.bucket === b && r.op === "get", fault: denied("AccessDenied", "Access Denied") }],
    message: (b) => new RegExp(`access denied to s3://${b}/: the credentials need s3:GetObject on arn:aws:s3:::${b}/\\*/meta\\.json`),
  },
  {
    label: "NoSuchBucket (fauxqs itself)",
    rules: () => [],
    bucket: "thanos-never-created",
    message: (b, n) => new RegExp(`bucket ${b} does not exist \\(check ${n.bucket}\\)`),
  },
  {
    label: "NoSuchBucket (404 from S3)",
    rules: (b) => [{ name: "no-such-bucket", when: (r) => r.bucket === b, fault: denied("NoSuchBucket", "The specified bucket does not exist", 404) }],
    message: (b, n) => new RegExp(`bucket ${b} does not exist \\(check ${n.bucket}\\)`),
  },
  {
    label: "KMS denial on GetObject (AccessDenied naming kms:Decrypt)",
    rules: (b) => [
      {
        name: "kms-denied",
        when: (r) => r.bucket === b && r.op === "get",
        fault: denied(
          "AccessDenied",
          "User: arn:aws:sts::123456789012:assumed-role/blockwatch/fn is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:123456789012:key/1234abcd because no identity-based policy allows the kms:Decrypt action",
        ),
      },
    ],
    message: (b) => new RegExp(`KMS denied decrypting s3://${b}/[0-9A-Z]{26}/meta\\.json: grant kms:Decrypt on the bucket's KMS key`),
  },
  {
    label: "KMS key disabled (KMS.DisabledException)",
    rules: (b) => [{ name: "kms-disabled", when: (r) => r.bucket === b && r.op === "get", fault: denied("KMS.DisabledException", "arn:aws:kms:us-east-1:123456789012:key/1234abcd is disabled.", 400) }],
    message: () => /KMS denied decrypting .*kms:Decrypt/,
  },
  {
    label: "wrong region (301 PermanentRedirect)",
    rules: (b) => [
      {
        name: "permanent-redirect",
        when: (r) => r.bucket === b,
        fault: denied("PermanentRedirect", "The bucket you are attempting to access must be addressed using the specified endpoint.", 301, { "x-amz-bucket-region": "eu-west-1" }),
      },
    ],
    message: (b, n) => new RegExp(`bucket ${b} is in another region \\(eu-west-1\\): set ${n.region} to the bucket's region`),
  },
  {
    label: "wrong region (301 without x-amz-bucket-region)",
    rules: (b) => [
      {
        name: "permanent-redirect-bare",
        when: (r) => r.bucket === b,
        fault: denied("PermanentRedirect", "The bucket you are attempting to access must be addressed using the specified endpoint.", 301),
      },
    ],
    // No region to quote: the message says so without inventing one.
    message: (b, n) => new RegExp(`bucket ${b} is in another region: set ${n.region} to the bucket's region`),
  },
  {
    label: "wrong region (AuthorizationHeaderMalformed)",
    rules: (b) => [
      {
        name: "auth-header-region",
        when: (r) => r.bucket === b,
        fault: denied("AuthorizationHeaderMalformed", "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'eu-west-1'", 400, { "x-amz-bucket-region": "eu-west-1" }),
      },
    ],
    message: (b, n) => new RegExp(`bucket ${b} is in another region \\(eu-west-1\\): set ${n.region} to the bucket's region`),
  },
  {
    label: "bad access key (InvalidAccessKeyId)",
    rules: (b) => [{ name: "bad-key", when: (r) => r.bucket === b, fault: denied("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.") }],
    message: () => /the access key or secret key is not valid/,
  },
  {
    // Refused connections are not retried beyond the SDK's own attempts: nothing listens there.
    label: "endpoint unreachable (ECONNREFUSED)",
    rules: () => [],
    unreachable: true,
    // The CLI names the configured endpoint; the Lambda uses AWS's own. Both say what to check.
    message: (b) => new RegExp(`cannot reach the S3 endpoint( \\S+)? for s3://${b}/ \\(ECONNREFUSED\\): check the endpoint`),
  },
];

/** The CLI in-process: exit code, stdout and stderr. */
export async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => (out.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8")), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (err.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8")), true)) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, stdout: out.join(""), stderr: err.join("") };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
}

/** A local port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

export const s3AccessErrors: Scenario = {
  name: "s3-access-errors",
  claim: "AccessDenied, NoSuchBucket, KMS, wrong region, bad keys, no endpoint: one actionable line naming each channel's setting (Lambda alert, CLI exit 1)",
  async run(ctx) {
    const { world } = ctx;
    const fleet = smallFleet(NOW);
    const channel = world.channel("access");
    let i = 0;
    for (const c of ACCESS_CASES) {
      i++;
      const bucket = c.bucket ?? world.bucket(`thanos-access-${i}`);
      if (!c.bucket) world.load(bucket, fleet.objects);
      // The Lambda names its deployment params, the CLI its objstore keys: each channel is checked
      // for its own wording and for the absence of the other's.
      const lambdaMessage = c.message(bucket, LAMBDA_SETTINGS);
      const cliMessage = c.message(bucket, CLI_SETTINGS);
      world.thanosProxy.setRules(c.rules(bucket));
      const before = world.thanosProxy.totalInjected();
      const endpoint = c.unreachable ? `http://127.0.0.1:${await closedPort()}` : world.thanosProxy.url;
      const config = world.config({ THANOS_BUCKET: bucket, STATE_KEY: `state/access-${i}.json`, ALERT_TOPIC_ARN: channel.topicArn });
      ctx.expect({ section: "unreadable", name: "bucket" });
      const clients = c.unreachable ? world.clients(config, { thanos: endpoint }) : undefined;
      const run = await ctx.invoke({ config, ...(clients ? { clients } : {}), clock: fixedClock(NOW), queueUrl: channel.queueUrl, failure: lambdaMessage });
      if (clients) for (const cl of Object.values(clients)) (cl as { destroy(): void }).destroy();
      const email = run.captured[0]?.email.replace(/\n\s+/g, " ") ?? "";
      ctx.check(run.captured.length === 1 && lambdaMessage.test(email), `${c.label}: the alert names it (${lambdaMessage})`);
      ctx.check(!LAMBDA_SETTINGS.foreign.test(email), `${c.label}: the Lambda's alert names no CLI objstore key (${JSON.stringify(email.match(LAMBDA_SETTINGS.foreign)?.[0])})`);
      const failedLine = run.logs.find((l) => l.msg === "run failed");
      ctx.check(failedLine !== undefined && lambdaMessage.test(String(failedLine.error)), `${c.label}: the log line names it`);
      if (c.unreachable) {
        // The SDK's own attempts only (well under 2 s): the shortest extra retry schedule is 7.5 s.
        ctx.check(run.durationMs < 7_000, `${c.label}: a refused connection is not retried after the SDK's attempts (run failed after ${run.durationMs} ms)`);
      }
      const res = await cli(["check", "--objstore.config", s3ObjstoreYaml({ endpoint, bucket }), "--now", new Date(NOW).toISOString()]);
      const line = res.stderr.trim().replace(/^blockwatch: /, "");
      ctx.check(res.code === 1, `${c.label}: CLI exits 1 (got ${res.code})`);
      ctx.check(cliMessage.test(line) && res.stderr.trim().split("\n").length === 1, `${c.label}: CLI prints one line naming it (${cliMessage}; got ${JSON.stringify(res.stderr.slice(0, 200))})`);
      ctx.check(!CLI_SETTINGS.foreign.test(line), `${c.label}: the CLI's line names no deployment param (${JSON.stringify(line.match(CLI_SETTINGS.foreign)?.[0])})`);
      ctx.faults += c.unreachable ? 1 : world.thanosProxy.totalInjected() - before;
      world.thanosProxy.clear();
    }
  },
};

/** The Lambda's S3 request timeout (lib/monitor/handler.ts TIMEOUTS): the wait for an answer's headers. */
const LAMBDA_REQUEST_TIMEOUT_MS = 15_000;
/** How long the proxy holds a hung request before it lets go itself: past the timeout, bounded. */
const HOLD_MS = 20_000;

export const s3HungConnection: Scenario = {
  name: "s3-hung-connection",
  claim: "a GetObject S3 never answers, or whose body stalls, is abandoned by the client and retried: it cannot hold the run until the Lambda is killed",
  async run(ctx) {
    // The handler keeps max(30 s, 20%) of its time for saving, publishing and metrics after the
    // listing deadline. A request that hangs just before the deadline must be abandoned, retried and
    // the state saved within that margin. The Lambda's clients (defaultClients, which World.clients
    // copies: same handler, same timeouts) abort a request whose headers have not come in 15 s. The
    // proxy holds two GetObjects of one run for 20 s each, or until the client closes the connection:
    // one sends nothing (no headers), one sends its headers and half its body, then nothing (S3
    // answers GetObject headers first: a connection that dies after them is as real).
    const { world } = ctx;
    const fleet = smallFleet(NOW);
    const bucket = "thanos-hung";
    world.load(bucket, fleet.objects);
    const channel = world.channel("hung");
    let hungId: string | null = null;
    let stalledId: string | null = null;
    world.thanosProxy.setRules([
      {
        name: "hang-one-get",
        when: (r) => r.bucket === bucket && r.op === "get" && (hungId ??= r.identity) === r.identity,
        fault: { kind: "hang", ms: HOLD_MS },
        attemptsPerRequest: 1,
      },
      {
        name: "stall-one-get",
        when: (r) => r.bucket === bucket && r.op === "get" && r.identity !== hungId && (stalledId ??= r.identity) === r.identity,
        fault: { kind: "stall", ms: HOLD_MS },
        attemptsPerRequest: 1,
      },
    ]);
    const config = world.config({ THANOS_BUCKET: bucket, STATE_KEY: "state/hung.json", ALERT_TOPIC_ARN: channel.topicArn, EXPECTED_CLUSTERS: fleet.expectedClusters.join(",") });
    ctx.expect(...fleet.firstRunAlerts);
    const before = world.thanosProxy.totalInjected();
    const hangsBefore = world.thanosProxy.hangs.length;
    const run = await ctx.invoke({ config, clock: fixedClock(NOW), queueUrl: channel.queueUrl });
    ctx.faults += world.thanosProxy.totalInjected() - before;
    world.thanosProxy.clear();
    const held = world.thanosProxy.hangs.slice(hangsBefore);
    const hang = held.find((h) => h.kind === "hang");
    const stall = held.find((h) => h.kind === "stall");
    ctx.note(`hung GetObject abandoned after ${hang?.abandonedByClientMs ?? "never"} ms, stalled body after ${stall?.abandonedByClientMs ?? "never"} ms; run ${run.ok ? "ok" : "failed"} in ${run.durationMs} ms`);
    ctx.check(hang !== undefined && stall !== undefined, `both faults were injected (${held.map((h) => h.kind).join(", ") || "none"})`);
    ctx.check(run.ok, "the run succeeds despite the hung requests");
    ctx.check(run.ok && run.durationMs < 30_000, `the run ends within the 30 s kept after the listing deadline (${run.durationMs} ms)`);
    ctx.check(
      hang !== undefined && hang.abandonedByClientMs !== null && hang.abandonedByClientMs >= LAMBDA_REQUEST_TIMEOUT_MS - 1_000 && hang.abandonedByClientMs < HOLD_MS,
      hang?.abandonedByClientMs == null
        ? `the Thanos S3 client never gave up on a GetObject that got no answer: the run waited ${HOLD_MS / 1000} s for it (the proxy let go); a connection that never answers holds a real run until the Lambda is killed`
        : `the client gave up on the unanswered GetObject after ${hang.abandonedByClientMs} ms (the Lambda's ${LAMBDA_REQUEST_TIMEOUT_MS / 1000} s request timeout; under ${HOLD_MS / 1000} s)`,
    );
    ctx.check(
      stall !== undefined && stall.abandonedByClientMs !== null && stall.abandonedByClientMs < HOLD_MS,
      stall?.abandonedByClientMs == null
        ? `a GetObject whose body stalls after its headers is waited for without limit: the run waited ${HOLD_MS / 1000} s for it (the proxy let go); the request timeout stops once headers arrive and nothing bounds the body read, so a real run is held until the Lambda is killed`
        : `the client gave up on the stalled body after ${stall.abandonedByClientMs} ms (under ${HOLD_MS / 1000} s)`,
    );
  },
};

/** A first run announces the clusters already down and the findings already there, in one message. */
function firstRunExpectations(fleet: ReturnType<typeof buildFleet>, oracle: ReturnType<typeof expectedClusters>): Expectation[] {
  return [
    ...[...oracle].filter(([, v]) => v.status === "stalled" || v.status === "missing").map(([name, v]) => ({ section: v.status as "stalled" | "missing", name })),
    { section: "overlap", name: "cluster-one" },
    ...fleet.corrupt.filter((c) => !c.deleted).map((c) => ({ section: "corrupt" as const, name: c.ulid })),
    ...fleet.withoutMeta.filter((w) => w.kind === "aborted").map((w) => ({ section: "partial" as const, name: w.ulid })),
    ...[...new Set(fleet.blocks.filter((b) => !b.labels.cluster_id && b.deletedAt === undefined).map((b) => formatLabels(b.labels)))].map((name) => ({ section: "unlabeled" as const, name })),
  ];
}
