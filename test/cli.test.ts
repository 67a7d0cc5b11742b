// The `check` CLI as an operator runs it: a real process, its stdout, stderr, exit code and files.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blockObjects, makeUlid, seededRandom, type BucketObject } from "../lib/demo/bucket-objects";
import { demoBucket } from "../lib/demo/demo-bucket";
import { HOUR, sidecarBlocks } from "../lib/demo/fleet";
import { putS3Objects, writeFilesystemObjects } from "./support/buckets";
import { mapLimit, runCli, type CliResult } from "./support/cli";
import { filesystemObjstoreYaml, s3ObjstoreYaml, startLocalS3, type LocalS3 } from "./support/s3-server";

// The clock (to the second), so that --now is not "in the past" (that warns: see below).
const now = Math.floor(Date.now() / 1000) * 1000;
const NOW = new Date(now).toISOString();
/** An hour ago: blocks uploaded since still count, which is what the warning says. */
const PAST = new Date(now - 3_600_000).toISOString();
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY";
const EVIL = "evil\u001b[31mred\u001b[0m\u0007-name";

let dir: string;
let s3: LocalS3;
const results = new Map<string, CliResult>();
const files: Record<string, string> = {};

/** Every invocation of this file, run concurrently in beforeAll; the tests read the results. */
type Case = { name: string; args: () => string[]; before?: () => Promise<void> };

// Blocks aligned on `now` (not on the epoch's 2h grid): the newest uploaded one ends exactly 2h ago.
const healthy = (cluster: string, random: () => number, labels: Record<string, string> = { cluster_id: cluster }) =>
  sidecarBlocks({ labels, from: now - 12 * HOUR, offsetMs: now % (2 * HOUR) }, now, random).flatMap((b) => blockObjects(b));

async function writeBucket(name: string, objects: BucketObject[]): Promise<string> {
  const bucketDir = join(dir, name);
  await mkdir(bucketDir, { recursive: true });
  await writeFilesystemObjects(bucketDir, objects);
  const file = join(dir, `${name}.yaml`);
  await writeFile(file, filesystemObjstoreYaml(bucketDir));
  files[name] = file;
  return file;
}
async function writeConfig(name: string, yaml: string): Promise<string> {
  const file = join(dir, `${name}.yaml`);
  await writeFile(file, yaml);
  files[name] = file;
  return file;
}
const check = (config: string, ...rest: string[]) => ["check", "--objstore.config-file", files[config]!, "--now", NOW, ...rest];

