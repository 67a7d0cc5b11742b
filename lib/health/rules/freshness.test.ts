import { describe, expect, it } from "vitest";
import { H, M, NOW, block, judge } from "../../../test/support/health";

describe("cluster status from data lag (DOMAIN.md section 4)", () => {
  it.each([
    ["1h", H, "ok"],
    ["exactly 3h30m is still ok", 3.5 * H, "ok"],
    ["just over 3h30m is late", 3.5 * H + 1000, "late"],
    ["exactly 4h is late", 4 * H, "late"],
    ["just over 4h is stalled", 4 * H + 1000, "stalled"],
    ["a week", 6 * 24 * H, "stalled"],
  ])("%s", (_name, lag, status) => {
    const { report } = judge([block({ maxTime: NOW - lag })]);
    expect(report.clusters).toHaveLength(1);
    expect(report.clusters[0]!.status).toBe(status);
    expect(report.clusters[0]!.dataLagSeconds).toBe(Math.floor(lag / 1000));
  });

  it("reports lag in whole seconds, newestMaxTime and the block holding it", () => {
    const b = block({ maxTime: NOW - 2 * H - 1500 });
    const [c] = judge([b, block({ maxTime: NOW - 4 * H })]).report.clusters;
    expect(c).toMatchObject({ dataLagSeconds: 2 * 3600 + 1, newestMaxTime: new Date(b.maxTime).toISOString(), newestBlock: b.ulid });
  });

  it("an expected cluster without any block is missing with a null lag", () => {
    const { report } = judge([block({ maxTime: NOW - H })], { policy: { expectedClusters: ["a", "b"] } });
    expect(report.clusters.map((c) => [c.cluster, c.status, c.dataLagSeconds])).toEqual([
      ["b", "missing", null],
      ["a", "ok", 3600],
    ]);
  });

  it("the freshest stream decides: an HA pair with one replica down is ok, the replica is stalled", () => {
    const { report } = judge([
      block({ labels: { cluster_id: "a", replica: "r0" }, maxTime: NOW - H }),
      block({ labels: { cluster_id: "a", replica: "r1" }, maxTime: NOW - 9 * H }),
    ]);
    const [c] = report.clusters;
    expect(c!.status).toBe("ok");
    expect(c!.streams.map((s) => [s.labels.replica, s.status])).toEqual([
      ["r1", "stalled"],
      ["r0", "ok"],
    ]);
  });

  it("a fresh compactor block is not evidence of a live sidecar", () => {
    const sidecar = block({ maxTime: NOW - 9 * H });
    const compacted = block({ source: "compactor", level: 2, minTime: NOW - 17 * H, maxTime: NOW - 9 * H, ulidTime: NOW - 10 * M, uploadTime: NOW - 9 * M });
    const [c] = judge([sidecar, compacted]).report.clusters;
    expect(c!.status).toBe("stalled");
    expect(c!.lastUploadAt).toBe(new Date(sidecar.uploadTime).toISOString());
  });

  it("lastUploadAt is null when only compactor blocks are in the window", () => {
    const [c] = judge([block({ source: "compactor", level: 3, maxTime: NOW - 30 * H, minTime: NOW - 78 * H, ulidTime: NOW - H })]).report.clusters;
    expect(c).toMatchObject({ status: "stalled", lastUploadAt: null });
  });

  it("raw data decides over fresher downsampled blocks; a stream with only downsampled blocks uses theirs", () => {
    const raw = judge([block({ maxTime: NOW - 6 * H }), block({ resolution: 300_000, maxTime: NOW - H, source: "compactor", level: 2 })]);
    expect(raw.report.clusters[0]!.status).toBe("stalled");
    const onlyDs = judge([block({ resolution: 300_000, maxTime: NOW - H, source: "compactor", level: 2 })]);
    expect(onlyDs.report.clusters[0]!.status).toBe("ok");
  });

  it("deletion-marked blocks count for nothing", () => {
    const { report } = judge([block({ maxTime: NOW - H, deletionMarked: true }), block({ maxTime: NOW - 5 * H })]);
    expect(report.clusters[0]!.status).toBe("stalled");
  });

  it("blocks whose ULID is older than the lookback are not seen by a run without state", () => {
    const old = block({ maxTime: NOW - 8 * 24 * H });
    expect(judge([old]).report.clusters).toEqual([]);
    expect(judge([old], { policy: { lookbackMs: 9 * 24 * H } }).report.clusters[0]!.status).toBe("stalled");
  });

  it("thresholds can be set per cluster", () => {
    const blocks = [block({ labels: { cluster_id: "prod" }, maxTime: NOW - 5 * H }), block({ labels: { cluster_id: "dev" }, maxTime: NOW - 5 * H })];
    const { report } = judge(blocks, { policy: { clusters: { dev: { lateAfterMs: 6 * H, stallAfterMs: 12 * H } } } });
    expect(Object.fromEntries(report.clusters.map((c) => [c.cluster, c.status]))).toEqual({ prod: "stalled", dev: "ok" });
  });

  it("the cluster label is configurable", () => {
    const { report } = judge([block({ labels: { cluster: "x" }, maxTime: NOW - H })], { policy: { clusterLabel: "cluster" } });
    expect(report.clusters.map((c) => c.cluster)).toEqual(["x"]);
    expect(report.unlabeledBlocks).toEqual([]);
  });

  it("sorts worst first: missing, stalled, late, ok; then by lag", () => {
    const { report } = judge(
      [
        block({ labels: { cluster_id: "ok1" }, maxTime: NOW - H }),
        block({ labels: { cluster_id: "st1" }, maxTime: NOW - 5 * H }),
        block({ labels: { cluster_id: "st2" }, maxTime: NOW - 9 * H }),
        block({ labels: { cluster_id: "late" }, maxTime: NOW - 3.75 * H }),
      ],
      { policy: { expectedClusters: ["gone"] } },
    );
    expect(report.clusters.map((c) => c.cluster)).toEqual(["gone", "st2", "st1", "late", "ok1"]);
  });
});

