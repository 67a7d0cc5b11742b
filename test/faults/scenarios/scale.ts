// Scale edges: an empty bucket, a bucket of nothing but junk, 10,000 clusters in one run.
import { CHAT_DESCRIPTION_MAX } from "../../../lib/alerts/chatbot";
import { blockObjects, makeUlid, seededRandom, type BucketObject } from "../../../lib/demo/bucket-objects";
import { HOUR } from "../../../lib/demo/fleet";
import { ulidFloor } from "../../../lib/domain/ulid";
import { parseState } from "../../../lib/state/state";
import { chatProblems, emailProblems, snsMessageProblems, subjectProblems } from "../channels";
import { DAY, MIN, NOW } from "../fleets";
import type { Scenario } from "../harness";
import { fixedClock, STATE_BUCKET } from "../world";
import { summaryOf } from "./s3";

const SNS_MAX = 256 * 1024;

export const emptyAndJunk: Scenario = {
  name: "scale-empty-and-junk",
  claim: "an empty bucket and a bucket of junk: no crash, no finding, no alert; expected clusters reported missing",
  async run(ctx) {
    const { world } = ctx;
    const channel = world.channel("empty");
    const empty = world.bucket("thanos-empty");
    const heartbeat = () => world.recorder.data().filter((d) => d.MetricName === "RunSucceeded").length;

    let beats = heartbeat();
    const r1 = await ctx.invoke({ config: world.config({ THANOS_BUCKET: empty, STATE_KEY: "state/empty.json", ALERT_TOPIC_ARN: channel.topicArn }), clock: fixedClock(NOW), queueUrl: channel.queueUrl });
    const s1 = parseState((await world.readObject(STATE_BUCKET, "state/empty.json")) ?? "null");
    ctx.check(r1.ok && r1.captured.length === 0 && heartbeat() === beats + 1, "empty bucket: run succeeds, heartbeat sent, nothing to say");
    ctx.check(s1.cursor === ulidFloor(NOW - 7 * DAY), "empty bucket: the cursor is the lookback horizon (the next run lists only what is new)");
    const r2 = await ctx.invoke({ config: world.config({ THANOS_BUCKET: empty, STATE_KEY: "state/empty.json", ALERT_TOPIC_ARN: channel.topicArn }), clock: fixedClock(NOW + MIN), queueUrl: channel.queueUrl });
    ctx.check(r2.ok && r2.captured.length === 0, "empty bucket, second run: silent");

    ctx.expect({ section: "missing", name: "prod-1" }, { section: "missing", name: "prod-2" });
    const r3 = await ctx.invoke({ config: world.config({ THANOS_BUCKET: empty, STATE_KEY: "state/empty-expected.json", ALERT_TOPIC_ARN: channel.topicArn, EXPECTED_CLUSTERS: "prod-1,prod-2" }), clock: fixedClock(NOW), queueUrl: channel.queueUrl });
    ctx.check(r3.ok && r3.captured.length === 1, "empty bucket with expected clusters: one alert naming both missing");

    // Only what Thanos and Kubecost leave beside blocks, 2,600 top-level names of it (three pages).
    const r = seededRandom(5);
    const junk: BucketObject[] = [];
    const meta = (ulid: string) => JSON.stringify({ ulid, version: 1, minTime: NOW - 3 * HOUR, maxTime: NOW - HOUR, thanos: { labels: { cluster_id: "ghost" } } });
    for (let i = 0; i < 400; i++) {
      const u = makeUlid(NOW - Math.floor(r() * 6 * DAY), r);
      junk.push(
        { key: `${u}-backup/meta.json`, body: meta(u), mtime: NOW - HOUR },
        { key: `${u.toLowerCase()}/meta.json`, body: meta(u.toLowerCase()), mtime: NOW - HOUR },
        { key: `${u}.tmp/meta.json`, body: meta(u), mtime: NOW - HOUR },
        { key: `${u.slice(0, 25)}/meta.json`, body: "{}", mtime: NOW - HOUR },
        { key: `${u.slice(0, 24)}IL/index`, body: "i", mtime: NOW - HOUR },
        { key: `8${u.slice(1)}/meta.json`, body: meta(`8${u.slice(1)}`), mtime: NOW - HOUR },
        { key: `debug/metas/${u}.json`, body: "{}", mtime: NOW - DAY },
      );
    }
    for (let i = 0; i < 250; i++) junk.push({ key: `etl${i}/bingen/daily/2025.json`, body: "{}", mtime: NOW - DAY }, { key: `dir-${i}/`, body: "", mtime: NOW - DAY });
    junk.push({ key: "README.txt", body: "not a block", mtime: NOW - DAY }, { key: "federated/cluster-one/etl.json", body: "{}", mtime: NOW - DAY }, { key: "ZZZZZZZZZZZZZZZZZZZZZZZZZZ/meta.json", body: "{}", mtime: NOW - DAY });
    const junkBucket = "thanos-junk";
    world.load(junkBucket, junk);
    ctx.faults += junk.length;
    beats = heartbeat();
    const j = await ctx.invoke({ config: world.config({ THANOS_BUCKET: junkBucket, STATE_KEY: "state/junk.json", ALERT_TOPIC_ARN: channel.topicArn }), clock: fixedClock(NOW), queueUrl: channel.queueUrl });
    const sum = summaryOf(j) as { clusters: { total: number }; findings: Record<string, number>; requests: { get: number; prefixesListed: number } } | undefined;
    ctx.check(j.ok && j.captured.length === 0 && heartbeat() === beats + 1, "junk only: run succeeds, heartbeat sent, nothing to say");
    ctx.check(sum !== undefined && sum.clusters.total === 0 && Object.values(sum.findings).every((n) => n === 0), `junk only: no cluster, no finding (${JSON.stringify(sum?.findings)})`);
    ctx.check(sum !== undefined && sum.requests.get === 0, `junk only: not one meta.json read (${sum?.requests.get} GETs)`);
    ctx.check(sum !== undefined && sum.requests.prefixesListed > 2_000, `junk only: the whole listing was walked (${sum?.requests.prefixesListed} names)`);
  },
};

