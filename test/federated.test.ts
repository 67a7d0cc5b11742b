// The Federated ETL source's pure parts: file names, folders, and the judgement (lib/federated).
import { describe, expect, it } from "vitest";
import { clusterOfFolder, parseEtlFileName } from "../lib/federated/layout";
import { judgeEtl, type EtlJudgePolicy } from "../lib/federated/judge";
import { DEFAULT_ETL_POLICY } from "../lib/federated/policy";
import type { EtlObservation, KindListing, ListedFile } from "../lib/federated/scan";
import type { EtlState } from "../lib/federated/state";
import { mergeVerdicts } from "../lib/engine/merge";
import type { ClusterVerdict } from "../lib/health/report";
import { parseState, serializeState, emptyState } from "../lib/state/state";
import { configFromEnv } from "../lib/monitor/config";

const H = 3600;
const NOW = Date.parse("2026-12-02T12:00:00Z");
const nowS = NOW / 1000;
const policy: EtlJudgePolicy = { etl: DEFAULT_ETL_POLICY, lookbackMs: 7 * 24 * H * 1000, expectedClusters: [] };

/** Hourly files ending at the given hours before now (e.g. [3, 2, 1]). */
function hours(endsHoursAgo: number[], lastModifiedLag = 7 * 60): ListedFile[] {
  return endsHoursAgo.map((ago) => {
    const end = nowS - ago * H;
    return { name: `${end - H}-${end}`, start: end - H, end, lastModified: (end + lastModifiedLag) * 1000, size: 10 };
  });
}
function listing(files: ListedFile[], corrupt: KindListing["corrupt"] = [], after = String(nowS - 7 * 24 * H)): KindListing {
  return { after, files, corrupt };
}
function obs(clusters: Record<string, { allocations?: KindListing; assets?: KindListing }>): EtlObservation {
  const listed: EtlObservation["listed"] = {};
  for (const [name, l] of Object.entries(clusters)) listed[name] = { allocations: l.allocations ?? listing([]), assets: l.assets ?? listing([]) };
  return { clusters: Object.keys(clusters), listed, complete: true, filesListed: 0 };
}

describe("Federated ETL file names", () => {
  it.each([
    ["1764676800-1764680400", { ok: true, start: 1764676800, end: 1764680400 }],
    ["1764676800-1764680400.gz", { ok: true, start: 1764676800, end: 1764680400 }],
    ["1764590400-1764676800", { ok: true, start: 1764590400, end: 1764676800 }],
  ])("reads %s", (name, expected) => expect(parseEtlFileName(name)).toEqual(expected));

  it.each([
    ["latest", "is not <start>-<end>"],
    ["1764676800_1764680400", "is not <start>-<end>"],
    ["1764680400-1764676800", "is not after start"],
    ["1764676800-1764676800", "is not after start"],
    ["1764676800-1764800000", "more than a day"],
    ["-1764680400", "is not <start>-<end>"],
    ["1764676800-1764680400/x", "is not <start>-<end>"],
  ])("refuses %s with a reason", (name, reason) => {
    const r = parseEtlFileName(name);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toContain(reason);
  });

  it("names clusters by their folder and never combined/", () => {
    expect(clusterOfFolder("federated/prod-1/")).toBe("prod-1");
    expect(clusterOfFolder("federated/combined/")).toBeNull();
    expect(clusterOfFolder("federated/")).toBeNull();
    expect(clusterOfFolder("other/prod-1/")).toBeNull();
  });
});

