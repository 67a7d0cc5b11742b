import { rm, writeFile, mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { openBucket } from "../bucket/open";
import { parseObjstoreConfig } from "../bucket/config";
import { checkBucket } from "../engine/check";
import { HOUR } from "./fleet";
import { DEFAULT_POLICY } from "../policy/policy";
import { saveStateFile } from "../state/file-store";
import { emptyState } from "../state/state";
import { main } from "../cli/main";
import { demoBucket } from "./demo-bucket";
import { writeFilesystemBucket } from "./write-fs";

// `npm start`: builds the demo bucket under .demo/ and runs the real `check` on it.
const dir = resolve(".demo");
const now = Date.now();
const demo = demoBucket(now);
await rm(dir, { recursive: true, force: true });
await mkdir(dir, { recursive: true });
await writeFilesystemBucket(join(dir, "bucket"), demo.objects);
const configFile = join(dir, "object-store.yaml");
const config = `type: FILESYSTEM\nconfig:\n  directory: ${join(dir, "bucket")}\n`;
await writeFile(configFile, config);

// A run two hours ago, before qa-sandbox appeared, so this run can report it as new.
const policy = { ...DEFAULT_POLICY, expectedClusters: demo.expectedClusters };
const earlier = await checkBucket(openBucket(parseObjstoreConfig(config, configFile)), emptyState(), now - 2 * HOUR, policy, { concurrency: 8 });
const stateFile = join(dir, "state.json");
await saveStateFile(stateFile, earlier.state);
await writeFilesystemBucket(join(dir, "bucket"), demo.newClusterObjects);

// No --now: the command is printed to be copied, and a --now in the past would read a later bucket.
const args = ["check", "--objstore.config-file", configFile, "--state", stateFile, "--expected-clusters", demo.expectedClusters.join(",")];
// Quoted for a POSIX shell, so a copied command works from a directory whose path has spaces.
const sh = (words: string[]) => words.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, "'\\''")}'`)).join(" ");
process.stdout.write(`Demo bucket: ${join(dir, "bucket")}\n$ npm run --silent blockwatch -- ${sh(args)}\n\n`);
const code = await main(args);
process.stdout.write(
  `\n(check exited ${code}: 2 means a cluster is stalled or missing. The demo itself succeeds; the findings are the point.)\n` +
    `Try: npm run --silent blockwatch -- ${sh(["check", "--objstore.config-file", configFile, "--output", "json"])}\n` +
    `  or, after npm ci: npx blockwatch ${sh(["check", "--objstore.config-file", configFile])}\n`,
);
