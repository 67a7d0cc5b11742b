// `npm run screenshot`: the demo bucket's board, rendered by the real `report` and photographed in
// headless Chromium, into docs/board.png (shown in the README). Fixed time and seed: the same image
// on every machine, so a change in the picture is a change in the board.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { main } from "../lib/cli/main";
import { demoBucket } from "../lib/demo/demo-bucket";
import { writeFilesystemBucket } from "../lib/demo/write-fs";
import { launchBrowser } from "../test/support/browser";

const NOW = "2025-11-03T14:00:00Z";
const out = resolve("docs/board.png");
const dir = await mkdtemp(join(tmpdir(), "blockwatch-shot-"));
try {
  const demo = demoBucket(Date.parse(NOW));
  await writeFilesystemBucket(join(dir, "demo-bucket"), [...demo.objects, ...demo.newClusterObjects]);
  const config = join(dir, "object-store.yaml");
  // A relative directory: the board names the bucket "demo-bucket", not this machine's temp path.
  await writeFile(config, `type: FILESYSTEM\nconfig:\n  directory: demo-bucket\n`);
  process.chdir(dir);
  const html = join(dir, "report.html");
  await main(["report", "--objstore.config-file", config, "--now", NOW, "--expected-clusters", demo.expectedClusters.join(","), "--lookback", "3d", "--html", html]);
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
    await page.goto(`file://${html}`);
    await page.screenshot({ path: out, fullPage: true });
  } finally {
    await browser.close();
  }
  process.stdout.write(`Wrote ${out}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