describe("judging Federated ETL", () => {
  const verdict = (j: ReturnType<typeof judgeEtl>, name: string) => j.verdicts.find((v) => v.cluster === name)!;

  it.each([
    // [allocations ends h ago, assets ends h ago, status, lag hours]
    [1, 1, "ok", 1],
    [3, 1, "ok", 3],
    [4, 1, "late", 4],
    [1, 7, "stalled", 7],
    [6, 6, "late", 6],
  ])("allocations %ih and assets %ih behind: %s (the staler decides)", (alloc, assets, status, lagH) => {
    const j = judgeEtl(null, obs({ c: { allocations: listing(hours([alloc])), assets: listing(hours([assets])) } }), NOW, policy);
    const v = verdict(j, "c");
    expect(v.status).toBe(status);
    expect(v.dataLagSeconds).toBe(lagH * H);
    expect(v.source).toBe("federated-etl");
    expect(v.newestBlock).toBe(`${alloc >= assets ? "allocations" : "assets"}/1h/${nowS - Math.max(alloc, assets) * H - H}-${nowS - Math.max(alloc, assets) * H}`);
  });

  it("takes the last upload from the newest files' LastModified", () => {
    const j = judgeEtl(null, obs({ c: { allocations: listing(hours([2, 1], 600)), assets: listing(hours([2, 1], 60)) } }), NOW, policy);
    expect(verdict(j, "c").lastUploadAt).toBe(new Date(NOW - H * 1000 + 600_000).toISOString());
  });

  it("a kind without any file in the lookback stalls the cluster, and says which", () => {
    const j = judgeEtl(null, obs({ c: { assets: listing(hours([1])) } }), NOW, policy);
    const v = verdict(j, "c");
    expect(v.status).toBe("stalled");
    expect(v.newestMaxTime).toBeNull();
    expect(v.reason).toContain("no allocations 1h file");
  });

  it("a hole in the hourly sequence is a data gap; consecutive files are none", () => {
    const j = judgeEtl(null, obs({ c: { allocations: listing(hours([9, 8, 5, 4, 1])), assets: listing(hours([3, 2, 1])) } }), NOW, policy);
    expect(j.dataGaps).toEqual([
      { cluster: "c", kind: "allocations", from: new Date(NOW - 8 * H * 1000).toISOString(), to: new Date(NOW - 6 * H * 1000).toISOString(), seconds: 2 * H },
      { cluster: "c", kind: "allocations", from: new Date(NOW - 4 * H * 1000).toISOString(), to: new Date(NOW - 2 * H * 1000).toISOString(), seconds: 2 * H },
    ]);
  });

  it("names that do not parse and files ending in the future are corrupt findings, not freshness", () => {
    const future = { name: `${nowS + 2 * H}-${nowS + 3 * H}`, start: nowS + 2 * H, end: nowS + 3 * H, lastModified: NOW, size: 1 };
    const j = judgeEtl(
      null,
      obs({ c: { allocations: listing([...hours([5]), future], [{ name: "latest", reason: "bad" }]), assets: listing(hours([5])) } }),
      NOW,
      policy,
    );
    expect(verdict(j, "c").dataLagSeconds).toBe(5 * H);
    expect(j.corruptFiles.map((c) => c.file)).toEqual([`federated/c/etl/bingen/allocations/1h/${future.name}`, "federated/c/etl/bingen/allocations/1h/latest"]);
    expect(j.corruptFiles[0]!.reason).toContain("in the future");
  });

  it("accepts the hour being built: an end up to an hour ahead is lag 0", () => {
    const building = { name: `${nowS - 600}-${nowS + 3000}`, start: nowS - 600, end: nowS + 3000, lastModified: NOW, size: 1 };
    const j = judgeEtl(null, obs({ c: { allocations: listing([building]), assets: listing([building]) } }), NOW, policy);
    expect(verdict(j, "c")).toMatchObject({ status: "ok", dataLagSeconds: 0 });
    expect(j.corruptFiles).toEqual([]);
  });

  it("follows per-cluster thresholds", () => {
    const strict = { ...policy, etl: { ...DEFAULT_ETL_POLICY, clusters: { c: { lateAfterMs: 1800_000, stallAfterMs: 3600_000 } } } };
    const j = judgeEtl(null, obs({ c: { allocations: listing(hours([2])), assets: listing(hours([2])) } }), NOW, strict);
    expect(verdict(j, "c").status).toBe("stalled");
  });

  it("reports expected clusters without files as missing only when asked (alone, without Thanos)", () => {
    const j = judgeEtl(null, obs({}), NOW, { ...policy, expectedClusters: ["gone"] });
    expect(verdict(j, "gone")).toMatchObject({ status: "missing", source: "federated-etl" });
    expect(judgeEtl(null, obs({}), NOW, policy).verdicts).toEqual([]);
  });

  it("keeps what it has not listed again: the newest file, since, gaps and bad names behind StartAfter", () => {
    const first = judgeEtl(null, obs({ c: { allocations: listing([...hours([12, 11, 8])], [{ name: `${nowS - 10 * H}-x`, reason: "bad" }]), assets: listing(hours([8])) } }), NOW, policy);
    expect(first.verdicts[0]!.status).toBe("stalled");
    const later = NOW + H * 1000;
    const newest = first.state.clusters.c!.allocations!;
    const again = judgeEtl(
      first.state,
      obs({ c: { allocations: listing([], [], `${newest[1]}-`), assets: listing([], [], `${newest[1]}-`) } }),
      later,
      policy,
    );
    expect(again.verdicts[0]).toMatchObject({ status: "stalled", since: first.verdicts[0]!.since, dataLagSeconds: 9 * H });
    expect(again.dataGaps).toEqual(first.dataGaps);
    expect(again.corruptFiles).toEqual(first.corruptFiles);
    expect(again.newClusters).toEqual([]);
  });

  it("a cluster first seen after a run with state is new; without state, none is", () => {
    const o = obs({ c: { allocations: listing(hours([1])), assets: listing(hours([1])) } });
    expect(judgeEtl(null, o, NOW, policy).newClusters).toEqual([]);
    expect(judgeEtl({ clusters: {} }, o, NOW, policy).newClusters).toEqual(["c"]);
  });
});

