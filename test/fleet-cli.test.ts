// `silence`, `decommission` and `check --state s3://…` as an operator runs them: real processes,
// on a local file and on a local S3 (fauxqs) holding the stack's state bucket.
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blockObjects, seededRandom } from "../lib/demo/bucket-objects";
import { HOUR, sidecarBlocks } from "../lib/demo/fleet";
import { parseState } from "../lib/state/state";
import { writeFilesystemObjects } from "./support/buckets";
import { mapLimit, runCli } from "./support/cli";
import { filesystemObjstoreYaml, startLocalS3, type LocalS3 } from "./support/s3-server";

const NOW = "2026-03-01T12:00:00.000Z";
/** A --now in the past is warned about (the bucket is read as it is now): expected here. */
const PAST_NOW_WARNING = /^blockwatch: warning: --now .*\n/m;
const now = Date.parse(NOW);
let dir: string;
let s3: LocalS3;
let objstore: string;
const env = () => ({ AWS_ENDPOINT_URL_S3: s3.endpoint, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" });
// A generous timeout: on a loaded machine each process takes seconds to start (tsx).
const cli = (...args: string[]) => runCli(args, { env: env(), timeoutMs: 120_000 });

async function s3Text(bucket: string, key: string): Promise<string> {
  const r = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return r.Body!.transformToString();
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "blockwatch-fleet-cli-"));
  s3 = await startLocalS3();
  s3.createBucket("stack-state");
  // A FILESYSTEM Thanos bucket: prod-ok ships, prod-down stopped 9 hours ago.
  const random = seededRandom(3);
  const blocks = [
    ...sidecarBlocks({ labels: { cluster_id: "prod-ok" }, from: now - 12 * HOUR }, now, random),
    ...sidecarBlocks({ labels: { cluster_id: "prod-down" }, from: now - 24 * HOUR, stopAt: now - 9 * HOUR }, now, random),
  ];
  await mkdir(join(dir, "bucket"));
  await writeFilesystemObjects(join(dir, "bucket"), blocks.flatMap((b) => blockObjects(b)));
  objstore = join(dir, "objstore.yaml");
  await writeFile(objstore, filesystemObjstoreYaml(join(dir, "bucket")));
}, 60_000);
afterAll(async () => {
  await s3?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("on a local file", () => {
  it("silence add, list, remove and decommission edit fleet.yaml beside --state, keeping its comments", async () => {
    const d = join(dir, "local");
    await mkdir(d);
    await writeFile(join(d, "fleet.yaml"), "# our fleet, owned by the platform team\nexpectedClusters: [prod-ok, prod-down, prod-old] # every region\n");
    const state = join(d, "state.json");

    const add = await cli("silence", "add", "prod-down", "--for", "2h", "--reason", "node pool upgrade", "--state", state, "--now", NOW);
    expect(add).toMatchObject({ code: 0, stderr: "" });
    expect(add.stdout).toContain(`Silenced prod-down until 2026-03-01T14:00:00.000Z (2h from now) in ${join(d, "fleet.yaml")}`);
    const later = await cli("silence", "add", "prod-ok", "--from", "2026-03-02T00:00:00Z", "--until", "2026-03-02T04:00:00Z", "--fleet-config", join(d, "fleet.yaml"), "--now", NOW);
    expect(later.code).toBe(0);

    // Reads of the same object, side by side (each is a process).
    const [list, listJson, listLater, checked, table] = await Promise.all([
      cli("silence", "list", "--state", state, "--now", "2026-03-01T13:00:00Z"),
      cli("silence", "list", "--state", state, "--now", "2026-03-01T13:00:00Z", "--output", "json"),
      cli("silence", "list", "--state", state, "--now", "2026-03-02T05:00:00Z"),
      cli("check", "--objstore.config-file", objstore, "--fleet-config", join(d, "fleet.yaml"), "--now", NOW, "--output", "json"),
      cli("check", "--objstore.config-file", objstore, "--state", state, "--now", NOW),
    ]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/prod-down\s+silenced, 1h left\s+2026-03-01T14:00:00.000Z\s+node pool upgrade/);
    expect(list.stdout).toMatch(/prod-ok\s+from 2026-03-02T00:00:00.000Z\s+2026-03-02T04:00:00.000Z/);
    const json = JSON.parse(listJson.stdout);
    expect(json.silences.map((s: { cluster: string; active: boolean }) => [s.cluster, s.active])).toEqual([["prod-down", true], ["prod-ok", false]]);
    // Once they ended, list no longer shows them.
    expect(listLater.stdout).toBe("No silence in force or scheduled.\n");

    // check reads the same object: the silenced stalled cluster is marked and does not fail the check.
    expect(checked.stderr.replace(PAST_NOW_WARNING, "")).toBe("");
    const report = JSON.parse(checked.stdout);
    const down = report.clusters.find((c: { cluster: string }) => c.cluster === "prod-down");
    expect(down).toMatchObject({ status: "stalled", silenced: { until: "2026-03-01T14:00:00.000Z", reason: "node pool upgrade" } });
    // prod-old is expected by the object alone: missing, not silenced, so the check exits 2.
    expect(report.clusters.find((c: { cluster: string }) => c.cluster === "prod-old")?.status).toBe("missing");
    expect(checked.code).toBe(2);
    expect(table.stdout).toMatch(/prod-down\s+stalled \(silenced\)/);
    expect(table.stdout).toContain("Silenced (judged, paging nobody): prod-down until 2026-03-01T14:00:00.000Z (node pool upgrade).");
    expect(table.code).toBe(2);

    const removed = await cli("silence", "remove", "prod-down", "--state", state);
    expect(removed).toMatchObject({ code: 0 });
    expect(removed.stdout).toContain("Removed 1 silence of prod-down");
    expect(await cli("silence", "remove", "prod-down", "--state", state)).toMatchObject({ code: 1, stderr: `blockwatch: prod-down has no silence in ${join(d, "fleet.yaml")}\n` });

    const gone = await cli("decommission", "prod-old", "--state", state, "--reason", "region closed", "--now", NOW);
    expect(gone).toMatchObject({ code: 0, stderr: "" });
    expect(gone.stdout).toContain("(removed from its expected clusters)");
    const text = await readFile(join(d, "fleet.yaml"), "utf8");
    expect(text).toContain("# our fleet, owned by the platform team");
    expect(text).toContain("# every region");
    expect(text).toContain("expectedClusters: [ prod-ok, prod-down ]");
    expect(text).toContain("- { cluster: prod-old, at: 2026-03-01T12:00:00.000Z, reason: region closed }");
    const [afterCheck, again] = await Promise.all([
      cli("check", "--objstore.config-file", objstore, "--state", state, "--now", NOW, "--output", "json"),
      cli("decommission", "prod-old", "--state", state),
    ]);
    const after = JSON.parse(afterCheck.stdout);
    expect(after.clusters.map((c: { cluster: string }) => c.cluster).sort()).toEqual(["prod-down", "prod-ok"]);
    // Decommissioned and no longer expected, the stalled prod-down alone fails the check (not silenced any more).
    expect(afterCheck.code).toBe(2);
    expect(again.stdout).toContain("prod-old was already decommissioned");
  }, 240_000);

  it("refuses bad command lines with a usage error, and writes nothing", async () => {
    const cases: [string, string[], RegExp][] = [
    ["neither --for nor --until", ["silence", "add", "a", "--fleet-config", "F"], /silence add: give either --for DUR or --until ISO/],
    ["both", ["silence", "add", "a", "--for", "1h", "--until", "2026-03-02T00:00:00Z", "--fleet-config", "F"], /give either --for DUR or --until ISO/],
    ["an end in the past", ["silence", "add", "a", "--until", "2026-03-01T11:00:00Z", "--now", NOW, "--fleet-config", "F"], /--until 2026-03-01T11:00:00.000Z is not in the future/],
    ["a bad duration", ["silence", "add", "a", "--for", "2 hours", "--fleet-config", "F"], /--for: invalid duration "2 hours"/],
    ["no cluster", ["silence", "add", "--for", "1h", "--fleet-config", "F"], /silence add: give the cluster's name/],
    ["no object", ["silence", "list"], /give --state \(the fleet config is fleet.yaml beside it\) or --fleet-config/],
    ["an s3 folder", ["decommission", "a", "--state", "s3://bucket/"], /"s3:\/\/bucket\/" is not s3:\/\/BUCKET\/KEY/],
    ["an unknown action", ["silence", "pause", "a"], /unknown action "pause" \(add, list or remove\)/],
  ];
    const results = await mapLimit(cases, 4, ([, args]) => cli(...args.map((a) => (a === "F" ? join(dir, "nowhere.yaml") : a))));
    for (const [i, [name, , message]] of cases.entries()) {
      expect(results[i]!.code, name).toBe(2); // usage errors exit 2
      expect(results[i]!.stderr, name).toMatch(message);
      expect(results[i]!.stdout, name).toBe("");
    }
    await expect(readFile(join(dir, "nowhere.yaml"), "utf8")).rejects.toThrow(/ENOENT/);
  }, 240_000);

  it("refuses to edit an object that does not validate, naming the field, and leaves it as it was", async () => {
    const file = join(dir, "bad.yaml");
    const bad = "silences:\n  - {cluster: a, until: next tuesday}\n";
    await writeFile(file, bad);
    const r = await cli("silence", "add", "b", "--for", "1h", "--fleet-config", file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`fleet config ${file}: silences[0].until: not an ISO 8601 time: "next tuesday"`);
    expect(await readFile(file, "utf8")).toBe(bad);
    const c = await cli("check", "--objstore.config-file", objstore, "--fleet-config", file, "--now", NOW);
    expect(c.code).toBe(1);
    expect(c.stderr).toContain("silences[0].until");
  }, 240_000);
});

describe("on S3 (the stack's state bucket)", () => {
  const state = "s3://stack-state/state/blockwatch.json";

  it("silence and decommission edit state/fleet.yaml; check keeps its state there and reads the fleet config", async () => {
    expect(await cli("silence", "add", "prod-down", "--until", "2026-03-01T18:00:00Z", "--state", state, "--now", NOW)).toMatchObject({ code: 0, stderr: "" });
    expect(await s3Text("stack-state", "state/fleet.yaml")).toMatch(/silences:\n {2}- \{ cluster: prod-down, until: 2026-03-01T18:00:00.000Z \}/);
    const [list, checked] = await Promise.all([
      cli("silence", "list", "--state", state, "--now", NOW, "--output", "json"),
      cli("check", "--objstore.config-file", objstore, "--state", state, "--now", NOW, "--output", "json"),
    ]);
    expect(JSON.parse(list.stdout).silences).toEqual([{ cluster: "prod-down", from: null, until: "2026-03-01T18:00:00.000Z", active: true, reason: null }]);

    expect(checked.stderr.replace(PAST_NOW_WARNING, "")).toBe("");
    expect(checked.code).toBe(0);
    expect(JSON.parse(checked.stdout).clusters.find((c: { cluster: string }) => c.cluster === "prod-down").silenced).toBeTruthy();
    const saved = parseState(await s3Text("stack-state", "state/blockwatch.json"));
    expect(Object.keys(saved.clusters).sort()).toEqual(["prod-down", "prod-ok"]);

    expect(await cli("silence", "remove", "prod-down", "--state", state)).toMatchObject({ code: 0 });
    expect((await cli("check", "--objstore.config-file", objstore, "--state", state, "--now", NOW)).code).toBe(2);
    expect(await cli("decommission", "prod-down", "--state", state, "--now", NOW)).toMatchObject({ code: 0 });
    expect(await s3Text("stack-state", "state/fleet.yaml")).toContain("decommissioned:\n  - { cluster: prod-down, at: 2026-03-01T12:00:00.000Z }");
    expect((await cli("check", "--objstore.config-file", objstore, "--state", state, "--now", NOW)).code).toBe(0);
  }, 240_000);

  it("a damaged state in S3 is kept aside and the check rebuilds", async () => {
    await s3.client.send(new PutObjectCommand({ Bucket: "stack-state", Key: "state/damaged.json", Body: '{"version": 1, "cursor": 4' }));
    const r = await cli("check", "--objstore.config-file", objstore, "--state", "s3://stack-state/state/damaged.json", "--now", NOW, "--output", "json");
    const kept = /state s3:\/\/stack-state\/state\/damaged.json is damaged .*; kept as s3:\/\/stack-state\/(state\/damaged.json.corrupt-2026-03-01T120000000Z-[0-9a-f]{8})/.exec(r.stderr);
    expect(kept, r.stderr).not.toBeNull();
    expect(await s3Text("stack-state", kept![1]!)).toBe('{"version": 1, "cursor": 4');
  }, 120_000);

  it("a bucket that does not exist is named, with where to find the right one", async () => {
    const r = await cli("silence", "list", "--state", "s3://no-such-state/state/blockwatch.json");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cannot read s3://no-such-state/state/fleet.yaml: the bucket does not exist (the stack's state bucket is its StateBucketName output)");
  }, 120_000);
});
