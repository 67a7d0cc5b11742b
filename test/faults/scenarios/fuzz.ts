// Hostile bucket content, fuzzed. The pure layers take every case (fast); a smaller set goes through
// the real servers (S3 reader with Range reads, SNS/SQS, CloudWatch's rules, the CLI).
import { CHAT_DESCRIPTION_MAX, type ChatbotNotification } from "../../../lib/alerts/chatbot";
import { decideAlerts } from "../../../lib/alerts/decide";
import { labelsText } from "../../../lib/alerts/escape";
import type { Ledger } from "../../../lib/alerts/ledger";
import type { Notification } from "../../../lib/alerts/notification";
import { renderNotification } from "../../../lib/alerts/render";
import { renderReport } from "../../../lib/cli/report-table";
import type { BucketObject } from "../../../lib/demo/bucket-objects";
import { ulidFloor } from "../../../lib/domain/ulid";
import { checkBucket } from "../../../lib/engine/check";
import type { Judgement } from "../../../lib/health/evaluate";
import type { Report } from "../../../lib/health/report";
import { cloudwatchDimensionValue } from "../../../lib/metrics/dimension";
import { metricData } from "../../../lib/metrics/metric-data";
import { DEFAULT_POLICY, type Policy } from "../../../lib/policy/policy";
import { emptyState, parseState, serializeState } from "../../../lib/state/state";
import { s3ObjstoreYaml } from "../../support/s3-server";
import type { Expectation } from "../alerts";
import { attributeProblems, chatProblems, dimensionProblems, emailProblems, jsonProblems, snsMessageProblems, subjectProblems, tableProblems } from "../channels";
import { benignObjects, BENIGN_CLUSTER, fuzzCase, FUZZ_NOW, type FuzzCase } from "../fuzz";
import type { Scenario, ScenarioContext } from "../harness";
import { ObjectListBucket } from "../memory-bucket";
import { fixedClock } from "../world";
import { cli } from "./s3";

const MIN = 60_000;
const SNS_MAX = 256 * 1024;
const BEFORE = FUZZ_NOW - 10 * MIN;

type Problems = Map<string, string[]>;
const add = (p: Problems, group: string, items: string[]) => {
  if (items.length) p.set(group, [...(p.get(group) ?? []), ...items]);
  else if (!p.has(group)) p.set(group, []);
};

/** The run before the hostile blocks arrive: its state and what subscribers were told. */
async function baseline(policy: Policy): Promise<{ stateText: string; ledger: Ledger }> {
  const j = await checkBucket(new ObjectListBucket(benignObjects(FUZZ_NOW)), emptyState(), BEFORE, policy, { concurrency: 4 });
  return { stateText: serializeState(j.state), ledger: decideAlerts(null, j.report, BEFORE, policy).ledgerAfterPublish! };
}

function markerOf(c: FuzzCase, name: string): string | null {
  return c.names.find((n) => n.value === name)?.marker ?? null;
}

/** Every name a notification lists. */
function namesIn(n: Notification): string[] {
  return [...n.down, ...n.reminders, ...n.newClusters].map((v) => v.cluster).concat(n.overlaps.map((o) => o.cluster), n.recovered.map((r) => r.verdict.cluster));
}

/** The channels of one notification: SNS message, subject, attributes, email, Chatbot. */
function notificationProblems(p: Problems, c: FuzzCase, n: Notification, label: string): void {
  let msg;
  try {
    msg = renderNotification(n, { bucket: "kc-thanos-store" });
  } catch (err) {
    add(p, `${label} render`, [`renderNotification threw ${(err as Error).message}`]);
    return;
  }
  add(p, `${label} sns`, snsMessageProblems(msg.Message, SNS_MAX));
  add(p, `${label} subject`, subjectProblems(msg.Subject));
  add(p, `${label} attributes`, attributeProblems(Object.fromEntries(Object.entries(msg.MessageAttributes).map(([k, v]) => [k, v.StringValue]))));
  const doc = JSON.parse(msg.Message) as { email: string; https: string };
  add(p, `${label} email`, emailProblems(doc.email));
  const chat = JSON.parse(doc.https) as ChatbotNotification;
  add(p, `${label} chat`, chatProblems(chat, c.markers, CHAT_DESCRIPTION_MAX));
  const markers = namesIn(n).map((name) => markerOf(c, name)).filter((m): m is string => m !== null);
  add(p, `${label} recognisable (email)`, markers.filter((m) => !doc.email.includes(m)).map((m) => `marker ${m} missing from the email`));
  const chatText = chat.content.title + chat.content.description;
  if (markers.length > 0) add(p, `${label} recognisable (chat)`, markers.some((m) => chatText.includes(m)) ? [] : ["no hostile name recognisable in the chat message"]);
}

