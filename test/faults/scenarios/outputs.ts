// CloudWatch or SNS failing: the run still judges and saves; alerts are at least once and never
// twice; metrics are retried and never dropped without a log line.
import { parseState } from "../../../lib/state/state";
import { corruptBlock, MIN, NOW, resumedStream, smallFleet } from "../fleets";
import type { Scenario, ScenarioContext } from "../harness";
import type { FaultRule } from "../proxy";
import { fixedClock, STATE_BUCKET, type HandlerRun } from "../world";
import { summaryOf } from "./s3";

async function savedState(ctx: ScenarioContext, key: string) {
  const text = await ctx.world.readObject(STATE_BUCKET, key);
  return text === null ? null : parseState(text);
}

function metricsLine(run: HandlerRun): { sent: number; failed: number } | undefined {
  return summaryOf(run)?.metrics as { sent: number; failed: number } | undefined;
}

export const cloudwatchFailing: Scenario = {
  name: "cloudwatch-failing",
  claim: "CloudWatch down: verdicts saved and alerts sent anyway; batches retried; what is lost is counted and logged",
  async run(ctx) {
    const { world } = ctx;
    const rec = world.recorder;
    const fleet = smallFleet(NOW);
    const bucket = "thanos-cw";
    world.load(bucket, fleet.objects);
    const channel = world.channel("cw");
    const key = "state/cw.json";
    const config = world.config({ THANOS_BUCKET: bucket, STATE_KEY: key, ALERT_TOPIC_ARN: channel.topicArn, EXPECTED_CLUSTERS: fleet.expectedClusters.join(",") });
    // Each phase starts from a clean recorder, so unconsumed injected failures never leak into the next.
    const injectedBy = async (count: number, kind: "server-error" | "throttling" | "invalid", fn: () => Promise<HandlerRun>) => {
      rec.reset();
      rec.failNext(count, kind);
      const run = await fn();
      const injected = rec.requests - rec.puts.length - rec.rejections.length;
      ctx.faults += injected;
      const newPuts = [...rec.puts];
      rec.reset();
      return { run, injected, newPuts };
    };

    // CloudWatch refuses every request of the run (server errors, all retries exhausted).
    ctx.expect(...fleet.firstRunAlerts);
    const down = await injectedBy(100, "server-error", () => ctx.invoke({ config, clock: fixedClock(NOW), queueUrl: channel.queueUrl }));
    const m1 = metricsLine(down.run);
    ctx.check(down.run.ok, "CloudWatch down: the run does not fail");
    ctx.check(down.newPuts.length === 0 && (m1?.sent ?? -1) === 0 && (m1?.failed ?? 0) > 0, `CloudWatch down: nothing recorded, every datum counted as failed (${JSON.stringify(m1)})`);
    const logged = down.run.logs.find((l) => l.msg === "some metrics were not published");
    ctx.check(logged !== undefined && logged.level === "error" && logged.failed === m1?.failed, "CloudWatch down: an error log line with the count of data not published");
    ctx.check(down.run.captured.length === 1, "CloudWatch down: the alert was still published");
    const s1 = await savedState(ctx, key);
    ctx.check(s1 !== null && s1.cursor !== null && s1.clusters["staging-ap-south-1"]?.status === "stalled" && s1.ledger !== null && s1.outbox === null, "CloudWatch down: verdicts, ledger saved; outbox settled");
    // Throttled twice, then accepted: every datum arrives once.
    const retried = await injectedBy(2, "throttling", () => ctx.invoke({ config, clock: fixedClock(NOW + 1 * MIN), queueUrl: channel.queueUrl }));
    const m2 = metricsLine(retried.run);
    ctx.check(retried.run.ok && (m2?.failed ?? 1) === 0, `throttled then accepted: no datum lost (${JSON.stringify(m2)})`);
    const got = retried.newPuts.flatMap((p) => p.data);
    ctx.check(got.length === m2?.sent && new Set(got.map((d) => `${d.MetricName}|${d.Dimensions?.[0]?.Value ?? ""}`)).size === got.length, "throttled then accepted: every datum recorded exactly once");
    ctx.check(got.some((d) => d.MetricName === "RunSucceeded"), "throttled then accepted: RunSucceeded heartbeat sent");
    ctx.check(!retried.run.logs.some((l) => l.msg === "some metrics were not published"), "throttled then accepted: no error logged");

    // A request CloudWatch rejects as invalid is not retried, but it is counted and logged.
    const invalid = await injectedBy(1, "invalid", () => ctx.invoke({ config, clock: fixedClock(NOW + 2 * MIN), queueUrl: channel.queueUrl }));
    const m3 = metricsLine(invalid.run);
    ctx.check(invalid.run.ok && (m3?.failed ?? 0) > 0 && invalid.run.logs.some((l) => l.msg === "some metrics were not published"), `rejected batch: counted as failed and logged (${JSON.stringify(m3)})`);
    const s3 = await savedState(ctx, key);
    ctx.check(s3 !== null && s3.outbox === null && s3.ledger !== null, "state consistent after metric failures");
  },
};

