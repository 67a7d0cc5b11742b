// A damaged state document: kept aside, never overwritten blindly, rebuilt from the lookback window
// without announcing rebuilt clusters as new or recovered.
import { parseState, serializeState } from "../../../lib/state/state";
import { MIN, NOW, smallFleet } from "../fleets";
import type { Scenario } from "../harness";
import { fixedClock, STATE_BUCKET } from "../world";

export const damagedState: Scenario = {
  name: "damaged-state",
  claim: "a corrupt, truncated or hand-edited state is kept aside and rebuilt: no new/recovered storm",
  async run(ctx) {
    const { world } = ctx;
    const front = world.stateFront;
    const fleet = smallFleet(NOW);
    const bucket = "thanos-damaged";
    world.load(bucket, fleet.objects);
    const channel = world.channel("damaged");
    const key = "state/damaged.json";
    front.watch(STATE_BUCKET, key);
    const config = world.config({ THANOS_BUCKET: bucket, STATE_KEY: key, ALERT_TOPIC_ARN: channel.topicArn, EXPECTED_CLUSTERS: fleet.expectedClusters.join(",") });

    ctx.expect(...fleet.firstRunAlerts);
    const first = await ctx.invoke({ config, clock: fixedClock(NOW), queueUrl: channel.queueUrl });
    ctx.check(first.ok, "first run succeeds");
    const good = (await world.readObject(STATE_BUCKET, key))!;
    const goodState = parseState(good);
    const edited = (patch: (doc: Record<string, unknown>) => void) => {
      const doc = JSON.parse(good) as Record<string, unknown>;
      patch(doc);
      return JSON.stringify(doc);
    };

    const damaged: [string, string][] = [
      ["not JSON", "\u0000\u0001garbage{"],
      ["truncated", good.slice(0, Math.floor(good.length * 0.6))],
      ["empty document", ""],
      ["a JSON array", "[]"],
      ["hand-edited: cursor of the wrong type", edited((d) => (d.cursor = 42))],
      ["hand-edited: unknown status", edited((d) => ((d.clusters as Record<string, { status: string }>)["staging-ap-south-1"]!.status = "broken"))],
      ["hand-edited: ledger mangled", edited((d) => (d.ledger = { clusters: "all good" }))],
      ["another version", edited((d) => (d.version = 2))],
    ];
    let minute = 0;
    for (const [label, text] of damaged) {
      minute++;
      const at = NOW + minute * MIN;
      await world.writeObject(STATE_BUCKET, key, text);
      ctx.faults++;
      front.resetStats();
      // The ledger was lost with the document: the clusters already down are announced again, once
      // (decideAlerts with a null ledger). Rebuilt clusters are never "new", nothing "recovered".
      ctx.expect(...fleet.firstRunAlerts);
      const run = await ctx.invoke({ config, clock: fixedClock(at), queueUrl: channel.queueUrl });
      if (!run.ok) continue;
      // Named <key>.corrupt-<time>-<random>, written with If-None-Match: never over an earlier copy.
      const keptAs = run.logs.find((l) => /state document is damaged/.test(l.msg))?.keptAs;
      const aside = typeof keptAs === "string" ? keptAs : "(not logged)";
      ctx.check(aside.startsWith(`${key}.corrupt-${new Date(at).toISOString().replace(/[:.]/g, "")}-`), `${label}: the copy's name carries the time and a unique tail (${aside})`);
      ctx.check((await world.readObject(STATE_BUCKET, aside)) === text, `${label}: the damaged document is kept, byte for byte, as ${aside}`);
      ctx.check(run.logs.some((l) => l.level === "warn" && /state document is damaged/.test(l.msg)), `${label}: a warning names the damage`);
      ctx.check(front.stats.unconditionalPuts === 0 && front.stats.conditionalPuts >= 1, `${label}: the state was replaced only with a conditional write (If-Match on the damaged version)`);
      const rebuilt = await world.readObject(STATE_BUCKET, key);
      let ok = false;
      try {
        const s = parseState(rebuilt ?? "");
        ok = Object.entries(fleet.statuses).every(([name, status]) => s.clusters[name]?.status === status) && s.outbox === null;
      } catch {
        ok = false;
      }
      ctx.check(ok, `${label}: rebuilt state holds every cluster with its verdict`);
      ctx.check(run.captured.length <= 1, `${label}: at most one message (${run.captured.length})`);
    }
    ctx.note("after a state is rebuilt, the clusters already down are announced once more (one message); nothing is announced as new or recovered");

    // A valid hand edit (a status changed by hand): judged again from the bucket, nothing re-sent.
    minute++;
    const valid = serializeState({ ...parseState((await world.readObject(STATE_BUCKET, key))!), clusters: { ...goodState.clusters, "staging-ap-south-1": { status: "ok", since: NOW } } });
    await world.writeObject(STATE_BUCKET, key, valid);
    ctx.faults++;
    const handEdited = await ctx.invoke({ config, clock: fixedClock(NOW + minute * MIN), queueUrl: channel.queueUrl });
    const after = parseState((await world.readObject(STATE_BUCKET, key))!);
    ctx.check(handEdited.ok && handEdited.captured.length === 0 && after.clusters["staging-ap-south-1"]?.status === "stalled", "a valid hand edit of a status is judged again, nothing re-sent");

    // The state deleted by hand while a run is in flight: the run's If-Match save gets 404 NoSuchKey.
    minute++;
    let deleted = false;
    front.onLoad(async (full) => {
      if (deleted || full !== `${STATE_BUCKET}/${key}`) return;
      deleted = true;
      await world.deleteObject(STATE_BUCKET, key);
    });
    ctx.faults++;
    // Whether this run or the next rebuilds, the clusters already down are announced once more, once.
    ctx.expect(...fleet.firstRunAlerts);
    const during = await ctx.invoke({ config, clock: fixedClock(NOW + minute * MIN), queueUrl: channel.queueUrl });
    front.onLoad(null);
    ctx.check(during.ok, `state deleted during a run: the run re-reads and rebuilds instead of failing (${during.error?.name ?? "ok"}: ${during.error?.message?.slice(0, 80) ?? ""})`);
    minute++;
    const next = await ctx.invoke({ config, clock: fixedClock(NOW + minute * MIN), queueUrl: channel.queueUrl });
    ctx.check(next.ok && (await world.readObject(STATE_BUCKET, key)) !== null, "state deleted during a run: the next run has a state again");
  },
};