function inspect(c: FuzzCase, j: Judgement, ledger: Ledger, policy: Policy, dims: Map<string, string>): Problems {
  const p: Problems = new Map();
  const r: Report = j.report;
  const has = (list: { block: string }[], ulid: string) => list.some((x) => x.block === ulid);

  // Each hostile block where the oracle puts it.
  const wrong: string[] = [];
  for (const b of c.blocks) {
    const corrupt = has(r.corruptBlocks, b.ulid);
    const unlabeled = has(r.unlabeledBlocks, b.ulid);
    const partial = r.partialBlocks.some((x) => x.block === b.ulid);
    const cluster = b.cluster !== undefined && r.clusters.some((v) => v.cluster === b.cluster);
    const where = corrupt ? "corrupt" : unlabeled ? "unlabeled" : partial ? "partial" : "no finding";
    const ok =
      b.kind === "partial"
        ? partial
        : b.expect === "corrupt"
          ? corrupt && !unlabeled
          : b.expect === "unlabeled"
            ? unlabeled && !corrupt
            : b.expect === "valid"
              ? !corrupt && !unlabeled && cluster
              : !corrupt && !unlabeled && !partial;
    if (!ok) wrong.push(`${b.kind} block ${b.ulid}: expected ${b.kind === "partial" ? "partial" : b.expect}, reported ${where}${b.expect === "valid" && !cluster ? " (cluster absent)" : ""}`);
  }
  add(p, "classification", wrong);

  // Data from the future (maxTime > now + 1h) is a corrupt finding that says so, never freshness: a
  // cluster that has nothing else is absent (not listed, not new), and none looks fresher than now.
  const future = c.blocks.filter((b) => b.futureData);
  const elsewhere = new Set([...c.blocks.filter((b) => b.expect === "valid").map((b) => b.cluster!), ...c.expectedClusters, BENIGN_CLUSTER]);
  const futureOnly = new Set(future.map((b) => b.cluster).filter((n): n is string => n !== undefined && !elsewhere.has(n)));
  const reasonOf = (ulid: string) => r.corruptBlocks.find((x) => x.block === ulid)?.reason ?? "";
  add(p, "future data", [
    ...future.filter((b) => !/^maxTime \S+ is in the future: the uploading Prometheus's clock is ahead$/.test(reasonOf(b.ulid))).map((b) => `block ${b.ulid}: reason ${JSON.stringify(reasonOf(b.ulid).slice(0, 100))} does not say its data is in the future`),
    ...r.clusters.filter((v) => futureOnly.has(v.cluster)).map((v) => `cluster ${JSON.stringify(v.cluster.slice(0, 40))} has only future data, yet is listed (${v.status}, newest maxTime ${v.newestMaxTime})`),
    ...r.newClusters.filter((n) => futureOnly.has(n)).map((n) => `cluster ${JSON.stringify(n.slice(0, 40))} has only future data, yet is reported new`),
    ...r.clusters
      .filter((v) => (v.dataLagSeconds ?? 0) < -3600)
      .map((v) => `cluster ${JSON.stringify(v.cluster.slice(0, 40))} is ${v.status} with a data lag of ${v.dataLagSeconds} s: data from more than an hour ahead counted as fresh`),
  ]);
  // Times out of range are corrupt by the meta.json rules, with the rule in the reason.
  add(
    p,
    "time reasons",
    c.blocks
      .filter((b) => b.why === "times" && !/must be integers with 0 <= minTime < maxTime <= 8\.64e15$/.test(reasonOf(b.ulid)))
      .map((b) => `block ${b.ulid}: reason ${JSON.stringify(reasonOf(b.ulid).slice(0, 120))} does not state the time rule`),
  );
  // A ULID from the future must not carry the cursor past blocks still to come.
  if (c.blocks.some((b) => b.futureUlid)) {
    add(p, "future ulid cursor", j.state.cursor !== null && j.state.cursor > ulidFloor(FUZZ_NOW + 1) ? [`cursor ${j.state.cursor} is in the future`] : []);
  }
  // New clusters: every hostile cluster is new against the benign run's state.
  const expectedNew = new Set(c.blocks.filter((b) => b.expect === "valid").map((b) => b.cluster!));
  expectedNew.delete(BENIGN_CLUSTER);
  const gotNew = new Set(r.newClusters);
  add(p, "new clusters", [...expectedNew].filter((n) => !gotNew.has(n)).map((n) => `cluster ${JSON.stringify(n.slice(0, 40))} not reported new (report.newClusters)`));
  // The state keeps every cluster across a save and a load.
  const round = parseState(serializeState(j.state));
  add(p, "state round trip", Object.keys(j.state.clusters).filter((k) => !Object.prototype.hasOwnProperty.call(round.clusters, k)).map((k) => `cluster ${JSON.stringify(k)} lost by serializeState/parseState`));

  // CLI table, with and without colour; recognisable names.
  for (const colour of [false, true]) {
    const table = renderReport(r, { colour, clusterLabel: policy.clusterLabel, location: "s3://kc-thanos-store/" });
    add(p, `table${colour ? " (colour)" : ""}`, tableProblems(table, colour));
    if (!colour) {
      const missing = r.clusters.map((v) => markerOf(c, v.cluster)).filter((m): m is string => m !== null && !table.includes(m));
      add(p, "recognisable (table)", missing.map((m) => `marker ${m} missing from the table`));
    }
  }
  // JSON output: what `check --output json` prints.
  add(p, "json", jsonProblems(JSON.stringify(r, null, 2), r.clusters.map((v) => v.cluster)));

  // Alerts: the hostile names as new clusters, stalls and findings; then as recoveries and reminders.
  const n1 = decideAlerts(ledger, r, FUZZ_NOW, policy).notification;
  if (n1) notificationProblems(p, c, n1, "alert");
  const allDown: Ledger = {
    clusters: r.clusters.map((v) => ({ cluster: v.cluster, down: { status: "stalled", since: r.now, notifiedAt: FUZZ_NOW - 25 * 3_600_000 } })),
    findings: [],
    bucketFailure: null,
  };
  const n2 = decideAlerts(allDown, r, FUZZ_NOW, policy).notification;
  if (n2) notificationProblems(p, c, n2, "alert (recovered/reminder)");

  // CloudWatch: one Cluster dimension per cluster, valid, recognisable, distinct for distinct names.
  const data = metricData(r, { perClusterMetrics: true });
  const dimProblems: string[] = [];
  for (const d of data) for (const dim of d.Dimensions ?? []) dimProblems.push(...dimensionProblems(dim.Value));
  for (const d of data) if (!Number.isFinite(d.Value)) dimProblems.push(`${d.MetricName}: value ${d.Value}`);
  add(p, "dimension", dimProblems);
  const collisions: string[] = [];
  const unrecognisable: string[] = [];
  for (const v of r.clusters) {
    const dim = cloudwatchDimensionValue(v.cluster);
    const other = dims.get(dim);
    if (other !== undefined && other !== v.cluster) collisions.push(`${JSON.stringify(v.cluster.slice(0, 40))} and ${JSON.stringify(other.slice(0, 40))} share the dimension ${JSON.stringify(dim.slice(0, 60))}`);
    dims.set(dim, v.cluster);
    const m = markerOf(c, v.cluster);
    if (m !== null && !dim.includes(m)) unrecognisable.push(`marker ${m} missing from dimension ${JSON.stringify(dim.slice(0, 60))}`);
  }
  add(p, "dimension collision", collisions);
  add(p, "recognisable (dimension)", unrecognisable);
  return p;
}

function book(ctx: ScenarioContext, c: FuzzCase, p: Problems): void {
  for (const [group, list] of p) ctx.problems(list, `case ${c.index} (${c.category}) ${group}`, 2);
}

export const fuzzPure: Scenario = {
  name: "fuzz-pure",
  claim: "1,000+ hostile cases through scan, rules, table, JSON, email, Chatbot and CloudWatch: never a crash, always safe and recognisable",
  async run(ctx) {
    const seed = ctx.options.seed;
    const base = await baseline(DEFAULT_POLICY);
    const benign = benignObjects(FUZZ_NOW);
    const dims = new Map<string, string>();
    const only = ctx.options.caseIndex;
    const indices = only !== undefined ? [only] : Array.from({ length: ctx.options.cases }, (_, i) => i);
    for (const i of indices) {
      const c = fuzzCase(seed, i);
      ctx.faults += c.blocks.length;
      const policy: Policy = { ...DEFAULT_POLICY, expectedClusters: c.expectedClusters };
      let j: Judgement;
      try {
        j = await checkBucket(new ObjectListBucket([...benign, ...c.objects]), parseState(base.stateText), FUZZ_NOW, policy, { concurrency: 4 });
      } catch (err) {
        ctx.crash(`case ${i} (${c.category}: ${c.blocks.map((b) => b.kind).join(", ")}) checkBucket threw`, err);
        continue;
      }
      try {
        book(ctx, c, inspect(c, j, base.ledger, policy, dims));
      } catch (err) {
        ctx.crash(`case ${i} (${c.category}) rendering threw`, err);
      }
    }
    ctx.note(`fuzz seed ${seed}: ${indices.length} cases; rebuild one with --seed ${seed} --only fuzz-pure --case N`);
  },
};

function expectationsOf(n: Notification): Expectation[] {
  return [
    ...n.down.map((v): Expectation => ({ section: v.status === "missing" ? "missing" : "stalled", name: v.cluster })),
    ...n.reminders.map((v): Expectation => ({ section: "reminder", name: v.cluster })),
    ...n.newClusters.map((v): Expectation => ({ section: "new", name: v.cluster })),
    ...n.recovered.map((r): Expectation => ({ section: "recovered", name: r.verdict.cluster })),
    ...n.overlaps.map((o): Expectation => ({ section: "overlap", name: o.cluster })),
    ...n.corruptBlocks.map((c): Expectation => ({ section: "corrupt", name: c.block })),
    ...n.partialBlocks.map((c): Expectation => ({ section: "partial", name: c.block })),
    ...n.unlabeled.map((u): Expectation => ({ section: "unlabeled", name: labelsText(u.labels), exact: true })),
    ...(n.conflicts ?? []).map((c): Expectation => ({ section: "sources", name: c.cluster })),
    ...(n.gaps ?? []).map((g): Expectation => ({ section: "lost", name: g.cluster })),
    ...(n.degraded ?? []).map((d): Expectation => ({ section: "degraded", name: d.cluster })),
    ...(n.replicasBack ?? []).map((d): Expectation => ({ section: "replica-back", name: d.cluster })),
    ...(n.compactor ? [{ section: "compactor", count: 1 } as Expectation] : []),
    ...(n.retention ? [{ section: "retention", count: 1 } as Expectation] : []),
    ...(n.dataGaps ?? []).map((g): Expectation => ({ section: "etl-gap", name: g.cluster })),
    ...((n.corruptFiles ?? []).length > 0 ? [{ section: "etl-file", count: n.corruptFiles!.length } as Expectation] : []),
  ];
}

export const fuzzServers: Scenario = {
  name: "fuzz-servers",
  claim: "hostile cases through S3 (Range reads), the handler, SNS/SQS, CloudWatch's rules and the CLI",
  async run(ctx) {
    const { world } = ctx;
    const seed = ctx.options.seed;
    const total = ctx.options.serverCases;
    // Deep-nesting cases in a batch of their own: if one crashes a run, the other batches still tell.
    // Two of them nest deeply in the fields whose invalid values get quoted in the reason.
    const deep: FuzzCase[] = [];
    const rest: FuzzCase[] = [];
    const quoted = (c: FuzzCase) => c.blocks.some((b) => /^deep-(version|minTime|maxTime)-\w+-(50000|150000)$/.test(b.kind));
    for (let i = 0; (deep.length < 4 || rest.length < total - 4) && i < 10_000; i++) {
      const c = fuzzCase(seed, i);
      if (c.category !== "deep") {
        if (rest.length < total - 4) rest.push(c);
      } else if (quoted(c) ? deep.filter(quoted).length < 2 : deep.filter((d) => !quoted(d)).length < 2) deep.push(c);
    }
    const per = Math.ceil(rest.length / 3);
    const batches = [deep, rest.slice(0, per), rest.slice(per, 2 * per), rest.slice(2 * per)].filter((b) => b.length > 0);
    const config0 = world.config({ THANOS_BUCKET: "x", ALERT_TOPIC_ARN: "arn:aws:sns:us-east-1:000000000000:x" });
    const policy = config0.policy;
    const base = await baseline(policy);
    const benign = benignObjects(FUZZ_NOW);

    for (const [k, batch] of batches.entries()) {
      const label = `batch ${k} (cases ${batch.map((c) => c.index).join(",")})`;
      const bucket = `fuzz-srv-${k}`;
      world.load(bucket, benign);
      const channel = world.channel(`fuzz-${k}`);
      const config = world.config({ THANOS_BUCKET: bucket, STATE_KEY: `state/fuzz-${k}.json`, ALERT_TOPIC_ARN: channel.topicArn });
      const first = await ctx.invoke({ config, clock: fixedClock(BEFORE), queueUrl: channel.queueUrl });
      ctx.check(first.ok && first.captured.length === 0, `${label}: the benign first run is silent`);

      const objects: BucketObject[] = batch.flatMap((c) => c.objects);
      world.load(bucket, objects);
      ctx.faults += batch.reduce((n, c) => n + c.blocks.length, 0);
      // What the pure layers say subscribers must get (no expectation if they crash: counted there).
      try {
        const j = await checkBucket(new ObjectListBucket([...benign, ...objects]), parseState(base.stateText), FUZZ_NOW, policy, { concurrency: 8 });
        const n = decideAlerts(base.ledger, j.report, FUZZ_NOW, policy).notification;
        if (n) ctx.expect(...expectationsOf(n));
      } catch {
        ctx.note(`${label}: the pure layers crash on this batch; no alert expected from it`);
      }
      const rejections = world.recorder.rejections.length;
      const run = await ctx.invoke({ config, clock: fixedClock(FUZZ_NOW), queueUrl: channel.queueUrl });
      ctx.check(world.recorder.rejections.length === rejections, `${label}: CloudWatch accepted every datum (${world.recorder.rejections.slice(rejections, rejections + 2).join("; ")})`);
      const markers = batch.flatMap((c) => c.markers);
      for (const msg of run.captured) {
        ctx.problems(snsMessageProblems(msg.message, SNS_MAX), `${label} sns`);
        ctx.problems(subjectProblems(msg.subject), `${label} subject`);
        ctx.problems(attributeProblems(msg.attributes), `${label} attributes`);
        ctx.problems(emailProblems(msg.email), `${label} email`);
        ctx.problems(chatProblems(msg.chat, markers, CHAT_DESCRIPTION_MAX), `${label} chat`);
      }
      if (run.ok) ctx.check(run.captured.length === 1, `${label}: one message for the hostile blocks (${run.captured.length})`);

      // The CLI on the same bucket: JSON for scripts, the table for people.
      const yaml = s3ObjstoreYaml({ endpoint: world.thanosProxy.url, bucket });
      const now = new Date(FUZZ_NOW).toISOString();
      const json = await cli(["check", "--objstore.config", yaml, "--now", now, "--output", "json"]);
      if (json.code === 1) ctx.crash(`${label}: CLI check --output json exit 1`, new Error(json.stderr.trim()));
      else {
        const names = batch.flatMap((c) => c.blocks.filter((b) => b.expect === "valid").map((b) => b.cluster!));
        ctx.problems(jsonProblems(json.stdout, names), `${label} CLI json`);
        // Future data: the block among the corrupt findings, a cluster that has nothing else absent.
        const future = batch.flatMap((c) => c.blocks.filter((b) => b.futureData));
        const valid = new Set([...names, BENIGN_CLUSTER]);
        try {
          const doc = JSON.parse(json.stdout) as { clusters?: { cluster: string }[]; corruptBlocks?: { block: string; reason: string }[] };
          const listed = new Set((doc.clusters ?? []).map((v) => v.cluster));
          ctx.problems(
            [
              ...future.filter((b) => !(doc.corruptBlocks ?? []).some((x) => x.block === b.ulid && /is in the future/.test(x.reason))).map((b) => `future-data block ${b.ulid} not a corrupt finding`),
              ...future.filter((b) => b.cluster !== undefined && !valid.has(b.cluster) && listed.has(b.cluster)).map((b) => `cluster ${JSON.stringify(b.cluster!.slice(0, 40))} listed from future data alone`),
            ],
            `${label} CLI json future data`,
          );
        } catch {
          // does not parse: jsonProblems said so
        }
      }
      const table = await cli(["check", "--objstore.config", yaml, "--now", now]);
      if (table.code === 1) ctx.crash(`${label}: CLI check exit 1`, new Error(table.stderr.trim()));
      else ctx.problems(tableProblems(table.stdout, true), `${label} CLI table`);
    }
  },
};
