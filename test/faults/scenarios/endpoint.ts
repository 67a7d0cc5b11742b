// An S3 endpoint that takes connections and never answers, throttling that never ends, and https
// spoken to a plain-HTTP endpoint: the real handler and the real CLI each end within their time
// (the Lambda's remaining time, the CLI's --timeout) with one line that names the endpoint and the fix.
import { runLimits } from "../../../lib/monitor/handler";
import { parseState } from "../../../lib/state/state";
import { NOW, MIN, smallFleet } from "../fleets";
import type { Scenario, ScenarioContext } from "../harness";
import type { Fault, FaultRule, RequestInfo } from "../proxy";
import { fixedClock, runningClock, STATE_BUCKET } from "../world";
import { cli } from "./s3";

const THANOS_OPS = new Set(["list", "get", "head"]);
/** Longer than any run here: a hung request ends only when its client gives up on it. */
const HANG: Fault = { kind: "hang", ms: 120_000 };
const slowDown: Fault = { kind: "error", status: 503, code: "SlowDown", message: "Please reduce your request rate." };
/** The Lambda's time in these runs: the bucket's end comes 16 s in (runLimits), past one 15 s request timeout. */
const REMAINING_MS = 31_000;
/** The CLI's --timeout in these runs, and what it may take beyond it (one wait cut short, the exit). */
const CLI_TIMEOUT = "3s";
const CLI_TIMEOUT_MS = 3_000;
const CLI_SLACK_MS = 1_500;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** One `check` in-process against `endpoint`; returns its exit code, its stderr line and its wall time. */
async function checkCli(yaml: string, extra: string[] = []): Promise<{ code: number; line: string; lines: number; ms: number }> {
  const t0 = Date.now();
  const res = await cli(["check", "--objstore.config", yaml, "--now", new Date(NOW).toISOString(), ...extra]);
  const stderr = res.stderr.trim();
  return { code: res.code, line: stderr.replace(/^blockwatch: /, ""), lines: stderr === "" ? 0 : stderr.split("\n").length, ms: Date.now() - t0 };
}

function objstore(endpoint: string, bucket: string, insecure: boolean): string {
  return [
    "type: S3",
    "config:",
    `  bucket: ${JSON.stringify(bucket)}`,
    `  endpoint: ${JSON.stringify(endpoint.replace(/^https?:\/\//, ""))}`,
    "  region: us-east-1",
    ...(insecure ? ["  insecure: true"] : []),
    "  access_key: faults",
    "  secret_key: faults",
  ].join("\n");
}

/** The CLI case: exit 1 within the budget, one line matching `line`. */
async function cliCase(ctx: ScenarioContext, label: string, yaml: string, line: RegExp, withinMs: number, extra: string[] = []) {
  const before = ctx.world.thanosProxy.totalInjected();
  const r = await checkCli(yaml, extra);
  ctx.faults += Math.max(1, ctx.world.thanosProxy.totalInjected() - before);
  ctx.note(`CLI, ${label}: exit ${r.code} after ${r.ms} ms: ${r.line}`);
  ctx.check(r.code === 1, `CLI, ${label}: exits 1 (got ${r.code})`);
  ctx.check(r.lines === 1 && line.test(r.line), `CLI, ${label}: one line naming the fix (${line}; got ${JSON.stringify(r.line.slice(0, 300))})`);
  ctx.check(r.ms < withinMs, `CLI, ${label}: ends within ${withinMs} ms (${r.ms} ms)`);
}

