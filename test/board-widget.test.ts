/**
 * The dashboard's custom widget: the event CloudWatch sends a custom widget's Lambda, the state a
 * real run saved, read back from a local S3 (fauxqs) with the real SDK client, and the HTML it
 * returns opened in Chromium.
 */
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSavedState } from "../lib/board/saved-state";
import { renderWidget, WIDGET_DOCS, type WidgetEvent } from "../lib/board/widget";
import { openBucket } from "../lib/bucket/open";
import { parseObjstoreConfig } from "../lib/bucket/config";
import { demoBucket } from "../lib/demo/demo-bucket";
import { HOUR } from "../lib/demo/fleet";
import { etlObjects } from "../lib/demo/etl-objects";
import { publishBoard, readPublishedBoard, stateSavedAt } from "../lib/board/published";
import { writeFilesystemBucket } from "../lib/demo/write-fs";
import { checkBucket } from "../lib/engine/check";
import { DEFAULT_POLICY } from "../lib/policy/policy";
import { emptyState, serializeState } from "../lib/state/state";
import { HAS_BROWSER, launchBrowser } from "./support/browser";
import { startLocalS3, type LocalS3 } from "./support/s3-server";

// The widget judges as of the state object's LastModified (when the run saved it): the run is "now".
const NOW = Date.now();
const HOSTILE_ETL = `"><img src=x onerror="document.title='pwned'">`;
const STATE_BUCKET = "blockwatch-state";
const KEY = "state/blockwatch.json";
const BOARD = "state/board.html";

/** What a CloudWatch dashboard sends (AWS docs, "Details about custom widgets"). */
const EVENT: WidgetEvent = {
  widgetContext: {
    dashboardName: "blockwatch-dev-us-east-1",
    widgetId: "widget-3",
    domain: "https://us-east-1.console.aws.amazon.com",
    accountId: "123456789012",
    locale: "en",
    timezone: { label: "UTC", offsetISO: "+00:00", offsetInMinutes: 0 },
    period: 300,
    isAutoPeriod: true,
    timeRange: { mode: "relative", start: NOW - 7 * 24 * HOUR, end: NOW, relativeStart: 7 * 24 * HOUR, zoom: { start: NOW - 7 * 24 * HOUR, end: NOW } },
    theme: "light",
    linkCharts: true,
    title: "blockwatch board",
    forms: { all: {} },
    params: {},
    width: 1200,
    height: 600,
  },
};

let s3: LocalS3;
let dir: string;
const policy = { ...DEFAULT_POLICY, expectedClusters: ["prod-us-east-1", "prod-eu-west-1", "prod-ap-northeast-1"] };
const deps = (over: Partial<Parameters<typeof renderWidget>[1]> = {}) => ({
  load: (signal: AbortSignal) => readSavedState(s3.client, STATE_BUCKET, KEY, signal),
  policy,
  location: "s3://kc-thanos-store/",
  staleAfterMs: 6 * HOUR,
  ...over,
});

beforeAll(async () => {
  s3 = await startLocalS3();
  s3.createBucket(STATE_BUCKET);
  dir = mkdtempSync(join(tmpdir(), "blockwatch-widget-"));
}, 30_000);

