// Builders for the health rules' table tests: observed blocks, observations, one judgement.
import { ulidFloor } from "../../lib/domain/ulid";
import { makeUlid, seededRandom } from "../../lib/demo/bucket-objects";
import { evaluate, type ObservedBlock, type Observation } from "../../lib/health/evaluate";
import { DEFAULT_POLICY, type Policy } from "../../lib/policy/policy";
import { emptyState, type State } from "../../lib/state/state";

export const H = 3_600_000;
export const M = 60_000;
export const NOW = Date.parse("2025-11-03T14:00:00Z");
export const random = seededRandom(1);

export function block(p: Partial<ObservedBlock> & { maxTime: number }): ObservedBlock {
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

export function observe(blocks: ObservedBlock[], extra: Partial<Observation> = {}): Observation {
  return {
    cursor: blocks.length ? blocks.map((b) => b.ulid).sort().at(-1)! : ulidFloor(NOW),
    complete: true,
    seen: "",
    blocks,
    corrupt: [],
    pending: [],
    forgotten: [],
    stats: { prefixesListed: 0, metaRead: 0, listRequests: 0, getRequests: 0, durationMs: 0 },
    ...extra,
  };
}

export function judge(blocks: ObservedBlock[], opts: { policy?: Partial<Policy>; prev?: State; extra?: Partial<Observation>; now?: number } = {}) {
  return evaluate(opts.prev ?? emptyState(), observe(blocks, opts.extra), opts.now ?? NOW, { ...DEFAULT_POLICY, ...opts.policy });
}