export const s3HungEndpoint: Scenario = {
  name: "s3-hung-endpoint",
  claim: "an endpoint that never answers (every request, or the LIST), endless SlowDown, https to a plain-HTTP endpoint: the run ends in time, saves state, one line naming the endpoint and the fix",
  async run(ctx) {
    const { world } = ctx;
    const fleet = smallFleet(NOW);
    const bucket = "thanos-hung-endpoint";
    world.load(bucket, fleet.objects);
    const channel = world.channel("hung-endpoint");
    const key = "state/hung-endpoint.json";
    const config = world.config({ THANOS_BUCKET: bucket, STATE_KEY: key, ALERT_TOPIC_ARN: channel.topicArn, EXPECTED_CLUSTERS: fleet.expectedClusters.join(",") });
    const on = (ops: Set<string>) => (r: RequestInfo) => r.bucket === bucket && ops.has(r.op);
    const endpoint = world.thanosProxy.url;

    ctx.expect(...fleet.firstRunAlerts);
    const good = await ctx.invoke({ config, clock: fixedClock(NOW), queueUrl: channel.queueUrl });
    ctx.check(good.ok, "a first run reads the bucket");

    // The Lambda, every request to the Thanos endpoint hung. Without a bound the SDK's 5 attempts of
    // 15 s and blockwatch's retries after them held the run 310 s, past its 300 s timeout: killed
    // before it saved state or sent the alert. The bucket's end (runLimits) abandons every request.
    const limits = runLimits(REMAINING_MS);
    world.thanosProxy.setRules([{ name: "hang-every-request", when: on(THANOS_OPS), fault: HANG }]);
    const hangsBefore = world.thanosProxy.hangs.length;
    const injected = world.thanosProxy.totalInjected();
    ctx.expect({ section: "unreadable", name: "bucket" });
    const hung = new RegExp(`the S3 endpoint ${escape(endpoint)} did not answer ListObjectsV2 on s3://${bucket}/ for [\\dms]+ \\(the run's time for reading the bucket\\): .*check that it is the bucket's S3 endpoint`);
    const run = await ctx.invoke({ config, clock: runningClock(NOW + MIN), remainingMs: REMAINING_MS, queueUrl: channel.queueUrl, failure: hung });
    ctx.faults += world.thanosProxy.totalInjected() - injected;
    world.thanosProxy.clear();
    const held = world.thanosProxy.hangs.slice(hangsBefore);
    ctx.note(`Lambda, every request hung, ${REMAINING_MS / 1000} s left: failed after ${run.durationMs} ms (${held.length} hung requests): ${run.error?.message}`);
    ctx.check(run.durationMs >= limits.bucketMs - 1_000 && run.durationMs < limits.runMs, `Lambda, every request hung: gives up at the bucket's end (${limits.bucketMs} ms) and returns before the run's end (${limits.runMs} ms of ${REMAINING_MS}): ${run.durationMs} ms`);
    ctx.check(held.length > 0 && held.every((h) => h.abandonedByClientMs !== null), `Lambda, every request hung: each hung request was abandoned by the client, none left waiting (${held.map((h) => h.abandonedByClientMs).join(", ")})`);
    const msg = run.captured[0];
    ctx.check(run.captured.length === 1 && msg?.attributes.severity === "critical" && /cannot read the bucket/.test(msg.subject), 'Lambda, every request hung: one critical "cannot read the bucket" message');
    ctx.check(msg !== undefined && msg.email.replace(/\n\s+/g, " ").includes(`the S3 endpoint ${endpoint} did not answer`), "Lambda, every request hung: the message names the endpoint that hung");
    const text = await world.readObject(STATE_BUCKET, key);
    const saved = text === null ? null : parseState(text);
    ctx.check(saved?.ledger?.bucketFailure?.kind === "unreachable" && saved.outbox === null, `Lambda, every request hung: the state was saved, the failure noted and its alert settled (${JSON.stringify(saved?.ledger?.bucketFailure ?? null)})`);

    // The CLI, same endpoint: before, it sat silent for 13 minutes. Now --timeout bounds each
    // request, its attempts and retries included.
    world.thanosProxy.setRules([{ name: "hang-every-request-cli", when: on(THANOS_OPS), fault: HANG }]);
    await cliCase(
      ctx,
      "every request hung",
      objstore(endpoint, bucket, true),
      new RegExp(`^the S3 endpoint ${escape(endpoint)} did not answer ListObjectsV2 on s3://${bucket}/ for 3s \\(--timeout ${CLI_TIMEOUT}\\): .*check that it is the bucket's S3 endpoint and that it is up`),
      CLI_TIMEOUT_MS + CLI_SLACK_MS,
      ["--timeout", CLI_TIMEOUT],
    );
    // Only the top-level LIST hangs (a GET would answer): the listing is what the run waits on.
    world.thanosProxy.setRules([{ name: "hang-list", when: (r) => r.bucket === bucket && r.op === "list" && r.query.get("delimiter") === "/", fault: HANG }]);
    await cliCase(
      ctx,
      "the LIST hung",
      objstore(endpoint, bucket, true),
      new RegExp(`^the S3 endpoint ${escape(endpoint)} did not answer ListObjectsV2 on s3://${bucket}/ for 3s \\(--timeout ${CLI_TIMEOUT}\\)`),
      CLI_TIMEOUT_MS + CLI_SLACK_MS,
      ["--timeout", CLI_TIMEOUT],
    );
    // Throttled for good: the last attempt's SlowDown is named, with what to lower.
    world.thanosProxy.setRules([{ name: "slowdown-forever-cli", when: on(THANOS_OPS), fault: slowDown }]);
    await cliCase(
      ctx,
      "SlowDown for good",
      objstore(endpoint, bucket, true),
      new RegExp(`^S3 kept throttling \\(SlowDown\\) ListObjectsV2 on s3://${bucket}/ for \\d+s: .*lower --concurrency`),
      CLI_TIMEOUT_MS + CLI_SLACK_MS,
      ["--timeout", CLI_TIMEOUT],
    );
    world.thanosProxy.clear();
    // insecure: false (the default) against a plain-HTTP endpoint: the TLS handshake reads an HTTP
    // reply (EPROTO); never retried, the fix is a setting.
    const https = `https://${endpoint.replace(/^https?:\/\//, "")}`;
    await cliCase(
      ctx,
      "insecure: false against an http endpoint",
      objstore(endpoint, bucket, false),
      new RegExp(`^the endpoint ${escape(https)} speaks plain HTTP, not HTTPS: set insecure: true in the objstore config$`),
      CLI_TIMEOUT_MS,
    );
  },
};