describe("stream freshness kept across runs (tops)", () => {
  it("keeps only blocks that could still be freshest for some part of the lookback", async () => {
    const { paretoTops } = await import("./freshness");
    const A = "01AAAAAAAAAAAAAAAAAAAAAAAA";
    const B = "01BBBBBBBBBBBBBBBBBBBBBBBB";
    const C = "01CCCCCCCCCCCCCCCCCCCCCCCC";
    // C is newest and freshest: it alone decides, whatever the lookback.
    expect(paretoTops([[A, 10, 0, 1], [B, 20, 0, 2], [C, 30, 0, 3]]).map((t) => t[0])).toEqual([C]);
    // C is a compactor block (fresh ULID, older data): B stays, it is fresher while it is in the lookback.
    expect(paretoTops([[A, 10, 0, 1], [B, 20, 0, 2], [C, 15, 0, null]]).map((t) => t[0])).toEqual([C, B]);
  });

  it("a stalled stream is judged by what is still in the lookback once its newest sidecar block leaves it", () => {
    const sidecar = block({ maxTime: NOW - 8 * 24 * H, ulidTime: NOW - 8 * 24 * H + H });
    const compacted = block({ source: "compactor", level: 2, minTime: NOW - 10 * 24 * H, maxTime: NOW - 9 * 24 * H, ulidTime: NOW - 2 * 24 * H });
    const first = judge([sidecar, compacted], { now: NOW - 2 * 24 * H });
    expect(first.report.clusters[0]!.newestBlock).toBe(sidecar.ulid);
    const later = judge([], { prev: first.state });
    const stateless = judge([compacted]);
    expect(later.report.clusters).toEqual(stateless.report.clusters.map((c) => ({ ...c, since: later.report.clusters[0]!.since })));
    expect(later.report.clusters[0]).toMatchObject({ newestBlock: compacted.ulid, lastUploadAt: null });
  });

  it("blocks forgotten since an earlier run leave findings and ranges", () => {
    const one = { cluster_id: "cluster-one" };
    const a = block({ labels: one, maxTime: NOW - H });
    const b = block({ labels: one, maxTime: NOW - H + 17 * M });
    const first = judge([a, b]);
    expect(first.report.overlaps).toHaveLength(1);
    const later = judge([], { prev: first.state, now: NOW + H, extra: { forgotten: [b.ulid] } });
    expect(later.report.overlaps).toEqual([]);
    expect(later.report.clusters[0]!.newestBlock).toBe(a.ulid);
  });
});