describe("a cluster in both sources", () => {
  const v = (source: "thanos" | "federated-etl", status: ClusterVerdict["status"], lag: number | null): ClusterVerdict => ({
    cluster: "c",
    status,
    dataLagSeconds: lag,
    newestMaxTime: null,
    lastUploadAt: null,
    newestBlock: null,
    since: "2026-12-02T00:00:00.000Z",
    blocksUploaded: 0,
    bytesUploaded: 0,
    streams: [],
    source,
  });
  it("is one verdict: the fresher source decides, both are listed", () => {
    const [m] = mergeVerdicts([v("thanos", "stalled", 9 * H)], [v("federated-etl", "ok", H)]);
    expect(m).toMatchObject({ status: "ok", source: "federated-etl" });
    expect(m!.sources!.map((s) => [s.source, s.status])).toEqual([["federated-etl", "ok"], ["thanos", "stalled"]]);
    const [n] = mergeVerdicts([v("thanos", "ok", H)], [v("federated-etl", "stalled", 9 * H)]);
    expect(n).toMatchObject({ status: "ok", source: "thanos" });
  });
  it("an expected cluster Thanos has no block of is judged by its ETL", () => {
    const [m] = mergeVerdicts([v("thanos", "missing", null)], [v("federated-etl", "late", 4 * H)]);
    expect(m).toMatchObject({ status: "late", source: "federated-etl" });
    expect(m!.sources).toBeUndefined();
  });
});

describe("the etl key of the saved state", () => {
  it("parses a state written before it existed", () => {
    const old = JSON.parse(serializeState(emptyState()));
    delete old.etl;
    expect(parseState(JSON.stringify(old)).etl).toBeNull();
  });
  it("round-trips, and refuses a damaged one naming the field", () => {
    const etl: EtlState = { clusters: { c: { allocations: ["1-2", 1, 2, 3], assets: null, gaps: [["assets", 1, 2, 3]], corrupt: [["assets", "x", "bad"]], status: "ok", since: 5 } } };
    expect(parseState(serializeState({ ...emptyState(), etl })).etl).toEqual(etl);
    const bad = { ...emptyState(), etl: { clusters: { c: { ...etl.clusters.c, allocations: ["1-2", "1", 2, 3] } } } };
    expect(() => parseState(JSON.stringify(bad))).toThrow(/etl\.clusters\.c\.allocations/);
  });
});

describe("the deployment's Federated ETL settings", () => {
  const env = { THANOS_BUCKET: "b", STATE_BUCKET: "s", ALERT_TOPIC_ARN: "arn:aws:sns:us-east-1:111122223333:t" };
  it("default to auto and the ETL thresholds, and take overrides", () => {
    expect(configFromEnv(env)).toMatchObject({ source: "auto", policy: { etl: DEFAULT_ETL_POLICY } });
    const c = configFromEnv({ ...env, SOURCE: "federated-etl", ETL_LATE_AFTER: "1h", ETL_STALL_AFTER: "2h", ETL_CLUSTER_OVERRIDES: "big:stall-after=12h" });
    expect(c.source).toBe("federated-etl");
    expect(c.policy.etl).toEqual({ defaults: { lateAfterMs: 3_600_000, stallAfterMs: 7_200_000 }, clusters: { big: { stallAfterMs: 43_200_000 } } });
  });
  it("refuse a source or thresholds that cannot work, naming the variable", () => {
    expect(() => configFromEnv({ ...env, SOURCE: "etl" })).toThrow(/SOURCE/);
    expect(() => configFromEnv({ ...env, ETL_LATE_AFTER: "9h" })).toThrow(/Federated ETL late-after 9h is above stall-after 6h/);
  });
});
