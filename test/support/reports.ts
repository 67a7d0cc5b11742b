// Hand-built verdicts and reports for tests of what consumes a Report (metrics, alerts).
import type { ClusterVerdict, Report } from "../../lib/health/report";

export function verdict(cluster: string, over: Partial<ClusterVerdict> = {}): ClusterVerdict {
  return {
    cluster,
    status: "ok",
    dataLagSeconds: 3600,
    newestMaxTime: "2025-03-01T11:00:00.000Z",
    lastUploadAt: "2025-03-01T11:30:00.000Z",
    newestBlock: "01JNAAAAAAAAAAAAAAAAAAAAAA",
    since: "2025-02-28T00:00:00.000Z",
    blocksUploaded: 2,
    bytesUploaded: 1_000_000,
    streams: [],
    ...over,
  };
}

export function report(clusters: ClusterVerdict[], over: Partial<Report> = {}): Report {
  return {
    now: "2025-03-01T12:00:00.000Z",
    complete: true,
    clusters,
    partialBlocks: [],
    corruptBlocks: [],
    unlabeledBlocks: [],
    overlaps: [],
    newClusters: [],
    stats: { prefixesListed: 10, metaRead: 5, listRequests: 1, getRequests: 5, durationMs: 1234 },
    ...over,
  };
}