afterAll(async () => {
  await s3?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the board widget", () => {
  it("answers describe with its documentation", async () => {
    expect(await renderWidget({ describe: true, widgetContext: EVENT.widgetContext }, deps(), 5000)).toBe(WIDGET_DOCS);
  });

  it("says there is no state yet before the first run", async () => {
    const out = await renderWidget(EVENT, deps(), 5000);
    expect(out).toContain("No state yet");
  });

  it("draws the board of the last run from the saved state, in Chromium", async () => {
    const demo = demoBucket(NOW);
    // A Federated ETL cluster named by someone else's config, with an hour it never uploaded.
    const hole = Math.floor((NOW - 20 * HOUR) / HOUR) * HOUR;
    await writeFilesystemBucket(join(dir, "bucket"), [...demo.objects, ...etlObjects({ cluster: HOSTILE_ETL, from: NOW - 2 * 24 * HOUR, skipHours: [hole] }, NOW)]);
    const bucket = openBucket(parseObjstoreConfig(`type: FILESYSTEM\nconfig:\n  directory: ${join(dir, "bucket")}\n`, "inline"));
    const { state, report } = await checkBucket(bucket, emptyState(), NOW, policy, { concurrency: 8 });
    await s3.client.send(new PutObjectCommand({ Bucket: STATE_BUCKET, Key: KEY, Body: serializeState(state) }));

    // Viewed an hour after the run: judged as the run judged (statuses of the alerts), flagged fresh.
    const out = await renderWidget(EVENT, deps({ clock: () => Date.now() }), 5000);
    expect(out).not.toMatch(/<script|<html|<head/i);
    expect(out).toContain("cwdb-no-default-styles");
    if (!HAS_BROWSER) return;
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 600 } });
      const file = join(dir, "widget.html");
      writeFileSync(file, `<!doctype html><meta charset="utf-8">${out}`);
      await page.goto(`file://${file}`);
      const rows = await page.locator("tr[data-cluster]").evaluateAll((trs) => trs.map((tr) => [tr.getAttribute("data-cluster"), tr.className]));
      // Every cluster of the run, Thanos and Federated ETL alike, with its source.
      expect(rows.map((r) => r[0]).sort()).toEqual(report.clusters.map((c) => c.cluster).sort());
      expect(report.clusters.filter((c) => c.source === "federated-etl").length).toBe(3);
      expect(rows[0]).toEqual(["prod-ap-northeast-1", "missing"]);
      expect(rows[1]).toEqual(["staging-ap-south-1", "stalled"]);
      expect(await page.locator('tr[data-cluster="kc2-batch-eu-central-1"] td.src').textContent()).toBe("federated-etl");
      expect(await page.locator('tr[data-cluster="kc2-batch-eu-central-1"]').getAttribute("class")).toBe("stalled");
      // Its hourly coverage per kind, the hostile one's missing hour drawn as a gap.
      const etlRow = page.locator("tr[data-cluster]").filter({ has: page.locator("td.name", { hasText: HOSTILE_ETL }) });
      expect(await etlRow.locator("td.src").textContent()).toBe("federated-etl");
      expect(await etlRow.locator("svg.tl rect.cov").count()).toBe(4); // allocations and assets, each split by the hole
      expect(await etlRow.locator("svg.tl rect.gap").count()).toBe(2);
      expect(await etlRow.locator("svg.tl rect.gap > title").first().textContent()).toMatch(/no allocations 1h file/);
      expect(await page.locator("img").count()).toBe(0);
      // Timelines come from the saved state: each cluster with data has some drawn.
      const drawnRects = await page.locator("tr[data-cluster]").evaluateAll((trs) => trs.map((tr) => [tr.getAttribute("data-cluster"), tr.className, tr.querySelectorAll("svg.tl rect.cov, svg.tl rect.end").length] as const));
      for (const [name, status, n] of drawnRects) if (status !== "missing") expect(n, name!).toBeGreaterThan(0);
      expect(await page.locator("li.finding.overlap").count()).toBe(1);
    } finally {
      await browser.close();
    }
  }, 60_000);

  it("serves the board the run drew with one GET, and draws from the state when that board is missing or older", async () => {
    let stateReads = 0;
    const served = deps({
      loadBoard: (signal: AbortSignal) => readPublishedBoard(s3.client, STATE_BUCKET, BOARD, signal),
      stateSavedAt: (signal: AbortSignal) => stateSavedAt(s3.client, STATE_BUCKET, KEY, signal),
      load: (signal: AbortSignal) => {
        stateReads += 1;
        return readSavedState(s3.client, STATE_BUCKET, KEY, signal);
      },
    });
    // No board yet (an older version ran last): drawn here, and it says so.
    const fallback = await renderWidget(EVENT, served, 5000);
    expect(fallback).toContain("The run has not written its board yet: drawn here from the saved state.");
    expect(fallback).toContain("drawn from the state the run of");
    expect(stateReads).toBe(1);

    // The run's board, written after the state: returned as it is, the state not read.
    const drawn = `<div class="cwdb-no-default-styles"></div><style></style><div class="bw"><h1>the run's board</h1></div>`;
    await publishBoard(s3.client, STATE_BUCKET, BOARD, drawn);
    expect(await renderWidget(EVENT, served, 5000)).toBe(drawn);
    expect(stateReads).toBe(1);
    // Seen 7 hours later: still the run's board, flagged stale.
    const late = await renderWidget(EVENT, { ...served, clock: () => Date.now() + 7 * HOUR }, 5000);
    expect(late).toMatch(/^<div class="cwdb-no-default-styles"><\/div><style><\/style><div class="bw"><p class="notice">The last run saved this 7h\d*m? ago/);
    expect(late).toContain("the run's board");

    // A state saved after the board (a run that could not write it, a CLI run on the state): drawn from the state.
    await new Promise((r) => setTimeout(r, 1100)); // LastModified has whole seconds
    const text = (await readSavedState(s3.client, STATE_BUCKET, KEY))!.text;
    await s3.client.send(new PutObjectCommand({ Bucket: STATE_BUCKET, Key: KEY, Body: text }));
    const redrawn = await renderWidget(EVENT, served, 5000);
    expect(redrawn).not.toContain("the run's board");
    expect(redrawn).toContain("The state was saved after the run&#39;s board was written");
    expect(redrawn).toContain('data-cluster="staging-ap-south-1"');
    expect(stateReads).toBe(2);
  });

  it("flags a state the monitor stopped updating", async () => {
    const out = await renderWidget(EVENT, deps({ clock: () => Date.now() + 7 * HOUR }), 5000);
    expect(out).toMatch(/The last run saved this 7h\d*m? ago: the monitor may have stopped/);
  });

  it("returns what went wrong, in time, when the state cannot be read", async () => {
    const hang = (signal: AbortSignal) => new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(new Error("aborted"))));
    const started = Date.now();
    expect(await renderWidget(EVENT, deps({ load: hang }), 200)).toContain("Timed out");
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await renderWidget(EVENT, deps({ load: async () => ({ text: "{nope", savedAt: NOW }) }), 1000)).toContain("State unreadable");
  });
});
