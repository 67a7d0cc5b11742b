/**
 * The board as a person sees it: the demo bucket (plus clusters with hostile names) checked by the
 * real CLI's `report`, the HTML opened in headless Chromium, and what it shows asserted there.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { blockObjects, seededRandom } from "../lib/demo/bucket-objects";
import { demoBucket } from "../lib/demo/demo-bucket";
import { HOUR, sidecarBlocks } from "../lib/demo/fleet";
import { etlObjects } from "../lib/demo/etl-objects";
import { writeFilesystemBucket } from "../lib/demo/write-fs";
import { HAS_BROWSER, launchBrowser } from "./support/browser";
import { runCli } from "./support/cli";

const NOW = Date.parse("2025-11-03T14:00:00Z");
const HOSTILE = [
  `<script>document.title="pwned"</script>`,
  `"><img src=x onerror="document.title='pwned'">`,
  `evil\u202egnp.exe\u0007\u001b[31m`,
];

const HOSTILE_ETL = `kc2"><img src=x onerror="document.title='pwned'">`;
const ETL_HOLE = Math.floor((NOW - 20 * HOUR) / HOUR) * HOUR;
let dir: string;
let browser: Browser;
let page: Page;
let html: string;
const requests: string[] = [];
const dialogs: string[] = [];
let expectedClusters: string[];
let reportJson: { clusters: { cluster: string; status: string }[] };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "blockwatch-board-"));
  const demo = demoBucket(NOW);
  const random = seededRandom(3);
  const hostile = HOSTILE.flatMap((name, i) =>
    sidecarBlocks({ labels: { cluster_id: name }, from: NOW - 12 * HOUR, ...(i === 0 ? { stopAt: NOW - 7 * HOUR } : {}) }, NOW, random).flatMap((b) => blockObjects(b)),
  );
  // A Federated ETL cluster named by someone else's config, with an hour it never uploaded.
  const etl = etlObjects({ cluster: HOSTILE_ETL, from: NOW - 2 * 24 * HOUR, skipHours: [ETL_HOLE] }, NOW);
  await writeFilesystemBucket(join(dir, "bucket"), [...demo.objects, ...demo.newClusterObjects, ...hostile, ...etl]);
  const config = join(dir, "object-store.yaml");
  writeFileSync(config, `type: FILESYSTEM\nconfig:\n  directory: ${join(dir, "bucket")}\n`);
  expectedClusters = demo.expectedClusters;
  const common = ["--objstore.config-file", config, "--now", new Date(NOW).toISOString(), "--expected-clusters", expectedClusters.join(",")];
  const out = join(dir, "report.html");
  const [r, json] = await Promise.all([runCli(["report", ...common, "--html", out]), runCli(["check", ...common, "--output", "json"])]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(2); // as check: clusters are down
  expect(r.stdout).toContain(`Wrote ${out}`);
  html = readFileSync(out, "utf8");
  reportJson = JSON.parse(json.stdout);
  if (!HAS_BROWSER) return;
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on("request", (req) => requests.push(req.url()));
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(`file://${out}`);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!HAS_BROWSER)("blockwatch report in Chromium", () => {
  it("shows every cluster of the check as a row, stalled and missing first", async () => {
    const rows = await page.locator("tr[data-cluster]").evaluateAll((trs) => trs.map((tr) => ({ cluster: tr.getAttribute("data-cluster"), status: tr.className, name: tr.querySelector("td.name")!.textContent })));
    expect(rows.map((r) => r.status).sort()).toEqual(reportJson.clusters.map((c) => c.status).sort());
    expect(rows).toHaveLength(reportJson.clusters.length);
    expect(rows.length).toBeGreaterThan(8);
    for (const name of expectedClusters) expect(rows.some((r) => r.name === name), name).toBe(true);
    const rank = (s: string) => (s === "missing" || s === "stalled" ? 0 : 1);
    const ranks = rows.map((r) => rank(r.status));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(rows[0]!.status).toBe("missing");
    // A person sees the problem rows without unfolding anything.
    for (const tr of await page.locator("#problems tr[data-cluster]").all()) expect(await tr.isVisible()).toBe(true);
  });

  it("draws blocks in every timeline of a cluster with data, and a now line", async () => {
    const timelines = await page.locator("tr[data-cluster]").evaluateAll((trs) =>
      trs.map((tr) => ({
        status: tr.className,
        cluster: tr.getAttribute("data-cluster") ?? "",
        blocks: tr.querySelectorAll("svg.tl rect.l1, svg.tl rect.l2, svg.tl rect.l3, svg.tl rect.l4, svg.tl rect.ds, svg.tl rect.ov, svg.tl rect.cov").length,
        now: tr.querySelectorAll("svg.tl line.now").length,
      })),
    );
    // Federated ETL clusters (kc2-*) are drawn by their hourly coverage (rect.cov), Thanos ones by blocks.
    expect(timelines.filter((t) => t.cluster.startsWith("kc2")).length).toBe(3);
    for (const t of timelines.filter((t) => t.status !== "missing")) {
      expect(t.blocks).toBeGreaterThan(0);
      expect(t.now).toBe(1);
    }
    // A Federated ETL cluster: its source, a lane per kind, its missing hour a gap, its stall shaded.
    expect(await page.locator('tr[data-cluster="kc2-batch-eu-central-1"] td.src').textContent()).toBe("federated-etl");
    expect(await page.locator('tr[data-cluster="kc2-batch-eu-central-1"] rect.p-stall').count()).toBe(1);
    expect(await page.locator('tr[data-cluster="staging-ap-south-1"] td.src').textContent()).toBe("thanos");
    const etlRow = page.locator("tr[data-cluster]").filter({ has: page.locator("td.name", { hasText: HOSTILE_ETL }) });
    expect(await etlRow.locator("td.src").textContent()).toBe("federated-etl");
    expect(await etlRow.locator("svg.tl rect.cov").count()).toBe(4);
    const gaps = await etlRow.locator("svg.tl rect.gap > title").allTextContents();
    const hole = new Date(ETL_HOLE).toISOString().slice(0, 16).replace("T", " ");
    expect(gaps.sort()).toEqual([`Federated ETL no allocations 1h file ${hole}Z to ${new Date(ETL_HOLE + HOUR).toISOString().slice(0, 16).replace("T", " ")}Z`, `Federated ETL no assets 1h file ${hole}Z to ${new Date(ETL_HOLE + HOUR).toISOString().slice(0, 16).replace("T", " ")}Z`]);
    // The overlap of the two cluster-one Prometheus servers is drawn in red, the stall shaded.
    expect(await page.locator('tr[data-cluster="cluster-one"] rect.ov').count()).toBeGreaterThan(1);
    expect(await page.locator('tr[data-cluster="staging-ap-south-1"] rect.p-stall').count()).toBe(1);
    const box = await page.locator('tr[data-cluster="staging-ap-south-1"] svg.tl').boundingBox();
    expect(box!.width).toBeGreaterThan(300);
    // Hover titles name each block's ULID and range.
    const title = await page.locator('tr[data-cluster="staging-ap-south-1"] rect.l1 > title').first().textContent();
    expect(title).toMatch(/^[0-9A-HJKMNP-TV-Z]{26} raw level 1 sidecar \d{4}-\d\d-\d\d \d\d:\d\dZ to \d{4}-\d\d-\d\d \d\d:\d\dZ$/);
  });

  it("shows hostile cluster names as text and runs nothing", async () => {
    expect(await page.title()).not.toContain("pwned");
    expect(dialogs).toEqual([]);
    expect(await page.locator("img").count()).toBe(0);
    expect(await page.locator("script").count()).toBe(0);
    const names = await page.locator("td.name").allTextContents();
    expect(names).toContain(HOSTILE[0]);
    expect(names).toContain(HOSTILE[1]);
    expect(names).toContain(HOSTILE_ETL);
    // Bidi overrides and controls are shown as escapes, never applied.
    expect(names).toContain("evil\\u202egnp.exe\\u0007\\u001b[31m");
    expect(html).not.toMatch(/[\u202e\u0007\u001b]/);
    // The hostile stalled cluster's finding says its name as text too.
    expect(await page.locator("li.finding.stalled").allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining(HOSTILE[0]!)]));
  });

  it("is self-contained: one file, no script, no request beyond itself", async () => {
    expect(requests.every((u) => u.startsWith("file://"))).toBe(true);
    expect(requests).toHaveLength(1);
    expect(html).not.toMatch(/<script|https?:\/\/|@import|url\(/i);
  });

  it("shows the summary and the findings with their next steps", async () => {
    const summary = await page.locator("#summary").textContent();
    expect(summary).toMatch(/1\s*missing/);
    expect(summary).toMatch(/3\s*stalled/); // two Thanos clusters and one Federated ETL cluster
    const kinds = await page.locator("li.finding .k").allTextContents();
    expect(kinds).toEqual(expect.arrayContaining(["missing", "stalled", "overlap", "partial", "corrupt", "unlabeled"]));
    expect(await page.locator("li.finding.overlap .next").textContent()).toContain("give each cluster a unique prometheus.server.global.external_labels.cluster_id");
  });
});
