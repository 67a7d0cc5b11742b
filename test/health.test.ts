import { describe, expect, it } from "vitest";
import { ulidFloor } from "../lib/domain/ulid";
import { makeUlid, seededRandom } from "../lib/demo/bucket-objects";
import { evaluate, blocksToCheckForDeletion, type ObservedBlock, type Observation } from "../lib/health/evaluate";
import { DEFAULT_POLICY, type Policy } from "../lib/policy/policy";
import { emptyState, type State } from "../lib/state/state";

const H = 3_600_000;
const M = 60_000;
const NOW = Date.parse("2025-11-03T14:00:00Z");
const random = seededRandom(1);

function block(p: Partial<ObservedBlock> & { maxTime: number }): ObservedBlock {
  const ulidTime = p.ulidTime ?? p.maxTime + H;
  return {
    ulid: p.ulid ?? makeUlid(ulidTime, random),
    ulidTime,
    minTime: p.minTime ?? p.maxTime - 2 * H,
    maxTime: p.maxTime,
    labels: p.labels ?? { cluster_id: "a" },
    resolution: p.resolution ?? 0,
    level: p.level ?? 1,
    source: p.source ?? "sidecar",
    outOfOrder: p.outOfOrder ?? false,
    uploadTime: p.uploadTime ?? ulidTime + 30_000,
    sizeBytes: p.sizeBytes ?? 100,
    deletionMarked: p.deletionMarked ?? null,
  };
}

function observe(blocks: ObservedBlock[], extra: Partial<Observation> = {}): Observation {
  return {
    cursor: blocks.length ? blocks.map((b) => b.ulid).sort().at(-1)! : ulidFloor(NOW),
    complete: true,
    recent: [],
    blocks,
    corrupt: [],
    pending: [],
    forgotten: [],
    stats: { prefixesListed: 0, metaRead: 0, listRequests: 0, getRequests: 0, durationMs: 0 },
    ...extra,
  };
}

function judge(blocks: ObservedBlock[], opts: { policy?: Partial<Policy>; prev?: State; extra?: Partial<Observation>; now?: number } = {}) {
  return evaluate(opts.prev ?? emptyState(), observe(blocks, opts.extra), opts.now ?? NOW, { ...DEFAULT_POLICY, ...opts.policy });
}

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

