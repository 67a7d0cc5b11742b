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
import { writeFilesystemBucket } from "../lib/demo/write-fs";
import { checkBucket } from "../lib/engine/check";
import { DEFAULT_POLICY } from "../lib/policy/policy";
import { emptyState, serializeState } from "../lib/state/state";
import { HAS_BROWSER, launchBrowser } from "./support/browser";
import { startLocalS3, type LocalS3 } from "./support/s3-server";

// The widget judges as of the state object's LastModified (when the run saved it): the run is "now".
const NOW = Date.now();
const STATE_BUCKET = "blockwatch-state";
const KEY = "state/blockwatch.json";

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
    await writeFilesystemBucket(join(dir, "bucket"), demo.objects);
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
      // The widget draws what the Thanos state holds; Federated ETL clusters are not on it yet.
      expect(rows.map((r) => r[0]).sort()).toEqual(report.clusters.filter((c) => c.source !== "federated-etl").map((c) => c.cluster).sort());
      expect(rows[0]).toEqual(["prod-ap-northeast-1", "missing"]);
      expect(rows[1]).toEqual(["staging-ap-south-1", "stalled"]);
      // Timelines come from the saved state: each cluster with data has some drawn.
      for (const [name, status] of rows) {
        if (status === "missing") continue;
        expect(await page.locator(`tr[data-cluster="${name}"] svg.tl rect.cov, tr[data-cluster="${name}"] svg.tl rect.end`).count(), name!).toBeGreaterThan(0);
      }
      expect(await page.locator("li.finding.overlap").count()).toBe(1);
    } finally {
      await browser.close();
    }
  }, 60_000);

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