const cases: Case[] = [
  { name: "demo-json", args: () => check("demo", "--output", "json", "--expected-clusters", "prod-us-east-1,prod-ap-northeast-1") },
  { name: "demo-table", args: () => check("demo", "--expected-clusters", "prod-us-east-1,prod-ap-northeast-1") },
  { name: "healthy-late", args: () => check("healthy", "--output", "json", "--late-after", "1h", "--stall-after", "3h") },
  { name: "healthy-stalled", args: () => check("healthy", "--output", "json", "--late-after", "1h", "--stall-after", "90m") },
  { name: "empty-json", args: () => check("empty", "--output", "json") },
  { name: "empty-expected", args: () => check("empty", "--output", "json", "--expected-clusters", "prod-eu-west-1") },
  { name: "evil-table", args: () => check("evil") },
  { name: "renamed-label", args: () => check("renamed", "--output", "json", "--cluster-label", "cluster") },
  { name: "state-new", args: () => check("healthy", "--output", "json", "--state", join(dir, "state", "new.json")) },
  {
    name: "state-damaged",
    before: async () => writeFile(join(dir, "state", "damaged.json"), '{"version": 1, "cursor": 42'),
    args: () => check("healthy", "--output", "json", "--state", join(dir, "state", "damaged.json")),
  },
  { name: "s3-ok", args: () => check("s3-ok", "--output", "json") },
  // Failures: exit 1, one line on stderr, nothing on stdout, never the secret.
  { name: "unknown-key", args: () => check("unknown-key") },
  { name: "unknown-top-key", args: () => check("unknown-top-key") },
  { name: "missing-bucket", args: () => check("missing-bucket") },
  { name: "wrong-type", args: () => check("wrong-type") },
  { name: "secret-wrong-type", args: () => check("secret-wrong-type") },
  { name: "bad-yaml", args: () => check("bad-yaml") },
  { name: "no-directory", args: () => check("no-directory") },
  { name: "no-such-bucket", args: () => check("no-such-bucket") },
  { name: "unreachable", args: () => check("unreachable") },
  { name: "bad-now", args: () => ["check", "--objstore.config-file", files.healthy!, "--now", "yesterday"] },
  { name: "bad-duration", args: () => check("healthy", "--stall-after", "4hours") },
  { name: "bad-timeout", args: () => check("healthy", "--timeout", "soon") },
  // Usage errors: exit 2, the reason then the synopsis on stderr, nothing on stdout.
  { name: "both-objstore", args: () => [...check("healthy"), "--objstore.config", "type: FILESYSTEM\nconfig:\n  directory: /tmp\n"] },
  { name: "no-objstore", args: () => ["check", "--now", NOW] },
  { name: "lookback-short", args: () => check("healthy", "--lookback", "3h") },
  { name: "lookback-cluster", args: () => check("healthy", "--cluster-threshold", "alpha:stall-after=8d") },
  { name: "no-command", args: () => [] },
  { name: "unknown-flag", args: () => check("healthy", "--stall-afer", "5h") },
  // Accepted, with a warning on stderr after the report.
  { name: "remind-none", args: () => check("healthy", "--output", "json", "--remind-every", "0") },
  { name: "threshold-typo", args: () => check("healthy", "--output", "json", "--cluster-threshold", "alpah:stall-after=6h", "--cluster-threshold", "beta:stall-after=6h") },
  { name: "now-past", args: () => ["check", "--objstore.config-file", files.healthy!, "--now", PAST, "--output", "json"] },
  { name: "version", args: () => ["--version"] },
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "blockwatch-cli-"));
  await mkdir(join(dir, "state"));
  s3 = await startLocalS3();
  s3.createBucket("kubecost-thanos");

  const demo = demoBucket(now);
  await writeBucket("demo", [...demo.objects, ...demo.newClusterObjects]);
  const random = seededRandom(3);
  await writeBucket("healthy", [...healthy("alpha", random), ...healthy("beta", random)]);
  await writeBucket("empty", []);
  const bad = makeUlid(now - 3 * HOUR, random);
  await writeBucket("evil", [
    // Stalled, so the name is also printed among the findings.
    ...sidecarBlocks({ labels: { cluster_id: EVIL }, from: now - 20 * HOUR, stopAt: now - 8 * HOUR }, now, random).flatMap((b) => blockObjects(b)),
    ...healthy("line\nbreak\u2028sep", random),
    ...healthy("", random, { prometheus: "\u001b]0;pwned\u0007" }),
    ...blockObjects({ ulid: bad, minTime: now - 6 * HOUR, maxTime: now - 4 * HOUR, labels: {}, uploadTime: now - 3 * HOUR, metaText: JSON.stringify({ ulid: `\u001b[2J${bad}`, minTime: now - 6 * HOUR, maxTime: now - 4 * HOUR, version: 1 }) }),
  ]);
  await writeBucket("renamed", [...healthy("", random, { cluster: "alpha" }), ...healthy("", random, { cluster: "beta", replica: "1" })]);

  await putS3Objects(s3.client, "kubecost-thanos", healthy("s3-cluster", random));
  const s3Yaml = (bucket: string, extra?: string) => s3ObjstoreYaml({ endpoint: s3.endpoint, bucket, secretKey: SECRET, ...(extra ? { extra } : {}) });
  await writeConfig("s3-ok", s3Yaml("kubecost-thanos"));
  await writeConfig("unknown-key", s3Yaml("kubecost-thanos", "  bucket_nmae: typo"));
  await writeConfig("unknown-top-key", s3Yaml("kubecost-thanos") + "prefx: thanos\n");
  await writeConfig("missing-bucket", s3Yaml("kubecost-thanos").replace(/^  bucket: .*\n/m, ""));
  await writeConfig("wrong-type", s3Yaml("kubecost-thanos").replace("insecure: true", 'insecure: "yes"'));
  await writeConfig("secret-wrong-type", s3Yaml("kubecost-thanos").replace(JSON.stringify(SECRET), `[${JSON.stringify(SECRET)}]`));
  await writeConfig("bad-yaml", s3Yaml("kubecost-thanos").replace(JSON.stringify(SECRET), `"${SECRET}`));
  await writeConfig("no-directory", filesystemObjstoreYaml(join(dir, "does-not-exist")));
  await writeConfig("no-such-bucket", s3Yaml("no-such-bucket"));
  await writeConfig("unreachable", s3ObjstoreYaml({ endpoint: "http://127.0.0.1:1", bucket: "b", secretKey: SECRET }));

  await Promise.all(cases.map((c) => c.before?.()));
  const out = await mapLimit(cases, 6, (c) => runCli(c.args()));
  cases.forEach((c, i) => results.set(c.name, out[i]!));
}, 300_000);

