// Two (or three) runs at once against a state bucket that enforces If-Match / If-None-Match (the
// ConditionalFront: fauxqs itself does not). Exactly one alert, no lost update, the loser re-reads.
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { parseState } from "../../../lib/state/state";
import { corruptBlock, MIN, NOW, smallFleet } from "../fleets";
import type { Scenario, ScenarioContext } from "../harness";
import { fixedClock, LOCAL, STATE_BUCKET, type HandlerRun } from "../world";
import { same, verdictOf } from "./s3";

/** fauxqs accepts a PutObject whose If-Match names an ETag the object does not have. */
async function fauxqsIgnoresConditions(ctx: ScenarioContext): Promise<{ direct: string; front: string }> {
  const key = "probe/conditional.json";
  await ctx.world.writeObject(STATE_BUCKET, key, "{}");
  const attempt = async (endpoint: string) => {
    const c = new S3Client({ ...LOCAL, endpoint, forcePathStyle: true, maxAttempts: 1 });
    try {
      await c.send(new PutObjectCommand({ Bucket: STATE_BUCKET, Key: key, Body: "{}", IfMatch: '"0000000000000000000000000000dead"' }));
      return "accepted";
    } catch (err) {
      return (err as Error).name;
    } finally {
      c.destroy();
    }
  };
  return { direct: await attempt(ctx.world.local.endpoint), front: await attempt(ctx.world.stateFront.url) };
}

const concurrentLog = (r: HandlerRun) => r.logs.some((l) => /state changed by a concurrent run/.test(l.msg));