describe("findings", () => {
  it("partial blocks: reported once no activity for more than 2h", () => {
    const young = { block: makeUlid(NOW - 3 * H, random), lastActivity: NOW - 2 * H };
    const old = { block: makeUlid(NOW - 5 * H, random), lastActivity: NOW - 2 * H - 1000 };
    const { report, state } = judge([], { extra: { pending: [young, old] } });
    expect(report.partialBlocks).toEqual([{ block: old.block, ageSeconds: 7201 }]);
    expect(state.pending.map((p) => p.block).sort()).toEqual([young.block, old.block].sort());
  });

  it("unlabeled: no cluster label, or an empty one", () => {
    const a = block({ labels: { prometheus: "monitoring/k8s" }, maxTime: NOW - H });
    const b = block({ labels: { cluster_id: "", prometheus: "x" }, maxTime: NOW - H });
    const { report } = judge([a, b]);
    expect(report.clusters).toEqual([]);
    expect(report.unlabeledBlocks.map((u) => u.block).sort()).toEqual([a.ulid, b.ulid].sort());
  });

  it("corrupt blocks are kept as findings, except deletion-marked ones", () => {
    const c1 = { block: makeUlid(NOW - H, random), reason: "version is 2, expected 1", deletionMarked: false };
    const c2 = { block: makeUlid(NOW - H, random), reason: "meta.json is not JSON", deletionMarked: true };
    expect(judge([], { extra: { corrupt: [c1, c2] } }).report.corruptBlocks).toEqual([{ block: c1.block, reason: c1.reason }]);
  });

  describe("overlaps", () => {
    const one = { cluster_id: "cluster-one" };
    it("two level-1 sidecar blocks with the identical label set and overlapping ranges", () => {
      const a = block({ labels: one, maxTime: NOW - H });
      const b = block({ labels: one, minTime: NOW - 3 * H + 17 * M, maxTime: NOW - H + 17 * M });
      const c = block({ labels: one, maxTime: NOW - 5 * H });
      const { report } = judge([a, b, c]);
      expect(report.overlaps).toEqual([{ cluster: "cluster-one", labels: one, blocks: [a.ulid, b.ulid].sort() }]);
    });
    it.each([
      ["different label sets (an HA pair)", { labels: { cluster_id: "cluster-one", replica: "r1" } }],
      ["a compacted block", { level: 2, source: "compactor" }],
      ["a compactor-sourced level-1 block", { source: "compactor" }],
      ["an out-of-order block", { outOfOrder: true }],
      ["a deletion-marked block", { deletionMarked: true }],
      ["adjacent ranges (maxTime is exclusive)", { minTime: NOW - H, maxTime: NOW + H }],
    ])("not for %s", (_name, other) => {
      const a = block({ labels: one, maxTime: NOW - H });
      const b = block({ labels: one, maxTime: NOW - H, ...other });
      expect(judge([a, b]).report.overlaps).toEqual([]);
    });
    it("receive blocks count like sidecar blocks", () => {
      const a = block({ labels: one, maxTime: NOW - H, source: "receive" });
      const b = block({ labels: one, maxTime: NOW - H, source: "receive" });
      expect(judge([a, b]).report.overlaps[0]!.blocks).toHaveLength(2);
    });
    it("a new block overlapping one remembered from an earlier run; the finding persists", () => {
      const a = block({ labels: one, maxTime: NOW - 3 * H });
      const first = judge([a], { now: NOW - H });
      expect(first.report.overlaps).toEqual([]);
      const b = block({ labels: one, maxTime: NOW - 3 * H + 30 * M, ulidTime: NOW - 10 * M });
      const second = judge([b], { prev: first.state });
      expect(second.report.overlaps[0]!.blocks).toEqual([a.ulid, b.ulid].sort());
      const third = judge([], { prev: second.state, now: NOW + 2 * H });
      expect(third.report.overlaps[0]!.blocks).toEqual([a.ulid, b.ulid].sort());
      // The deletion-mark lookup is asked for the new block only when it would be a finding.
      expect([...blocksToCheckForDeletion(first.state, [b], DEFAULT_POLICY, NOW)]).toEqual([b.ulid]);
      expect([...blocksToCheckForDeletion(first.state, [block({ labels: one, maxTime: NOW - H })], DEFAULT_POLICY, NOW)]).toEqual([]);
    });
  });

  it("new clusters: absent from the previous state; none without previous state; an expected cluster appearing is not new", () => {
    const first = judge([block({ labels: { cluster_id: "a" }, maxTime: NOW - 3 * H, ulidTime: NOW - 2 * H })], {
      policy: { expectedClusters: ["e"] },
      now: NOW - H,
    });
    expect(first.report.newClusters).toEqual([]);
    const second = judge(
      [block({ labels: { cluster_id: "b" }, maxTime: NOW - H, ulidTime: NOW - 5 * M }), block({ labels: { cluster_id: "e" }, maxTime: NOW - H, ulidTime: NOW - 5 * M })],
      { prev: first.state, policy: { expectedClusters: ["e"] } },
    );
    expect(second.report.newClusters).toEqual(["b"]);
  });
});

describe("state", () => {
  it("a stream is forgotten once its newest block leaves the lookback", () => {
    const first = judge([block({ maxTime: NOW - 3 * H })]);
    expect(Object.keys(first.state.streams)).toHaveLength(1);
    const later = judge([], { prev: first.state, now: NOW + 7 * 24 * H });
    expect(later.state.streams).toEqual({});
    expect(later.report.clusters).toEqual([]);
  });

  it("the stalled status keeps its since across runs", () => {
    const first = judge([block({ maxTime: NOW - 5 * H })]);
    const second = judge([], { prev: first.state, now: NOW + 2 * H });
    expect(second.report.clusters[0]!.since).toBe(first.report.clusters[0]!.since);
    expect(first.report.clusters[0]!.since).toBe(new Date(NOW - 5 * H + 4 * H).toISOString());
  });

  it("does not change the previous state (pure)", () => {
    const first = judge([block({ maxTime: NOW - 3 * H })]);
    const snapshot = JSON.stringify(first.state);
    judge([block({ maxTime: NOW - H })], { prev: first.state });
    expect(JSON.stringify(first.state)).toBe(snapshot);
  });
});

describe("stream freshness kept across runs (tops)", () => {
  it("keeps only blocks that could still be freshest for some part of the lookback", async () => {
    const { paretoTops } = await import("../lib/health/evaluate");
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