afterAll(async () => {
  await s3?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const result = (name: string) => results.get(name)!;
const json = (name: string) => JSON.parse(result(name).stdout) as Record<string, unknown> & { clusters: Record<string, unknown>[] };
const statusOf = (name: string) => Object.fromEntries(json(name).clusters.map((c) => [c.cluster, c.status]));

describe("check --output json", () => {
  it("prints exactly one JSON document with the contract fields", () => {
    const r = result("demo-json");
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("");
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({
      now: NOW,
      clusters: expect.any(Array),
      partialBlocks: expect.any(Array),
      corruptBlocks: expect.any(Array),
      unlabeledBlocks: expect.any(Array),
      overlaps: expect.any(Array),
      newClusters: [],
      stats: {
        prefixesListed: expect.any(Number),
        metaRead: expect.any(Number),
        listRequests: expect.any(Number),
        getRequests: expect.any(Number),
        durationMs: expect.any(Number),
      },
    });
    for (const c of report.clusters) {
      expect(c).toMatchObject({ cluster: expect.any(String), status: expect.stringMatching(/^(ok|late|stalled|missing)$/), streams: expect.any(Array) });
      for (const key of ["dataLagSeconds", "newestMaxTime", "lastUploadAt", "newestBlock"]) expect(c).toHaveProperty(key);
      for (const s of c.streams) expect(s).toEqual({ labels: expect.any(Object), status: expect.any(String), dataLagSeconds: expect.any(Number) });
    }
    expect(report.partialBlocks[0]).toEqual({ block: expect.any(String), ageSeconds: expect.any(Number) });
    expect(report.corruptBlocks[0]).toEqual({ block: expect.any(String), reason: expect.any(String) });
    expect(report.unlabeledBlocks[0]).toEqual({ block: expect.any(String), labels: expect.any(Object) });
    expect(report.overlaps[0]).toEqual({ cluster: "cluster-one", labels: { cluster_id: "cluster-one" }, blocks: expect.any(Array) });
  });

  it("judges the demo bucket: stalled behind the compactor, late, missing, and the findings", () => {
    const report = json("demo-json") as never as {
      clusters: { cluster: string; status: string; dataLagSeconds: number | null; newestMaxTime: string | null; lastUploadAt: string | null; newestBlock: string | null; streams: unknown[] }[];
      partialBlocks: { block: string; ageSeconds: number }[];
      corruptBlocks: { block: string; reason: string }[];
      unlabeledBlocks: { labels: Record<string, string> }[];
      stats: { prefixesListed: number; metaRead: number };
    };
    expect(statusOf("demo-json")).toEqual({
      "prod-ap-northeast-1": "missing",
      "staging-ap-south-1": "stalled",
      "dev-us-west-2": "late",
      "prod-us-east-1": "ok",
      "prod-eu-west-1": "ok",
      "cluster-one": "ok",
      "qa-sandbox": "ok",
      "kc2-prod-us-west-2": "ok",
      "kc2-batch-eu-central-1": "stalled",
      "prod-us-west-2": "ok",
      "prod-eu-central-1": "ok",
      "analytics-us-east-2": "ok",
    });
    const findings = report as never as { degraded: { cluster: string }[]; conflicts: { cluster: string; differingLabels: string[] }[]; clusters: { cluster: string; gapSeconds: number }[] };
    expect(findings.degraded.map((d) => d.cluster)).toEqual(["prod-us-west-2"]);
    expect(findings.conflicts.map((c) => [c.cluster, c.differingLabels])).toEqual([["prod-eu-central-1", ["team"]]]);
    const lost = findings.clusters.filter((c) => c.gapSeconds > 0);
    expect(lost.map((c) => c.cluster)).toEqual(["analytics-us-east-2"]);
    // Two or three 2h blocks, as the blocks fall on the test's now.
    expect([4 * 3600, 6 * 3600]).toContain(lost[0]!.gapSeconds);
    expect(report.clusters[0]).toEqual({
      cluster: "prod-ap-northeast-1",
      status: "missing",
      dataLagSeconds: null,
      newestMaxTime: null,
      lastUploadAt: null,
      newestBlock: null,
      since: NOW,
      blocksUploaded: 0,
      bytesUploaded: 0,
      streams: [],
      source: "thanos",
      compactedUntil: null,
      gapSeconds: 0,
      dataGaps: [],
    });
    expect(report.clusters.find((c) => c.cluster === "prod-us-east-1")!.streams).toHaveLength(2);
    // The compactor halted on the cluster-one overlap two days ago.
    expect((report as never as { compactor: unknown }).compactor).toMatchObject({ status: "stalled", haltedOnOverlaps: true });
    expect(report.partialBlocks).toEqual([{ block: expect.any(String), ageSeconds: 5 * 3600 }]);
    // A corrupt meta.json is a finding, not a crash.
    expect(report.corruptBlocks).toEqual([{ block: expect.any(String), reason: expect.stringMatching(/^meta\.json is not JSON/) }]);
    expect(report.unlabeledBlocks.map((u) => u.labels)).toContainEqual({ prometheus: "monitoring/k8s" });
    // debug/, etl/, federated/ (Kubecost 2.x, read by the Federated ETL half) and <ULID>-backup/
    // are listed but never read as blocks.
    expect(report.stats.prefixesListed).toBe(report.stats.metaRead + 4);
  });

  it("exits 0 when every cluster is ok", () => {
    const r = result("state-new");
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(statusOf("state-new")).toEqual({ alpha: "ok", beta: "ok" });
    expect(json("state-new").clusters.map((c) => c.dataLagSeconds)).toEqual([2 * 3600, 2 * 3600]);
  });

  it("follows --late-after and --stall-after", () => {
    expect(result("healthy-late").code).toBe(0);
    expect(statusOf("healthy-late")).toEqual({ alpha: "late", beta: "late" });
    expect(result("healthy-stalled").code).toBe(2);
    expect(statusOf("healthy-stalled")).toEqual({ alpha: "stalled", beta: "stalled" });
  });

  it("reports an empty bucket as nothing to judge, and expected clusters in it as missing", () => {
    expect(result("empty-json")).toMatchObject({ code: 0, stderr: "" });
    expect(json("empty-json")).toMatchObject({ clusters: [], partialBlocks: [], corruptBlocks: [], unlabeledBlocks: [], overlaps: [] });
    expect(result("empty-expected").code).toBe(2);
    expect(json("empty-expected").clusters).toMatchObject([{ cluster: "prod-eu-west-1", status: "missing", dataLagSeconds: null, newestBlock: null }]);
  });

  it("names clusters by --cluster-label", () => {
    expect(result("renamed-label").code).toBe(0);
    expect(statusOf("renamed-label")).toEqual({ alpha: "ok", beta: "ok" });
    // The blocks carry no cluster_id: without the flag they would all be unlabeled.
    expect(json("renamed-label").unlabeledBlocks).toEqual([]);
    expect(json("renamed-label").clusters.find((c) => c.cluster === "beta")!.streams).toEqual([
      { labels: { cluster: "beta", replica: "1" }, status: "ok", dataLagSeconds: 2 * 3600 },
    ]);
  });

  it("reads S3 through the objstore config and never prints the secret key", () => {
    const r = result("s3-ok");
    expect(r.code).toBe(0);
    expect(statusOf("s3-ok")).toEqual({ "s3-cluster": "ok" });
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  });
});

describe("check, table output", () => {
  it("lists every cluster and the next step of an overlap, without colour when not on a terminal", () => {
    const r = result("demo-table");
    expect(r.code).toBe(2);
    expect(r.stdout).not.toContain("\u001b");
    for (const name of ["prod-ap-northeast-1", "staging-ap-south-1", "dev-us-west-2", "prod-us-east-1", "prod-eu-west-1", "cluster-one", "qa-sandbox"]) {
      expect(r.stdout).toMatch(new RegExp(`^${name}\\s+(ok|late|stalled|missing)\\s`, "m"));
    }
    expect(r.stdout).toContain("give each cluster a unique prometheus.server.global.external_labels.cluster_id");
    expect(r.stdout).toMatch(/^- partial block /m);
    expect(r.stdout).toMatch(/^- corrupt block /m);
    expect(r.stdout).toMatch(/^Compactor: stalled, last compaction 2d\d*h? ago/m);
    expect(r.stdout).toContain("it has most likely halted on these overlaps");
    expect(r.stdout).toMatch(/^- compactor stalled: /m);
  });

  it("shows control characters in names and labels escaped, never raw", () => {
    const r = result("evil-table");
    expect(r.code).toBe(2);
    expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u2028]/);
    expect(r.stdout).toContain("evil\\u001b[31mred\\u001b[0m\\u0007-name");
    expect(r.stdout).toMatch(/^evil\\u001b\[31mred/m);
    expect(r.stdout).toMatch(/^- stalled evil\\u001b/m);
    expect(r.stdout).toContain("line\\u000abreak\\u2028sep");
    expect(r.stdout).toContain('{prometheus="\\u001b]0;pwned\\u0007"}');
    expect(r.stdout).toMatch(/^- corrupt block \w{26}: ulid "\\u001b\[2J\w{26}" does not match its prefix/m);
  });
});

describe("check --state FILE", () => {
  it("creates the state file", async () => {
    expect(result("state-new")).toMatchObject({ code: 0, stderr: "" });
    const saved = JSON.parse(await readFile(join(dir, "state", "new.json"), "utf8"));
    expect(saved).toMatchObject({ version: 1, cursor: expect.any(String) });
    expect(Object.keys(saved.clusters).sort()).toEqual(["alpha", "beta"]);
  });

  it("moves a damaged state file aside, warns, and still judges", async () => {
    const r = result("state-damaged");
    expect(r.code).toBe(0);
    expect(statusOf("state-damaged")).toEqual({ alpha: "ok", beta: "ok" });
    expect(r.stderr).toMatch(/^blockwatch: state .*damaged\.json is damaged \(.*\); kept as .*damaged\.json\.corrupt-\S+, rebuilding from the lookback window\n$/);
    const names = await readdir(join(dir, "state"));
    const aside = names.filter((n) => n.startsWith("damaged.json.corrupt-"));
    expect(aside).toHaveLength(1);
    expect(await readFile(join(dir, "state", aside[0]!), "utf8")).toBe('{"version": 1, "cursor": 42');
    expect(JSON.parse(await readFile(join(dir, "state", "damaged.json"), "utf8"))).toMatchObject({ version: 1 });
  });
});

describe("check failures: exit 1, the reason on stderr, nothing on stdout", () => {
  const failures: [string, RegExp][] = [
    ["unknown-key", /unknown key config\.bucket_nmae/],
    ["unknown-top-key", /unknown key prefx/],
    ["missing-bucket", /missing required key config\.bucket/],
    ["wrong-type", /config\.insecure must be boolean/],
    ["secret-wrong-type", /config\.secret_key must be string/],
    ["bad-yaml", /not valid YAML/],
    ["no-directory", /does-not-exist does not exist/],
    ["no-such-bucket", /bucket no-such-bucket does not exist/],
    ["unreachable", /cannot reach the S3 endpoint .*ECONNREFUSED/],
  ];

  it.each(failures)("%s", (name, reason) => {
    const r = result(name);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    const first = r.stderr.split("\n").find((l) => l.startsWith("blockwatch: "));
    expect(first).toMatch(reason);
    expect(r.stderr.split("\n").filter((l) => l.startsWith("blockwatch: "))).toHaveLength(1);
  });

  it("never prints the secret key, whatever happened", () => {
    for (const [name, r] of results) expect(r.stdout + r.stderr, name).not.toContain(SECRET);
    expect(results.size).toBe(cases.length);
  });

  it("prints nothing on stderr but the one-line reason for configuration and bucket errors", () => {
    const noisy = failures
      .map(([name]) => [name, result(name).stderr] as const)
      .filter(([, stderr]) => stderr.trimEnd().split("\n").length !== 1);
    // On Node 20 the AWS SDK prints a 7-line NodeVersionSupportWarning on stderr at every S3 run.
    expect(noisy).toEqual([]);
  });
});

describe("usage errors: exit 2, the reason and the synopsis on stderr, nothing on stdout", () => {
  const usage: [string, RegExp][] = [
    ["bad-now", /--now must be an ISO 8601 time/],
    ["bad-duration", /--stall-after: invalid duration "4hours"/],
    ["bad-timeout", /--timeout: invalid duration "soon"/],
    ["unknown-flag", /Unknown option '--stall-afer'/],
    // Thanos would silently take the inline one: which bucket was meant is not for us to guess.
    ["both-objstore", /give --objstore\.config-file or --objstore\.config, not both/],
    ["no-objstore", /one of --objstore\.config-file FILE or --objstore\.config YAML is required/],
    // The same refusals as the Lambda's and packaging's (test/settings-agree.test.ts).
    ["lookback-short", /lookback 3h is shorter than stall-after 4h: .*give a lookback of at least 4h/],
    ["lookback-cluster", /cluster "alpha": lookback 7d is shorter than stall-after 8d/],
  ];

  it.each(usage)("%s", (name, reason) => {
    const r = result(name);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^blockwatch: /);
    expect(lines[0]).toMatch(reason);
    expect(lines.slice(1)).toEqual(["Usage: blockwatch check --objstore.config-file FILE [options]", "Run 'blockwatch check --help' for every option."]);
  });

  it("prints the command list on stderr without a command, exit 2", () => {
    const r = result("no-command");
    expect(r).toMatchObject({ code: 2, stdout: "" });
    expect(r.stderr).toMatch(/^Usage: blockwatch COMMAND \[options\]\n/);
    expect(r.stderr).toMatch(/^  check +judge every cluster's uploads/m);
  });

  it("prints the version", async () => {
    const pkg = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
    expect(result("version")).toEqual({ code: 0, stdout: `blockwatch ${pkg.version}\n`, stderr: "" });
  });
});

describe("accepted, with a warning on stderr after the report", () => {
  const warnings = (name: string) => result(name).stderr.trimEnd().split("\n").filter(Boolean);

  it("--remind-every 0: no reminders, the same meaning as remindEvery=0 at deploy", () => {
    expect(result("remind-none")).toMatchObject({ code: 0, stderr: "" });
    expect(statusOf("remind-none")).toEqual({ alpha: "ok", beta: "ok" });
  });

  it("names a --cluster-threshold whose cluster the run never saw, and only that one", () => {
    const r = result("threshold-typo");
    expect(r.code).toBe(0);
    expect(json("threshold-typo").clusters).toHaveLength(2);
    expect(warnings("threshold-typo")).toEqual([
      'blockwatch: warning: --cluster-threshold names a cluster with no block in the bucket and not expected: "alpah"; check the spelling (names are case-sensitive)',
    ]);
  });

  it("says that a --now in the past still reads the bucket as it is now, and points to backtest", () => {
    const r = result("now-past");
    expect(r.code).toBe(0);
    expect(json("now-past").now).toBe(PAST);
    expect(warnings("now-past")).toEqual([
      `blockwatch: warning: --now ${PAST} is in the past, but the bucket was read as it is now: blocks uploaded since then count as if they were already there. To replay the bucket's past, use blockwatch backtest --now ${PAST}`,
    ]);
  });
});

describe("a damaged state twice at the same moment", () => {
  it("keeps both copies: a set-aside name never overwrites an earlier one", async () => {
    const state = join(dir, "state", "twice.json");
    const asides = async () => (await readdir(join(dir, "state"))).filter((n) => n.startsWith("twice.json.corrupt-")).sort();
    const runs: CliResult[] = [];
    for (const damage of ["first damage", "second damage"]) {
      await writeFile(state, damage);
      runs.push(await runCli(check("healthy", "--output", "json", "--state", state)));
    }
    for (const r of runs) expect(r.code).toBe(0);
    const kept = await asides();
    expect(kept).toHaveLength(2);
    const texts = await Promise.all(kept.map((n) => readFile(join(dir, "state", n), "utf8")));
    expect(texts.sort()).toEqual(["first damage", "second damage"]);
    // Each run named its own copy.
    const named = runs.map((r) => /kept as (\S+), rebuilding/.exec(r.stderr)?.[1]);
    expect(new Set(named).size).toBe(2);
  });
});
