import type { Labels } from "../domain/labels";
import { makeUlid, type BlockSpec } from "./bucket-objects";

export const HOUR = 3_600_000;
export const BLOCK_MS = 2 * HOUR;
/** Prometheus cuts the block [t, t+2h) once its head spans 3h: about an hour after its end. */
export const CUT_DELAY_MS = HOUR;
/** Thanos deletes blocks marked for deletion after this delay. */
export const DELETE_DELAY_MS = 48 * HOUR;

export interface SidecarStream {
  labels: Labels;
  /** First data (ms); aligned down to a 2h boundary. */
  from: number;
  /** The sidecar uploads nothing cut after this moment (a stall). */
  stopAt?: number;
  /** Data time shift of the 2h windows (ms): promtool-made blocks are not aligned. */
  offsetMs?: number;
}

/** The 2h blocks one Prometheus + sidecar ships between `from` and `now`. */
export function sidecarBlocks(stream: SidecarStream, now: number, random: () => number): BlockSpec[] {
  const blocks: BlockSpec[] = [];
  const offset = stream.offsetMs ?? 0;
  const end = Math.min(now, stream.stopAt ?? Infinity);
  for (let t = Math.floor(stream.from / BLOCK_MS) * BLOCK_MS + offset; ; t += BLOCK_MS) {
    const cut = t + BLOCK_MS + CUT_DELAY_MS + Math.floor(random() * 60_000);
    const upload = cut + 20_000 + Math.floor(random() * 20_000);
    if (upload > end) break;
    blocks.push({ ulid: makeUlid(cut, random), minTime: t, maxTime: t + BLOCK_MS, labels: stream.labels, uploadTime: upload });
  }
  return blocks;
}

/**
 * What the compactor does to one stream's 2h blocks: every complete 8h window that ended more than
 * `delayMs` ago becomes a level-2 block (a new ULID), its sources marked for deletion and removed
 * after 48h. The newest block is never compacted.
 */
export function compactStream(blocks: BlockSpec[], now: number, random: () => number, delayMs = 4 * HOUR): BlockSpec[] {
  const window = 4 * BLOCK_MS;
  const groups = new Map<number, BlockSpec[]>();
  const newest = Math.max(...blocks.map((b) => b.maxTime));
  for (const b of blocks) {
    const w = Math.floor(b.minTime / window) * window;
    groups.set(w, [...(groups.get(w) ?? []), b]);
  }
  const out: BlockSpec[] = [];
  for (const [w, members] of groups) {
    const compactAt = w + window + delayMs + Math.floor(random() * 600_000);
    const complete = members.length === 4 && !members.some((m) => m.maxTime === newest);
    if (!complete || compactAt > now) {
      out.push(...members);
      continue;
    }
    out.push(compactedBlock(members, compactAt, random));
    // Sources still inside the delete delay stay, marked; older ones are gone.
    if (now - compactAt < DELETE_DELAY_MS) for (const m of members) out.push({ ...m, deletedAt: compactAt + 6_000 });
  }
  return out;
}

/** The level-2 block the compactor writes at `compactAt` from `members` (new ULID, their labels and range). */
export function compactedBlock(members: readonly BlockSpec[], compactAt: number, random: () => number): BlockSpec {
  return {
    ulid: makeUlid(compactAt, random),
    minTime: Math.min(...members.map((m) => m.minTime)),
    maxTime: Math.max(...members.map((m) => m.maxTime)),
    labels: members[0]!.labels,
    source: "compactor",
    level: 2,
    sources: members.map((m) => m.ulid),
    uploadTime: compactAt + 5_000,
    chunkBytes: 256,
  };
}
