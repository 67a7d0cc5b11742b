import { makeUlid } from "../demo/bucket-objects";
import type { Labels } from "../domain/labels";
import { BLOCK_MS, HOUR, MINUTE, SECOND, type Blocked, type BucketEvent, type Instance, type TrueBlock } from "./model";
import { uploadEvents, type MetaSpec } from "./objects";

export interface ShipOptions {
  /** Prometheus deletes local blocks older than this (data time): Kubecost's bundled Prometheus keeps 97h. */
  localRetentionMs: number;
  /** Nothing happens at or after this moment. */
  horizon: number;
}

export interface ShipResult {
  blocks: TrueBlock[];
  events: BucketEvent[];
  /** Prefixes an interrupted upload left without meta.json; `until` once completed or cleaned up. */
  partials: { ulid: string; since: number; until: number | null }[];
}

/** Prometheus compacts its head into a block once the head spans 1.5 block ranges (tsdb/head.go compactable). */
const HEAD_SPAN_MS = 3 * HOUR;
/** The Thanos shipper syncs every 30 s. */
const SYNC_MS = 30 * SECOND;

function inAny(t: number, spans: readonly [number, number][]): [number, number] | undefined {
  return spans.find(([a, b]) => a <= t && t < b);
}

/**
 * One Prometheus and its sidecar over time: the blocks Prometheus cuts (2h, UTC-aligned, about an
 * hour after their window once the head spans 3h; empty windows are never written), and what the
 * sidecar ships, oldest first, one failed upload blocking every newer one (thanos#7605).
 */
export function shipInstance(inst: Instance, random: () => number, opts: ShipOptions): ShipResult {
  const end = Math.min(inst.end, opts.horizon);
  const promDown = [...inst.promDown].sort((a, b) => a[0] - b[0]);
  const up = (t: number) => t >= inst.start && t < end && !inAny(t, promDown);
  /** First moment >= t at which Prometheus scrapes, or Infinity. */
  const firstUp = (t: number): number => {
    let at = Math.max(t, inst.start);
    for (;;) {
      if (at >= end) return Infinity;
      const down = inAny(at, promDown);
      if (!down) return at;
      at = down[1];
    }
  };
  /** The end of the last moment in [a, b) at which Prometheus scrapes (b when it is up just before b). */
  const lastUpEnd = (a: number, b: number): number => {
    let t = Math.min(b, end);
    for (;;) {
      const down = promDown.find(([d0, d1]) => d0 < t && t <= d1);
      if (!down || down[0] <= a) return t;
      t = down[0];
    }
  };
  const hasSamples = (a: number, b: number) => {
    const first = firstUp(a);
    return first < b && up(first);
  };

  // 1. Blocks cut by Prometheus.
  const cuts: { minTime: number; maxTime: number; cutAt: number }[] = [];
  let headMin = inst.start;
  let lastCut = -Infinity;
  for (;;) {
    const window = Math.floor(headMin / BLOCK_MS) * BLOCK_MS;
    const maxTime = window + BLOCK_MS;
    const at = firstUp(headMin + HEAD_SPAN_MS + 1);
    if (!Number.isFinite(at)) break;
    const cutAt = Math.max(at + 5 * SECOND + Math.floor(random() * 55 * SECOND), lastCut + SECOND);
    if (cutAt >= end) break;
    // A block spans its first sample to its last (+1 ms in Prometheus; the end of the last scrape
    // interval here): a restart at a block's edge shows as a hole between blocks, one inside it does not.
    if (hasSamples(headMin, maxTime)) cuts.push({ minTime: firstUp(headMin), maxTime: lastUpEnd(headMin, maxTime), cutAt });
    lastCut = cutAt;
    headMin = maxTime;
  }

  // 2. What the sidecar ships.
  const blocked: Blocked[] = inst.blocked.map((b) => ({ ...b })).sort((a, b) => a.from - b.from);
  const blockedAt = (t: number) => blocked.find((b) => !b.armed && b.from <= t && t < b.to);
  const labelsAt = (t: number): Labels => {
    let current = inst.labels[0]!.labels;
    for (const l of inst.labels) if (l.from <= t) current = l.labels;
    return current;
  };
  const out: ShipResult = { blocks: [], events: [], partials: [] };
  let free = -Infinity;
  let gone = false;
  for (const c of cuts) {
    const ulid = makeUlid(c.cutAt, random);
    const sizeBytes = Math.round(inst.blockBytes * (0.8 + 0.4 * random()));
    const block: TrueBlock = { ulid, instance: inst.id, minTime: c.minTime, maxTime: c.maxTime, cutAt: c.cutAt, labels: labelsAt(c.cutAt), uploadedAt: null, sizeBytes };
    out.blocks.push(block);
    if (gone) continue;
    let t = Math.max(c.cutAt + Math.floor(random() * SYNC_MS), free);
    let partial: ShipResult["partials"][number] | null = null;
    for (;;) {
      if (t >= end) {
        gone = inst.end <= t;
        break;
      }
      const stop = blockedAt(t);
      if (stop) {
        t = stop.to + Math.floor(random() * SYNC_MS);
        continue;
      }
      // Prometheus's retention removed the block before the sidecar could ship it: lost for good.
      if (t > c.maxTime + opts.localRetentionMs) break;
      let d = 4 * SECOND + Math.round((sizeBytes / 40e6) * 1000);
      if (random() < 0.03) d += 2 * MINUTE + Math.floor(random() * 38 * MINUTE); // throttled, retried parts
      // An upload-denied incident strikes in the middle of the first upload attempted at or after its nominal start.
      const armed = blocked.find((b) => b.armed && b.from < t + d);
      if (armed) {
        const from = t >= armed.from ? t + Math.round(d * 0.8) : armed.from; // after the chunks, before index and meta.json
        armed.to = from + armed.armed!.durationMs;
        armed.from = from;
        if (armed.incident) [armed.incident.start, armed.incident.end] = [armed.from, armed.to];
        delete armed.armed;
      }
      const interrupt = Math.min(
        ...blocked.filter((b) => !b.armed && b.from > t && b.from < t + d).map((b) => b.from),
        inst.end > t && inst.end < t + d ? inst.end : Infinity,
      );
      const meta: MetaSpec = {
        ulid,
        minTime: c.minTime,
        maxTime: c.maxTime,
        labels: labelsAt(t),
        level: 1,
        resolution: 0,
        source: "sidecar",
        sources: [ulid],
        segments: Math.max(1, Math.ceil(sizeBytes / 512e6)),
        sizeBytes,
        uploadTime: null,
      };
      if (Number.isFinite(interrupt)) {
        const landed = uploadEvents(meta, t, t + d, interrupt);
        out.events.push(...landed);
        const cause = blocked.find((b) => b.from === interrupt);
        if (landed.length > 0) {
          if (cause?.cleanup) {
            // Thanos block.upload's cleanUp deletes what it wrote when an upload fails.
            out.events.push(...landed.map((e) => ({ at: interrupt + SECOND, key: e.key, body: null })));
          } else if (!partial) {
            partial = { ulid, since: landed[0]!.at, until: null };
            out.partials.push(partial);
            if (cause?.incident?.kind === "upload-denied") cause.incident.partialBlock ??= ulid;
          }
        }
        t = interrupt;
        continue;
      }
      meta.uploadTime = inst.writesUploadTime ? t + d : null;
      out.events.push(...uploadEvents(meta, t, t + d));
      block.uploadedAt = t + d;
      block.labels = meta.labels;
      if (partial) partial.until = t + d;
      free = t + d;
      break;
    }
  }
  return out;
}
