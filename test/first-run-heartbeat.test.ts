// A first run over a bucket too large for one run's time budget (issue 9 part 7): it takes several
// runs, each saving its progress, and the "not reporting" alarm (RunSucceeded missing for three
// schedule intervals, serverless.yml MonitorNotReportingAlarm) must not fire meanwhile. Once a run
// has completed, a run that stops early without progress sends no heartbeat, as before.
import { describe, expect, it } from "vitest";
import type { Notification } from "../lib/alerts/notification";
import type { BucketReader } from "../lib/bucket/bucket";
import { blockObjects, seededRandom } from "../lib/demo/bucket-objects";
import { HOUR, sidecarBlocks } from "../lib/demo/fleet";
import type { MetricDatum } from "../lib/metrics/metric-data";
import { runMonitor } from "../lib/monitor/run";
import { DEFAULT_POLICY } from "../lib/policy/policy";
import { MemoryBucket } from "../lib/simulate/memory-bucket";
import { MemoryStateStore } from "../lib/simulate/replay";
import { parseState } from "../lib/state/state";

const NOW = Date.parse("2025-11-10T00:05:00Z");

/** 40 clusters x 7 days of 2h blocks (3,360 prefixes); each meta.json read takes 1 ms of the clock. */
function slowBucket(clock: { t: number }, bucket: MemoryBucket): BucketReader {
  const random = seededRandom(3);
  for (let c = 0; c < 40; c++) {
    for (const b of sidecarBlocks({ labels: { cluster_id: `c${c}` }, from: NOW - 7 * 24 * HOUR + HOUR }, NOW, random)) {
      for (const o of blockObjects(b)) bucket.apply({ at: o.mtime, key: o.key, body: o.body });
    }
  }
  return {
    get location() {
      return bucket.location;
    },
    get requests() {
      return bucket.requests;
    },
    listTopLevel: (startAfter) => bucket.listTopLevel(startAfter),
    readMeta: (block, maxBytes) => ((clock.t += 1), bucket.readMeta(block, maxBytes)),
    listBlock: (block) => bucket.listBlock(block),
    hasDeletionMark: (block) => bucket.hasDeletionMark(block),
    hasMeta: (block) => bucket.hasMeta(block),
  };
}

describe("a first run that takes several runs", () => {
  it("sends the RunSucceeded heartbeat from every run that saved progress, and no alert until the last", async () => {
    const clock = { t: NOW };
    const memory = new MemoryBucket();
    const bucket = slowBucket(clock, memory);
    const store = new MemoryStateStore();
    const published: Notification[] = [];
    let data: MetricDatum[] = [];
    const deps = {
      bucket,
      store,
      alerts: { publish: async (n: Notification) => void published.push(n) },
      metrics: { put: async (_ns: string, d: MetricDatum[]) => ((data = d), { sent: d.length, failed: 0, errors: [] }) },
      log: { log: () => {} },
      clock: () => clock.t,
    };
    const opts = { policy: { ...DEFAULT_POLICY, expectedClusters: ["c0", "never-1"] }, metricNamespace: "Blockwatch", perClusterMetrics: false, concurrency: 8 };
    const heartbeat = () => data.some((d) => d.MetricName === "RunSucceeded");

    // Each run has 1.2 s of listing: about a thousand reads, then its time budget ends it.
    const runs: { complete: boolean; heartbeat: boolean; cursor: string | null }[] = [];
    for (let i = 0; i < 6; i++) {
      const at = NOW + i * 60_000;
      clock.t = at;
      const summary = await runMonitor(deps, at, { ...opts, deadline: at + 1200 });
      runs.push({ complete: summary.report.complete, heartbeat: heartbeat(), cursor: parseState(store.peek()!).cursor });
      if (summary.report.complete) break;
    }
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.at(-1)!.complete).toBe(true);
    for (const [i, r] of runs.entries()) {
      expect(r.heartbeat, `run ${i + 1}`).toBe(true);
      if (i > 0 && !r.complete) expect(r.cursor! > runs[i - 1]!.cursor!, `run ${i + 1}: cursor moved`).toBe(true);
    }
    // Nothing decided from a partial view; the last run announces the missing cluster.
    expect(published).toHaveLength(1);
    expect(published[0]!.down.map((v) => v.cluster)).toEqual(["never-1"]);

    // After a complete run, a run stopped before it read anything new is not alive: no heartbeat.
    const at = NOW + 10 * 60_000;
    clock.t = at;
    const stuck = await runMonitor(deps, at, { ...opts, deadline: at - 1 });
    expect(stuck.report.complete).toBe(false);
    expect(heartbeat()).toBe(false);

    // Nor is one that read the new blocks but ran out of time re-listing the window: once a run
    // has completed, only complete runs are alive (one that never finishes trips the alarm).
    const later = NOW + 4 * HOUR;
    for (let c = 0; c < 40; c++) {
      for (const b of sidecarBlocks({ labels: { cluster_id: `c${c}` }, from: NOW + HOUR }, later, seededRandom(c))) {
        for (const o of blockObjects(b)) memory.apply({ at: o.mtime, key: o.key, body: o.body });
      }
    }
    clock.t = later;
    const before = parseState(store.peek()!).cursor!;
    const cut = await runMonitor(deps, later, { ...opts, deadline: later + 5 });
    expect(cut.report.complete).toBe(false);
    expect(parseState(store.peek()!).cursor! > before).toBe(true);
    expect(heartbeat()).toBe(false);
  });
});
