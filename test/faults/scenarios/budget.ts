// A huge first run (20,000 block prefixes) with a Lambda that has little time left: each run stops
// listing at its deadline, saves its cursor, alerts nothing from a partial view; the next run goes
// on from the cursor; once complete, the verdict is the one-shot verdict.
import { decideAlerts } from "../../../lib/alerts/decide";
import { blockObjects, seededRandom, type BucketObject } from "../../../lib/demo/bucket-objects";
import { HOUR, sidecarBlocks } from "../../../lib/demo/fleet";
import { checkBucket } from "../../../lib/engine/check";
import { isUlid } from "../../../lib/domain/ulid";
import type { Report } from "../../../lib/health/report";
import { emptyState, parseState } from "../../../lib/state/state";
import type { Expectation } from "../alerts";
import { DAY, MIN, NOW } from "../fleets";
import type { Scenario } from "../harness";
import { ObjectListBucket } from "../memory-bucket";
import { runningClock, STATE_BUCKET } from "../world";
import { same, summaryOf } from "./s3";

const CLUSTERS = 245;
const STALLED = 8;

function hugeBucket(now: number): { objects: BucketObject[]; prefixes: number } {
  const objects: BucketObject[] = [];
  for (let i = 0; i < CLUSTERS; i++) {
    const cluster = `fleet-${String(i).padStart(3, "0")}`;
    const stopAt = i < STALLED ? now - (6 + i * 3) * HOUR : undefined;
    for (const b of sidecarBlocks({ labels: { cluster_id: cluster }, from: now - 7 * DAY + 3 * HOUR, stopAt }, now, seededRandom(1000 + i))) {
      objects.push(...blockObjects(b).filter((o) => o.key.endsWith("/meta.json")));
    }
  }
  return { objects, prefixes: objects.length };
}

/** A report's verdicts and findings, without what depends on the run that made it. */
function judged(r: Report) {
  return {
    clusters: r.clusters.map(({ since: _since, blocksUploaded: _b, bytesUploaded: _y, ...v }) => v),
    partialBlocks: r.partialBlocks,
    corruptBlocks: r.corruptBlocks,
    unlabeledBlocks: r.unlabeledBlocks,
    overlaps: r.overlaps,
  };
}

export const timeBudget: Scenario = {
  name: "time-budget",
  claim: "a 20,000-prefix first run stops before its deadline, saves its cursor, alerts nothing partial; N runs = one run",
  async run(ctx) {
    const { world } = ctx;
    const { objects, prefixes } = hugeBucket(NOW);
    ctx.check(prefixes >= 20_000, `the bucket holds ${prefixes} block prefixes`);
    const bucket = "thanos-huge";
    world.load(bucket, objects);
    const channel = world.channel("huge");
    const key = "state/huge.json";
    const missing = ["eu-never-1", "us-never-2"];
    const config = world.config({ THANOS_BUCKET: bucket, STATE_KEY: key, ALERT_TOPIC_ARN: channel.topicArn, EXPECTED_CLUSTERS: [...missing, "fleet-000"].join(",") });
    // The margin the handler keeps for saving, publishing and metrics is max(30 s, 20%): 35 s left
    // gives five seconds of listing per run. Reads go straight to fauxqs (no fault here, only volume).
    const remainingMs = 35_000;
    const clients = () => world.clients(config, { thanos: world.local.endpoint });
    const heartbeats = () => world.recorder.data().filter((d) => d.MetricName === "RunSucceeded").length;

    let cursor: string | null = null;
    let metaRead = 0;
    let runs = 0;
    let complete = false;
    let at = NOW;
    for (; runs < 40 && !complete; runs++) {
      at = NOW + runs * MIN;
      const beats = heartbeats();
      const run = await ctx.invoke({ config, clients: clients(), clock: runningClock(at), remainingMs, queueUrl: channel.queueUrl });
      if (!run.ok) return;
      const summary = summaryOf(run) as { complete: boolean; requests: { metaRead: number; prefixesListed: number } } | undefined;
      complete = summary?.complete === true;
      metaRead += summary?.requests.metaRead ?? 0;
      const text = await world.readObject(STATE_BUCKET, key);
      const state = text === null ? null : parseState(text);
      // Listing stops at 5 s; the page in flight, the state and the metrics fit well inside the 30 s margin.
      ctx.check(run.durationMs < remainingMs - 15_000, `run ${runs + 1}: returned after ${run.durationMs} ms, keeping at least 15 s of the 35 s it had`);
      ctx.check(state !== null && state.cursor !== null && (cursor === null || state.cursor > cursor || complete), `run ${runs + 1}: cursor saved and moved forward`);
      cursor = state?.cursor ?? cursor;
      if (!complete) {
        ctx.faults++; // the time budget ran out
        ctx.check(run.captured.length === 0, `run ${runs + 1} (partial): no alert from a partial view`);
        // Still alive: a first run that saved progress sends the heartbeat, so "not reporting" stays quiet on day one.
        ctx.check(heartbeats() === beats + 1, `run ${runs + 1} (partial, progress saved): RunSucceeded heartbeat`);
        ctx.check(state?.ledger === null, `run ${runs + 1} (partial): nothing decided`);
      }
    }
    ctx.note(`${runs} runs to read ${prefixes} prefixes at ~5 s of listing each`);
    ctx.check(runs >= 2, `the first run stopped early (${runs} runs in all)`);
    ctx.check(complete, "the listing completed within 40 runs");
    ctx.check(metaRead === prefixes, `each meta.json read exactly once over all runs (${metaRead} reads, ${prefixes} blocks)`);

    // One run over the same bucket with unlimited time and no state.
    const oneShot = await checkBucket(new ObjectListBucket(objects), emptyState(), at, config.policy, { concurrency: 32 });
    const finalText = await world.readObject(STATE_BUCKET, key);
    const final = finalText === null ? null : parseState(finalText);
    // The incremental state's verdicts at the same instant: a stateful check with nothing new to read.
    const fromState = final === null ? null : await checkBucket(new ObjectListBucket(objects), final, at, config.policy, { concurrency: 32 });
    ctx.check(fromState !== null && fromState.report.complete && same(judged(fromState.report), judged(oneShot.report)), "after N runs the verdicts equal a one-shot run's");
    const decision = decideAlerts(null, oneShot.report, at, config.policy);
    const expected: Expectation[] = [...(decision.notification?.down ?? [])].map((v) => ({ section: v.status === "missing" ? "missing" : "stalled", name: v.cluster }));
    ctx.check(expected.length === STALLED + missing.length, `the one-shot run announces ${STALLED} stalled + ${missing.length} missing (${expected.length})`);
    ctx.expect(...expected);
    ctx.check(isUlid(final?.cursor ?? ""), "the final cursor is a block name");

    // The run after: nothing new, nothing sent.
    const next = await ctx.invoke({ config, clients: clients(), clock: runningClock(at + MIN), remainingMs, queueUrl: channel.queueUrl });
    ctx.check(next.ok && next.captured.length === 0, "the run after completion sends nothing");
  },
};
