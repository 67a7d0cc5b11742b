import { isShippedBySidecar } from "../../domain/block";
import { thresholdsFor } from "../../policy/policy";
import type { ClusterState, StreamState, TopBlock } from "../../state/state";
import { missingVerdict, type ClusterVerdict, type StreamVerdict } from "../report";
import { cmpText, iso, keepAll, seconds, type Rule } from "../rule";
import { STATUS_ORDER, statusForLag, type ClusterStatus } from "../status";
import { carriedRanges } from "./overlaps";

interface Draft {
  /** Sidecar/receive blocks read this run per cluster, and their size. */
  uploaded: Map<string, { blocks: number; bytes: number }>;
}

/**
 * Freshness (DOMAIN.md section 4): a cluster's data lag is that of its freshest stream; a stream's
 * freshness is the newest maxTime of its resolution-0 blocks (only downsampled ones: theirs), and
 * its last upload the newest sidecar/receive upload. Keeps per stream the Pareto set of blocks
 * that may still decide either (`tops`); reports every cluster's verdict, `missing` included.
 */
export const freshness: Rule<Draft> = {
  id: "freshness",

  carryStream(s, run) {
    let tops = keepAll(s.tops, (t) => run.keep(t[0]));
    if (s.tops.some((t) => run.forgotten.has(t[0]))) {
      // A top block was deleted (a duplicate cleaned up): the blocks it beat are gone from the tops,
      // so the remembered level-1 ranges are brought back as evidence of the stream's freshness.
      const ranges = carriedRanges(s, run);
      const have = new Set(tops.map((t) => t[0]));
      tops = paretoTops([...tops, ...ranges.filter((r) => !have.has(r[0])).map((r): TopBlock => [r[0], r[2], 0, null])]);
    }
    return tops === s.tops ? null : { tops };
  },

  carry: () => ({ uploaded: new Map() }),

  fold(draft, item) {
    if (item.kind !== "stream") return;
    const { block: b, stream: s } = item;
    if (!s.tops.some((t) => t[0] === b.ulid)) s.tops.push([b.ulid, b.maxTime, b.resolution, isShippedBySidecar(b) ? b.uploadTime : null]);
    if (isShippedBySidecar(b) && !b.known) {
      const u = draft.uploaded.get(s.cluster) ?? { blocks: 0, bytes: 0 };
      u.blocks += 1;
      u.bytes += b.sizeBytes ?? 0;
      draft.uploaded.set(s.cluster, u);
    }
  },

  report(draft, run, out) {
    const { now, policy, prev } = run;
    for (const key of run.touched) run.streams[key]!.tops = paretoTops(run.streams[key]!.tops);

    const groups = new Map<string, StreamState[]>();
    for (const s of Object.values(run.streams)) groups.set(s.cluster, [...(groups.get(s.cluster) ?? []), s]);
    const clusters: Record<string, ClusterState> = Object.create(null);
    const verdicts: ClusterVerdict[] = [];
    const sinceFor = (name: string, status: ClusterStatus, derived: number) => {
      const before = Object.hasOwn(prev.clusters, name) ? prev.clusters[name] : undefined;
      return before && before.status === status ? before.since : derived;
    };

    for (const [name, members] of groups) {
      const t = thresholdsFor(policy, name);
      let best: { s: StreamState; fresh: number; block: string | null } | null = null;
      const streamVerdicts: StreamVerdict[] = [];
      for (const s of members) {
        // Raw data decides; a stream with only downsampled blocks uses theirs.
        const raw = s.tops.filter((t) => t[2] === 0);
        const top = newestBy(raw.length > 0 ? raw : s.tops, (t) => t[1]);
        const [block, fresh] = [top[0], top[1]];
        streamVerdicts.push({ labels: s.labels, status: statusForLag(now - fresh, t), dataLagSeconds: seconds(now - fresh) });
        if (best === null || fresh > best.fresh) best = { s, fresh, block };
      }
      const fresh = best!.fresh;
      const status = statusForLag(now - fresh, t);
      const crossed = status === "stalled" ? fresh + t.stallAfterMs : status === "late" ? fresh + t.lateAfterMs : now;
      const since = sinceFor(name, status, crossed);
      const uploads = members.map(newestUpload).filter((x): x is number => x !== null);
      clusters[name] = { status, since };
      verdicts.push({
        cluster: name,
        status,
        dataLagSeconds: seconds(now - fresh),
        newestMaxTime: iso(fresh),
        lastUploadAt: uploads.length > 0 ? iso(Math.max(...uploads)) : null,
        newestBlock: best!.block,
        since: iso(since),
        blocksUploaded: draft.uploaded.get(name)?.blocks ?? 0,
        bytesUploaded: draft.uploaded.get(name)?.bytes ?? 0,
        streams: streamVerdicts.sort((a, b) => b.dataLagSeconds - a.dataLagSeconds || cmpText(JSON.stringify(a.labels), JSON.stringify(b.labels))),
      });
    }
    for (const name of policy.expectedClusters) {
      if (groups.has(name)) continue;
      const since = sinceFor(name, "missing", now);
      clusters[name] = { status: "missing", since };
      verdicts.push(missingVerdict(name, since));
    }
    verdicts.sort(
      (a, b) =>
        STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) ||
        (b.dataLagSeconds ?? 0) - (a.dataLagSeconds ?? 0) ||
        cmpText(a.cluster, b.cluster),
    );
    out.state.clusters = clusters;
    out.report.clusters = verdicts;
    out.verdicts = verdicts;
  },
};

/** The entry with the greatest value, the newest ULID on a tie. */
/** The stream's latest sidecar/receive upload (ms), or null: compactor blocks carry none. */
export function newestUpload(s: Pick<StreamState, "tops">): number | null {
  let newest: number | null = null;
  for (const t of s.tops) if (t[3] !== null && (newest === null || t[3] > newest)) newest = t[3];
  return newest;
}

function newestBy<T extends TopBlock>(entries: readonly T[], value: (t: T) => number): T {
  return entries.reduce((best, t) => (value(t) > value(best) || (value(t) === value(best) && t[0] > best[0]) ? t : best));
}

/**
 * Keeps the blocks that could still be a stream's freshest (raw or downsampled) or latest upload
 * for some part of the lookback: walking from the newest ULID back, a block stays only if it beats
 * every newer one. A healthy stream keeps one block; a stalled one behind compactor blocks, two.
 */
export function paretoTops(tops: readonly TopBlock[]): TopBlock[] {
  const byNewest = [...tops].sort((a, b) => (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0));
  const kept = new Set<TopBlock>();
  const frontier = (members: TopBlock[], value: (t: TopBlock) => number) => {
    let best = -Infinity;
    for (const t of members) {
      if (value(t) > best) {
        kept.add(t);
        best = value(t);
      }
    }
  };
  frontier(byNewest.filter((t) => t[2] === 0), (t) => t[1]);
  frontier(byNewest.filter((t) => t[2] !== 0), (t) => t[1]);
  frontier(byNewest.filter((t) => t[3] !== null), (t) => t[3]!);
  return byNewest.filter((t) => kept.has(t));
}