export const snsFailing: Scenario = {
  name: "sns-failing",
  claim: "SNS failing: state saved, the alert re-sent by the next run (0 lost), a published alert never re-sent (0 duplicates)",
  async run(ctx) {
    const { world } = ctx;
    const fleet = smallFleet(NOW);
    const bucket = "thanos-sns";
    world.load(bucket, fleet.objects);
    const channel = world.channel("sns");
    const key = "state/sns.json";
    const config = world.config({ THANOS_BUCKET: bucket, STATE_KEY: key, ALERT_TOPIC_ARN: channel.topicArn, EXPECTED_CLUSTERS: fleet.expectedClusters.join(",") });
    const publish = (r: { op: string; action: string }) => r.op === "sns" && r.action === "Publish";
    const withSns = async (rules: FaultRule[], at: number) => {
      world.snsProxy.setRules(rules);
      const before = world.snsProxy.totalInjected();
      const run = await ctx.invoke({ config, clock: fixedClock(at), queueUrl: channel.queueUrl });
      ctx.faults += world.snsProxy.totalInjected() - before;
      world.snsProxy.clear();
      return run;
    };
    const failedPublish = (run: HandlerRun) => run.logs.some((l) => l.level === "error" && l.msg === "alert publish failed; it will be decided again next run");

    // Run 1: SNS answers 500 to every attempt. The verdicts are saved, the ledger is not advanced.
    const r1 = await withSns([{ name: "sns-500", when: publish, fault: { kind: "error", status: 500, code: "InternalError", message: "Internal Error" } }], NOW);
    ctx.check(r1.ok && r1.captured.length === 0 && failedPublish(r1), "SNS 500: run succeeds, nothing delivered, failure logged");
    let s = await savedState(ctx, key);
    ctx.check(s !== null && s.clusters["staging-ap-south-1"]?.status === "stalled" && s.outbox === null && s.ledger === null, "SNS 500: verdicts saved, outbox settled, ledger not advanced");
    // Run 2: SNS works: the same news is sent, once.
    ctx.expect(...fleet.firstRunAlerts);
    const r2 = await withSns([], NOW + 1 * MIN);
    ctx.check(r2.captured.length === 1, "next run: the alert is re-sent");
    // Run 3: nothing new: nothing sent.
    const r3 = await withSns([], NOW + 2 * MIN);
    ctx.check(r3.captured.length === 0, "the run after: not sent again");

    // New finding; SNS throttles the Publish. The SNS client makes one attempt (a Publish whose answer
    // was lost may have been delivered; the SDK would send it again): the run's publish fails, the
    // next run sends it. 0 lost, 0 duplicates, one run later.
    const c1 = corruptBlock(NOW + 3 * MIN, 11);
    world.load(bucket, c1.objects);
    ctx.expect({ section: "corrupt", name: c1.ulid });
    const throttledBefore = world.snsProxy.injected.get("sns-throttled") ?? 0;
    const r4 = await withSns([{ name: "sns-throttled", when: publish, fault: { kind: "error", status: 400, code: "Throttling", message: "Rate exceeded" } }], NOW + 3 * MIN);
    const throttledAttempts = (world.snsProxy.injected.get("sns-throttled") ?? 0) - throttledBefore;
    ctx.check(r4.ok && r4.captured.length === 0 && failedPublish(r4), `SNS throttled: the run succeeds, nothing delivered, failure logged (${r4.captured.length} delivered)`);
    ctx.check(throttledAttempts === 1, `SNS throttled: one Publish attempt, no SDK retry (${throttledAttempts} attempts)`);
    s = await savedState(ctx, key);
    ctx.check(s !== null && s.outbox === null && s.ledger !== null && !s.ledger.findings.some((f) => f.includes(c1.ulid)), "SNS throttled: outbox settled, the finding not booked as told");
    const r4b = await withSns([], NOW + 3 * MIN + 30_000);
    ctx.check(r4b.captured.length === 1 && !failedPublish(r4b), `SNS throttled: the next run sends it, once (${r4b.captured.length})`);

    // New finding; every connection to SNS reset before it reads the request: re-sent next run.
    const c2 = corruptBlock(NOW + 4 * MIN, 12);
    world.load(bucket, c2.objects);
    ctx.expect({ section: "corrupt", name: c2.ulid });
    const r5 = await withSns([{ name: "sns-reset", when: publish, fault: { kind: "reset" } }], NOW + 4 * MIN);
    ctx.check(r5.captured.length === 0 && failedPublish(r5), "SNS unreachable: nothing delivered, failure logged");
    const r6 = await withSns([], NOW + 5 * MIN);
    ctx.check(r6.captured.length === 1, "SNS back: re-sent once");

    // A topic that does not exist (a broken deployment): failure logged, re-sent once fixed.
    const c3 = corruptBlock(NOW + 6 * MIN, 13);
    world.load(bucket, c3.objects);
    ctx.expect({ section: "corrupt", name: c3.ulid });
    const broken = world.config({ THANOS_BUCKET: bucket, STATE_KEY: key, ALERT_TOPIC_ARN: channel.topicArn.replace(/:[^:]+$/, ":no-such-topic"), EXPECTED_CLUSTERS: fleet.expectedClusters.join(",") });
    ctx.runs++;
    const r7 = await world.invoke({ config: broken, clock: fixedClock(NOW + 6 * MIN), queueUrl: channel.queueUrl });
    ctx.faults++;
    ctx.check(r7.ok && failedPublish(r7), "missing topic: run succeeds, failure logged");
    const r8 = await withSns([], NOW + 7 * MIN);
    ctx.check(r8.captured.length === 1, "topic fixed: re-sent once");

    // A stall that recovers while SNS is down: subscribers still hear the recovery once.
    world.load(bucket, resumedStream("staging-ap-south-1", NOW, NOW + 8 * MIN));
    ctx.expect({ section: "recovered", name: "staging-ap-south-1" });
    const r9 = await withSns([{ name: "sns-503", when: publish, fault: { kind: "error", status: 503, code: "ServiceUnavailable", message: "Service Unavailable" } }], NOW + 8 * MIN);
    ctx.check(r9.captured.length === 0, "SNS 503 during a recovery: nothing delivered");
    const r10 = await withSns([], NOW + 9 * MIN);
    ctx.check(r10.captured.length === 1, "recovery re-sent once SNS is back");
    // SNS accepted the message but its answer was lost on the way back (cut short): the run cannot
    // know it was published, so the next run sends it again. At least once, by design: standard SNS
    // topics have no deduplication. Counted as expected twice.
    const c4 = corruptBlock(NOW + 10 * MIN, 14);
    world.load(bucket, c4.objects);
    ctx.expect({ section: "corrupt", name: c4.ulid, times: 2 });
    const r11 = await withSns([{ name: "sns-answer-lost", when: publish, fault: { kind: "truncate" } }], NOW + 10 * MIN);
    const r12 = await withSns([], NOW + 11 * MIN);
    ctx.note(`answer lost after SNS accepted: ${r11.captured.length} delivered by that run (${failedPublish(r11) ? "publish reported failed" : "publish reported ok"}), ${r12.captured.length} by the next`);
    ctx.check(
      r11.captured.length === 1 && failedPublish(r11) && r12.captured.length === 1,
      `SNS accepted but its answer was lost: ${r11.captured.length} copies from that run (1 expected: no SDK re-send of Publish), ${r12.captured.length} from the next run's re-send (1 expected)`,
    );
    s = await savedState(ctx, key);
    ctx.check(s !== null && s.outbox === null, "outbox settled at the end");
  },
};