function clusterBlock(name: string, stalled: boolean, now: number, r: () => number): BucketObject[] {
  const maxTime = stalled ? now - 6 * HOUR : now - HOUR;
  const ulid = makeUlid(maxTime + 30 * MIN + Math.floor(r() * 20 * MIN), r);
  return blockObjects({ ulid, minTime: maxTime - 2 * HOUR, maxTime, labels: { cluster_id: name }, uploadTime: maxTime + 55 * MIN }).filter((o) => o.key.endsWith("/meta.json"));
}

export const tenThousandClusters: Scenario = {
  name: "scale-10k-clusters",
  claim: "10,000 clusters in one run (2,500 stalled): metrics batched (<=1,000 a call, none lost), one alert summarised under SNS's 256 KB",
  async run(ctx) {
    const { world } = ctx;
    const rec = world.recorder;
    const r = seededRandom(10_000);
    const names = Array.from({ length: 10_000 }, (_, i) => `cluster-${String(i).padStart(5, "0")}-${["us-east-1", "eu-west-1", "ap-south-1"][i % 3]}`);
    const stalled = new Set(names.filter((_, i) => i % 4 === 0)); // 2,500
    const bucket = "thanos-10k";
    world.load(bucket, names.flatMap((n) => clusterBlock(n, stalled.has(n), NOW, r)));
    const channel = world.channel("10k");
    // Per-cluster metrics (opt-in) on: the volume of metric data is what this scenario is about.
    const config = world.config({ THANOS_BUCKET: bucket, STATE_KEY: "state/10k.json", ALERT_TOPIC_ARN: channel.topicArn, PER_CLUSTER_METRICS: "true" });
    // Volume, not faults: the Thanos bucket is read straight from fauxqs.
    const clients = () => world.clients(config, { thanos: world.local.endpoint });

    rec.reset();
    rec.failNext(3, "throttling");
    ctx.expect({ section: "stalled", count: stalled.size });
    const run = await ctx.invoke({ config, clients: clients(), clock: fixedClock(NOW), queueUrl: channel.queueUrl });
    ctx.faults += rec.requests - rec.puts.length - rec.rejections.length;
    const data = rec.data();
    const perCluster = data.filter((d) => d.Dimensions?.length);
    ctx.check(run.ok, "10,000 clusters: the run succeeds");
    ctx.note(`first run: ${run.durationMs} ms; ${JSON.stringify(summaryOf(run)?.requests)}`);
    ctx.check(rec.rejections.length === 0, `every PutMetricData accepted by CloudWatch's rules (${rec.rejections.slice(0, 2).join("; ")})`);
    ctx.check(rec.puts.every((p) => p.data.length <= 1000 && p.bytes <= 1_000_000), `batches within 1,000 data and 1 MB (${rec.puts.length} calls, largest ${Math.max(...rec.puts.map((p) => p.data.length))} data)`);
    ctx.check(perCluster.length === 50_000 && data.length === 50_007, `every datum recorded once despite 3 throttled calls (${data.length} of 50,007: 7 fleet metrics, no compactor lag without a compactor block)`);
    ctx.check(new Set(perCluster.map((d) => `${d.MetricName}|${d.Dimensions![0]!.Value}`)).size === perCluster.length, "no datum recorded twice");
    ctx.check(run.captured.length === 1, `one alert for 2,500 stalled clusters (${run.captured.length})`);
    const msg = run.captured[0];
    if (msg) {
      ctx.problems(snsMessageProblems(msg.message, SNS_MAX), "10k alert: SNS message");
      ctx.problems(subjectProblems(msg.subject), "10k alert: subject");
      ctx.problems(emailProblems(msg.email), "10k alert: email");
      ctx.problems(chatProblems(msg.chat, [], CHAT_DESCRIPTION_MAX), "10k alert: chat");
      ctx.check(/STALLED \(2,500\)/.test(msg.email) && /- and [\d,]+ more/.test(msg.email), "10k alert: counted and summarised, not cut mid-list");
      ctx.check(msg.subject === "blockwatch: 2,500 clusters stalled", `10k alert: subject ${JSON.stringify(msg.subject)}`);
      ctx.note(`10k alert: ${Buffer.byteLength(msg.message)} bytes, chat description ${msg.chat.content.description.length} characters`);
    }

    // Next run: 1,000 recover and 500 new clusters appear: one message with both, still under 256 KB.
    const later = NOW + 2 * MIN;
    const extra = Array.from({ length: 500 }, (_, i) => `new-${String(i).padStart(4, "0")}-${"x".repeat(40)}`);
    const recovering = [...stalled].slice(0, 1_000);
    world.load(bucket, [...recovering.flatMap((n) => clusterBlock(n, false, later, r)), ...extra.flatMap((n) => clusterBlock(n, false, later, r))]);
    rec.reset();
    ctx.expect({ section: "recovered", count: recovering.length }, { section: "new", count: extra.length });
    const second = await ctx.invoke({ config, clients: clients(), clock: fixedClock(later), queueUrl: channel.queueUrl });
    ctx.check(second.ok && second.captured.length === 1, "recoveries + new clusters: one message");
    ctx.note(`second run: ${second.durationMs} ms; ${JSON.stringify(summaryOf(second)?.requests)}`);
    const m2 = second.captured[0];
    if (m2) {
      ctx.problems(snsMessageProblems(m2.message, SNS_MAX), "10k recovery: SNS message");
      ctx.problems(emailProblems(m2.email), "10k recovery: email");
      ctx.problems(chatProblems(m2.chat, [], CHAT_DESCRIPTION_MAX), "10k recovery: chat");
    }
    ctx.check(rec.data().length === 10_500 * 5 + 7 && rec.rejections.length === 0, `10,500 clusters' metrics recorded (${rec.data().length})`);
    rec.reset();
  },
};
