// The package as a user installs it: `npm pack`, the tarball installed into an empty project, its
// `blockwatch` bin run there (compiled JavaScript, no tsx, no repository around it). Offline: the
// project gets a lockfile that pins the tarball and the repository's locked runtime dependencies,
// so `npm ci --offline` takes every package from the npm cache that the repository's `npm ci` filled.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { access, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blockObjects, seededRandom } from "../lib/demo/bucket-objects";
import { HOUR, sidecarBlocks } from "../lib/demo/fleet";
import { writeFilesystemObjects } from "./support/buckets";
import { PROJECT_ROOT } from "./support/cli";
import { filesystemObjstoreYaml } from "./support/s3-server";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], cwd: string, timeout = 120_000): Promise<Run> {
  return new Promise((resolve) => {
    // No NODE_OPTIONS (vitest may set some) and a PATH without the repository's node_modules/.bin.
    const env = { ...process.env, NODE_OPTIONS: undefined, PATH: (process.env.PATH ?? "").split(":").filter((p) => !p.includes("node_modules")).join(":") };
    execFile(file, args, { cwd, env, timeout, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const pkg = JSON.parse(await readFile(join(PROJECT_ROOT, "package.json"), "utf8")) as { name: string; version: string; bin: Record<string, string> };
let dir: string;
let project: string;
let tarball: string;
const runs: Record<string, Run> = {};
const now = Math.floor(Date.now() / 1000) * 1000;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "blockwatch-pack-"));
  project = join(dir, "project");
  await mkdir(project);
  // `npm pack` runs `prepare`, which builds dist/ (what the tarball ships).
  const packed = await run("npm", ["pack", "--silent", "--pack-destination", dir], PROJECT_ROOT);
  if (packed.code !== 0) throw new Error(`npm pack failed: ${packed.stderr}`);
  tarball = (await readdir(dir)).find((f) => f.endsWith(".tgz"))!;

  const lock = JSON.parse(await readFile(join(PROJECT_ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, Record<string, unknown> & { dev?: boolean }> };
  const root = lock.packages[""]!;
  const spec = `file:../${tarball}`;
  const integrity = "sha512-" + createHash("sha512").update(await readFile(join(dir, tarball))).digest("base64");
  const packages: Record<string, unknown> = {
    "": { name: "user-project", version: "1.0.0", dependencies: { [pkg.name]: spec } },
    [`node_modules/${pkg.name}`]: { version: pkg.version, resolved: spec, integrity, license: root.license, dependencies: root.dependencies, bin: root.bin, engines: root.engines },
  };
  for (const [path, entry] of Object.entries(lock.packages)) if (path.startsWith("node_modules/") && !entry.dev) packages[path] = entry;
  await writeFile(join(project, "package.json"), JSON.stringify({ name: "user-project", version: "1.0.0", private: true, dependencies: { [pkg.name]: spec } }, null, 2));
  await writeFile(join(project, "package-lock.json"), JSON.stringify({ name: "user-project", version: "1.0.0", lockfileVersion: 3, requires: true, packages }, null, 2));
  const installed = await run("npm", ["ci", "--offline", "--no-audit", "--no-fund"], project);
  if (installed.code !== 0) throw new Error(`npm ci of the tarball failed: ${installed.stderr}`);

  const bucket = join(dir, "bucket");
  await mkdir(bucket);
  const random = seededRandom(7);
  await writeFilesystemObjects(bucket, [
    ...sidecarBlocks({ labels: { cluster_id: "alpha" }, from: now - 12 * HOUR }, now, random).flatMap((b) => blockObjects(b)),
    ...sidecarBlocks({ labels: { cluster_id: "beta" }, from: now - 20 * HOUR, stopAt: now - 8 * HOUR }, now, random).flatMap((b) => blockObjects(b)),
  ]);
  await writeFile(join(dir, "object-store.yaml"), filesystemObjstoreYaml(bucket));

  const bin = join(project, "node_modules", ".bin", "blockwatch");
  const [version, check, npx, repoNpx] = await Promise.all([
    run(bin, ["--version"], project),
    run(bin, ["check", "--objstore.config-file", join(dir, "object-store.yaml"), "--output", "json"], project),
    run("npx", ["--offline", "blockwatch", "--version"], project),
    run("npx", ["--offline", "blockwatch", "--version"], PROJECT_ROOT),
  ]);
  Object.assign(runs, { version, check, npx, repoNpx });
}, 240_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the npm pack tarball, installed elsewhere", () => {
  it("ships the compiled CLI, the license and the changelog, not the sources", async () => {
    const listed = await run("tar", ["tzf", join(dir, tarball)], dir);
    const files = listed.stdout.trim().split("\n").sort();
    expect(files).toEqual(expect.arrayContaining(["package/CHANGELOG.md", "package/LICENSE", "package/README.md", `package/${pkg.bin.blockwatch}`, "package/package.json"]));
    expect(files.filter((f) => /\.ts$|^package\/(lib|test|handlers)\//.test(f))).toEqual([]);
  });

  it("installs without tsx or any development dependency", async () => {
    await access(join(project, "node_modules", pkg.name, pkg.bin.blockwatch!));
    for (const dev of ["tsx", "esbuild", "typescript", "vitest"]) {
      await expect(access(join(project, "node_modules", dev)), dev).rejects.toThrow();
    }
  });

  it("runs blockwatch --version from its bin", () => {
    expect(runs.version).toEqual({ code: 0, stdout: `blockwatch ${pkg.version}\n`, stderr: "" });
    expect(runs.npx).toMatchObject({ code: 0, stdout: `blockwatch ${pkg.version}\n` });
  });

  it("checks a FILESYSTEM bucket: one JSON report, exit 2 for the stalled cluster", () => {
    expect(runs.check!.stderr).toBe("");
    expect(runs.check!.code).toBe(2);
    const report = JSON.parse(runs.check!.stdout) as { clusters: { cluster: string; status: string }[] };
    expect(Object.fromEntries(report.clusters.map((c) => [c.cluster, c.status]))).toEqual({ alpha: "ok", beta: "stalled" });
  });
});

describe("npx blockwatch in the repository", () => {
  it("runs the bin that npm ci (prepare) built", () => {
    expect(runs.repoNpx).toMatchObject({ code: 0, stdout: `blockwatch ${pkg.version}\n` });
  });
});