export const concurrentRuns: Scenario = {
  name: "concurrent-runs",
  claim: "overlapping runs (a retried event, a manual invoke): one alert, no lost update, the loser re-reads and re-applies",
  async run(ctx) {
    const { world } = ctx;
    const front = world.stateFront;
    const probe = await fauxqsIgnoresConditions(ctx);
    ctx.check(probe.direct === "accepted", `fauxqs ignores If-Match (${probe.direct}): the front is what makes this scenario meaningful`);
    ctx.check(probe.front === "PreconditionFailed", `the front refuses a stale If-Match with 412 (${probe.front})`);

    const fleet = smallFleet(NOW);
    const bucket = "thanos-concurrent";
    world.load(bucket, fleet.objects);
    const channel = world.channel("concurrent");
    const env = (key: string) => world.config({ THANOS_BUCKET: bucket, STATE_KEY: key, ALERT_TOPIC_ARN: channel.topicArn, EXPECTED_CLUSTERS: fleet.expectedClusters.join(",") });
    const key = "state/concurrent.json";
    const reference = "state/concurrent-reference.json";
    front.watch(STATE_BUCKET, key);
    front.watch(STATE_BUCKET, reference);
    const both = (at: number, n = 2) => Promise.all(Array.from({ length: n }, () => ctx.invoke({ config: env(key), clock: fixedClock(at), queueUrl: channel.queueUrl })));
    const state = async (k: string) => {
      const t = await world.readObject(STATE_BUCKET, k);
      return t === null ? null : parseState(t);
    };
    const alone = async (at: number) => {
      // What one run alone makes of the same bucket and the same previous state.
      const run = await world.invoke({ config: env(reference), clock: fixedClock(at), queueUrl: channel.queueUrl });
      ctx.runs++;
      ctx.check(run.ok, "reference run succeeds");
      return run;
    };

    // Round 1: no state yet (If-None-Match: *). Both runs judge, both want to announce; the front
    // holds the first two conditional writes until both have arrived: a true race.
    front.resetStats();
    front.barrier(2);
    ctx.expect(...fleet.firstRunAlerts);
    const round1 = await both(NOW);
    const delivered1 = round1.reduce((n, r) => n + r.captured.length, 0);
    ctx.faults += front.stats.preconditionFailed;
    ctx.check(delivered1 === 1, `first state (If-None-Match): exactly one alert (${delivered1})`);
    ctx.check(front.stats.preconditionFailed >= 1, "first state: one conditional write was refused (412)");
    ctx.check(round1.some(concurrentLog), 'first state: the loser logs "state changed by a concurrent run"');
    ctx.check(front.stats.unconditionalPuts === 0, "first state: never written without a condition");
    const ref1 = await alone(NOW);
    const [s1, r1] = [await state(key), await state(reference)];
    ctx.check(s1 !== null && r1 !== null && same(verdictOf(s1), verdictOf(r1)), "first state: state after both runs = state of one run");
    ctx.check(s1 !== null && r1 !== null && same(s1.ledger, r1.ledger) && s1.outbox === null, "first state: ledger as after one run, outbox settled");
    void ref1;

    // Round 2: existing state (If-Match), new news: a corrupt block appears. Same race.
    const c1 = corruptBlock(NOW + 2 * MIN, 21);
    world.load(bucket, c1.objects);
    front.resetStats();
    front.barrier(2);
    ctx.expect({ section: "corrupt", name: c1.ulid });
    const round2 = await both(NOW + 2 * MIN);
    ctx.faults += front.stats.preconditionFailed;
    const delivered2 = round2.reduce((n, r) => n + r.captured.length, 0);
    ctx.check(delivered2 === 1, `existing state (If-Match): exactly one alert (${delivered2})`);
    ctx.check(front.stats.preconditionFailed >= 1 && round2.some(concurrentLog), "existing state: the loser was refused and re-read");
    await alone(NOW + 2 * MIN);
    const [s2, r2] = [await state(key), await state(reference)];
    ctx.check(s2 !== null && r2 !== null && same(verdictOf(s2), verdictOf(r2)) && same(s2.ledger, r2.ledger), "existing state: no lost update (state = one run's)");

    // Round 3: three runs, the state's loads slowed so every save races every other, no barrier.
    const c2 = corruptBlock(NOW + 4 * MIN, 22);
    world.load(bucket, c2.objects);
    front.resetStats();
    front.delayLoads(150);
    ctx.expect({ section: "corrupt", name: c2.ulid });
    const round3 = await both(NOW + 4 * MIN, 3);
    front.delayLoads(0);
    ctx.faults += front.stats.preconditionFailed;
    const delivered3 = round3.reduce((n, r) => n + r.captured.length, 0);
    ctx.check(delivered3 === 1, `three runs at once: exactly one alert (${delivered3})`);
    await alone(NOW + 4 * MIN);
    const [s3, r3] = [await state(key), await state(reference)];
    ctx.check(s3 !== null && r3 !== null && same(verdictOf(s3), verdictOf(r3)) && same(s3.ledger, r3.ledger) && s3.outbox === null, "three runs: no lost update, outbox settled");

    // Round 4: a retry of the scheduled event one minute later, overlapping the first run.
    const c3 = corruptBlock(NOW + 6 * MIN, 23);
    world.load(bucket, c3.objects);
    front.resetStats();
    front.barrier(2);
    ctx.expect({ section: "corrupt", name: c3.ulid });
    const round4 = await Promise.all([
      ctx.invoke({ config: env(key), clock: fixedClock(NOW + 6 * MIN), queueUrl: channel.queueUrl }),
      ctx.invoke({ config: env(key), clock: fixedClock(NOW + 7 * MIN), queueUrl: channel.queueUrl }),
    ]);
    ctx.faults += front.stats.preconditionFailed;
    const delivered4 = round4.reduce((n, r) => n + r.captured.length, 0);
    ctx.check(delivered4 === 1, `a retry one minute later: exactly one alert (${delivered4})`);
    const after = await ctx.invoke({ config: env(key), clock: fixedClock(NOW + 8 * MIN), queueUrl: channel.queueUrl });
    ctx.check(after.captured.length === 0, "the next run sends nothing (no duplicate)");

    // Round 5: SNS Publish takes seconds, so the first run's claim is still in flight (claimed in the
    // state, not yet published or settled) while a second run loads the state and decides. In the
    // rounds above the winner publishes and settles before the loser re-reads, so they would pass
    // without the in-flight check; this one fails without it (the second run claims and sends again).
    const c4 = corruptBlock(NOW + 10 * MIN, 24);
    world.load(bucket, c4.objects);
    // The first Publish is answered once the second run has ended (at most PUBLISH_MS): the claim is
    // in flight for the whole of the second run, however slow this machine is.
    let secondEnded!: () => void;
    const secondDone = new Promise<void>((resolve) => (secondEnded = resolve));
    world.snsProxy.setRules([{ name: "slow-publish", when: (r) => r.op === "sns" && r.action === "Publish", fault: { kind: "slow", ms: PUBLISH_MS, until: secondDone } }]);
    const snsBefore = world.snsProxy.totalInjected();
    ctx.expect({ section: "corrupt", name: c4.ulid });
    const settled = await state(key);
    const firstRun = ctx.invoke({ config: env(key), clock: fixedClock(NOW + 10 * MIN), queueUrl: channel.queueUrl }).then((r) => ({ r, at: Date.now() }));
    const claim = await waitFor(async () => (await state(key))?.outbox ?? null, 20_000);
    ctx.check(settled?.outbox === null && claim !== null, `slow publish: the first run's claim is in the state before the second run starts (${claim?.id ?? "no claim seen"})`);
    // A retried event 30 s later, inside the claim's in-flight window.
    const second = await ctx.invoke({ config: env(key), clock: fixedClock(NOW + 10 * MIN + 30_000), queueUrl: channel.queueUrl });
    const secondAt = Date.now();
    secondEnded();
    const first = await firstRun;
    world.snsProxy.clear();
    ctx.faults += world.snsProxy.totalInjected() - snsBefore;
    ctx.check(first.r.ok && second.ok, "slow publish: both runs succeed");
    ctx.check(secondAt < first.at, `slow publish: the second run decided and ended while the first was still publishing (${first.at - secondAt} ms before it)`);
    const delivered5 = first.r.captured.length + second.captured.length;
    ctx.check(delivered5 === 1, `slow publish, a claim in flight: exactly one alert (${delivered5})`);
    const s5 = await state(key);
    ctx.check(s5?.outbox === null && s5?.ledger !== null && s5.ledger.findings.some((k) => k.includes(c4.ulid)), "slow publish: the claim settled, the ledger holds the news");
    const next = await ctx.invoke({ config: env(key), clock: fixedClock(NOW + 12 * MIN), queueUrl: channel.queueUrl });
    ctx.check(next.ok && next.captured.length === 0, "slow publish: the run after sends nothing");
  },
};

/** The longest SNS takes to answer a Publish in round 5 (under the SNS client's 15 s request timeout). */
const PUBLISH_MS = 10_000;

async function waitFor<T>(probe: () => Promise<T | null>, timeoutMs: number): Promise<T | null> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const v = await probe();
    if (v !== null) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  return null;
}
