import { makeUlid } from "../demo/bucket-objects";
import { streamKey, type Labels } from "../domain/labels";
import { isUlid, ulidTime } from "../domain/ulid";
import { DAY, HOUR, MINUTE, SECOND, type BucketEvent, type CompactedBlock, type TrueBlock } from "./model";
import { deleteEvents, deletionMarkEvent, uploadEvents, type MetaSpec } from "./objects";

export interface CompactorOptions {
  start: number;
  horizon: number;
  /** Pause between iterations (thanos compact --wait-interval). */
  intervalMs: number;
  /** Blocks younger than this (ULID time) are not seen yet (--consistency-delay, default 30m). */
  consistencyDelayMs: number;
  /** Marked blocks are deleted after this (--delete-delay, default 48h). */
  deleteDelayMs: number;
  /** Prefixes without meta.json older than this (ULID time) are aborted uploads, deleted (PartialUploadThresholdAge). */
  partialAgeMs: number;
  /** --retention.resolution-raw / -5m / -1h; 0 keeps forever. */
  retention: { raw: number; fiveMinutes: number; oneHour: number };
  downsample: boolean;
  /**
   * Operators fixing a duplicate cluster_id: at `at` they mark the second cluster's blocks under the
   * shared labels for deletion (thanos tools bucket mark) and restart the halted compactor at `restartAt`.
   */
  operator: { at: number; instance: string; labels: Labels; restartAt: number }[];
  /** The compactor not running at all between these times (recorded as halts). */
  down?: [number, number][];
}

export interface CompactorResult {
  events: BucketEvent[];
  compacted: CompactedBlock[];
  halts: [number, number | null][];
  /** Aborted uploads the compactor deleted, and when. */
  partialsCleaned: Map<string, number>;
}

/** Compaction ranges after the 2h blocks (Thanos default: 2h, 8h, 2d, 14d). */
const RANGES = [8 * HOUR, 2 * DAY, 14 * DAY];
/** Thanos downsamples raw blocks spanning 40h to 5m, 5m blocks spanning 10d to 1h (pkg/compact/downsample). */
const DOWNSAMPLE = [
  { from: 0, to: 300_000, minSpan: 40 * HOUR },
  { from: 300_000, to: 3_600_000, minSpan: 10 * DAY },
];

interface Info {
  labels: Labels;
  minTime: number;
  maxTime: number;
  level: number;
  resolution: number;
  sources: string[];
  parents: CompactedBlock["parents"];
  sizeBytes: number;
  byCompactor: boolean;
  instance: string | null;
  group: string;
}

interface Node {
  ulid: string;
  info: Info | null;
  objects: Set<string>;
  hasMeta: boolean;
  markedAt: number | null;
}

/**
 * The Thanos compactor over the bucket's history: leveled compaction (the Prometheus planner: the
 * newest block of a group is never compacted), deletion marks on sources and deletion after the
 * delete delay, downsampling, retention, cleaning of aborted partial uploads, and the halt on
 * overlapping blocks ("pre compaction overlap check"), which stops everything until restarted.
 */
export function runCompactor(sidecarEvents: readonly BucketEvent[], level1: ReadonlyMap<string, TrueBlock>, random: () => number, opts: CompactorOptions): CompactorResult {
  const nodes = new Map<string, Node>();
  const groups = new Map<string, Map<string, Node>>();
  const made = new Map<string, Info>();
  const partials = new Set<string>();
  const marked = new Set<string>();
  const out: CompactorResult = { events: [], compacted: [], halts: [], partialsCleaned: new Map() };
  const covered = new Map<number, Set<string>>(DOWNSAMPLE.map((d) => [d.to, new Set<string>()]));

  const infoOf = (ulid: string): Info | null => {
    const m = made.get(ulid);
    if (m) return m;
    const b = level1.get(ulid);
    if (!b) return null;
    return {
      labels: b.labels,
      minTime: b.minTime,
      maxTime: b.maxTime,
      level: 1,
      resolution: 0,
      sources: [ulid],
      parents: [],
      sizeBytes: b.sizeBytes,
      byCompactor: false,
      instance: b.instance,
      group: `${streamKey(b.labels)}@0`,
    };
  };
  const refresh = (n: Node) => {
    const live = n.hasMeta && n.markedAt === null && n.info !== null;
    if (n.info) {
      const g = groups.get(n.info.group) ?? new Map<string, Node>();
      groups.set(n.info.group, g);
      if (live) g.set(n.ulid, n);
      else g.delete(n.ulid);
    }
    if (n.objects.size > 0 && !n.hasMeta && n.markedAt === null) partials.add(n.ulid);
    else partials.delete(n.ulid);
    if (n.markedAt !== null) marked.add(n.ulid);
    else marked.delete(n.ulid);
    if (n.objects.size === 0) nodes.delete(n.ulid);
  };
  const apply = (e: BucketEvent) => {
    const ulid = e.key.slice(0, 26);
    if (e.key[26] !== "/" || !isUlid(ulid)) return;
    const path = e.key.slice(27);
    let n = nodes.get(ulid);
    if (!n) {
      if (e.body === null) return;
      n = { ulid, info: null, objects: new Set(), hasMeta: false, markedAt: null };
      nodes.set(ulid, n);
    }
    if (e.body !== null) {
      n.objects.add(path);
      if (path === "meta.json") {
        n.hasMeta = true;
        n.info = infoOf(ulid);
      }
      if (path === "deletion-mark.json") n.markedAt = e.at;
    } else {
      n.objects.delete(path);
      if (path === "meta.json") n.hasMeta = false;
      if (path === "deletion-mark.json") n.markedAt = null;
    }
    refresh(n);
  };
  const emit = (events: BucketEvent[]) => {
    for (const e of events) {
      out.events.push(e);
      apply(e);
    }
  };

  const writeBlock = (spec: Omit<MetaSpec, "ulid" | "source" | "segments" | "uploadTime">, at: number): { ulid: string; done: number } => {
    const ulid = makeUlid(at, random);
    const duration = 20 * SECOND + Math.round((spec.sizeBytes / 100e6) * 1000);
    const meta: MetaSpec = { ...spec, ulid, source: "compactor", segments: Math.max(1, Math.ceil(spec.sizeBytes / 512e6)), uploadTime: at + duration };
    made.set(ulid, {
      labels: spec.labels,
      minTime: spec.minTime,
      maxTime: spec.maxTime,
      level: spec.level,
      resolution: spec.resolution,
      sources: spec.sources,
      parents: spec.parents ?? [],
      sizeBytes: spec.sizeBytes,
      byCompactor: true,
      instance: null,
      group: `${streamKey(spec.labels)}@${spec.resolution}`,
    });
    out.compacted.push({ ulid, labels: spec.labels, minTime: spec.minTime, maxTime: spec.maxTime, level: spec.level, resolution: spec.resolution, sources: spec.sources, parents: spec.parents ?? [], createdAt: at });
    emit(uploadEvents(meta, at, at + duration));
    return { ulid, done: at + duration };
  };

  /** The Prometheus leveled planner (tsdb/compact.go plan/selectDirs), or "overlap" when the group must halt. */
  const plan = (g: Map<string, Node>, t: number): Node[] | "overlap" | null => {
    const metas = [...g.values()]
      .filter((n) => n.info!.byCompactor || ulidTime(n.ulid) <= t - opts.consistencyDelayMs)
      .sort((a, b) => a.info!.minTime - b.info!.minTime || (a.ulid < b.ulid ? -1 : 1));
    let maxSeen = -Infinity;
    for (const n of metas) {
      if (n.info!.minTime < maxSeen) {
        return "overlap";
      }
      maxSeen = Math.max(maxSeen, n.info!.maxTime);
    }
    if (metas.length < 2) return null;
    const dms = metas.slice(0, -1); // never the newest block
    const highTime = dms[dms.length - 1]!.info!.minTime;
    for (const range of RANGES) {
      for (let i = 0; i < dms.length; ) {
        const t0 = range * Math.floor(dms[i]!.info!.minTime / range);
        if (dms[i]!.info!.maxTime > t0 + range) {
          i++;
          continue;
        }
        const part: Node[] = [];
        for (; i < dms.length && dms[i]!.info!.maxTime <= t0 + range; i++) part.push(dms[i]!);
        const mint = part[0]!.info!.minTime;
        const maxt = part[part.length - 1]!.info!.maxTime;
        if (part.length > 1 && (maxt - mint === range || maxt <= highTime)) return part;
      }
    }
    return null;
  };

  let ptr = 0;
  const ops = [...opts.operator].sort((a, b) => a.at - b.at);
  let opPtr = 0;
  let halted = false;
  let restartAt = Infinity;
  let down = false;
  for (let t = opts.start; t < opts.horizon; ) {
    while (ptr < sidecarEvents.length && sidecarEvents[ptr]!.at <= t) apply(sidecarEvents[ptr++]!);
    const isDown = (opts.down ?? []).some(([a, b]) => t >= a && t < b);
    if (isDown !== down && !halted) {
      if (isDown) out.halts.push([t, null]);
      else out.halts[out.halts.length - 1]![1] = t;
      down = isDown;
    }
    if (isDown) {
      t += opts.intervalMs;
      continue;
    }
    while (opPtr < ops.length && ops[opPtr]!.at <= t) {
      const op = ops[opPtr++]!;
      const key = `${streamKey(op.labels)}@0`;
      const victims = [...(groups.get(key)?.values() ?? [])].filter((n) => n.info!.instance === op.instance);
      emit(victims.map((n) => deletionMarkEvent(n.ulid, op.at + 10 * SECOND)));
      restartAt = Math.min(restartAt, op.restartAt);
    }
    if (halted && restartAt <= t) {
      halted = false;
      restartAt = Infinity;
      out.halts[out.halts.length - 1]![1] = t;
    }
    if (halted) {
      t += opts.intervalMs;
      continue;
    }
    let tc = t + 10 * SECOND + Math.floor(random() * 50 * SECOND);
    // Compaction, group after group, until no group has a plan.
    for (const key of [...groups.keys()].sort()) {
      const g = groups.get(key)!;
      for (;;) {
        const p = plan(g, t);
        if (p === "overlap") {
          halted = true;
          out.halts.push([tc, null]);
          break;
        }
        if (!p) break;
        const infos = p.map((n) => n.info!);
        const w = writeBlock(
          {
            minTime: Math.min(...infos.map((i) => i.minTime)),
            maxTime: Math.max(...infos.map((i) => i.maxTime)),
            labels: infos[0]!.labels,
            level: Math.max(...infos.map((i) => i.level)) + 1,
            resolution: infos[0]!.resolution,
            sources: [...new Set(infos.flatMap((i) => i.sources))].sort(),
            sizeBytes: Math.round(infos.reduce((s, i) => s + i.sizeBytes, 0) * 0.9),
            parents: p.map((n) => ({ ulid: n.ulid, minTime: n.info!.minTime, maxTime: n.info!.maxTime })),
          },
          tc,
        );
        emit(p.map((n) => deletionMarkEvent(n.ulid, w.done + SECOND)));
        tc = w.done + 2 * SECOND;
      }
      if (halted) break;
    }
    if (!halted) {
      if (opts.downsample) {
        for (const d of DOWNSAMPLE) {
          for (const key of [...groups.keys()].filter((k) => k.endsWith(`@${d.from}`)).sort()) {
            for (const n of [...groups.get(key)!.values()]) {
              const i = n.info!;
              const done = covered.get(d.to)!;
              // Thanos downsamples a block when any of its sources is missing at the lower resolution, which can
              // overlap existing downsampled blocks; the simulator only downsamples blocks none of whose sources are.
              if (i.maxTime - i.minTime < d.minSpan || i.sources.some((s) => done.has(s))) continue;
              const w = writeBlock({ minTime: i.minTime, maxTime: i.maxTime, labels: i.labels, level: i.level, resolution: d.to, sources: i.sources, parents: i.parents, sizeBytes: Math.round(i.sizeBytes / 8) }, tc);
              for (const s of i.sources) done.add(s);
              tc = w.done + 2 * SECOND;
            }
          }
        }
      }
      // Retention by resolution: marked now, deleted after the delete delay.
      const keep: Record<number, number> = { 0: opts.retention.raw, 300000: opts.retention.fiveMinutes, 3600000: opts.retention.oneHour };
      for (const g of groups.values()) {
        for (const n of [...g.values()]) {
          const k = keep[n.info!.resolution] ?? 0;
          if (k > 0 && n.info!.maxTime < t - k) emit([deletionMarkEvent(n.ulid, tc)]);
        }
      }
      // The cleaner: marked blocks past the delete delay, and aborted partial uploads.
      for (const ulid of [...marked]) {
        const n = nodes.get(ulid);
        if (n && n.markedAt !== null && n.markedAt <= t - opts.deleteDelayMs) emit(deleteEvents(ulid, [...n.objects], tc));
      }
      for (const ulid of [...partials]) {
        const n = nodes.get(ulid);
        if (n && ulidTime(ulid) < t - opts.partialAgeMs) {
          emit([...n.objects].map((p) => ({ at: tc, key: `${ulid}/${p}`, body: null })));
          out.partialsCleaned.set(ulid, tc);
        }
      }
    }
    t = Math.max(t + opts.intervalMs, tc + 5 * MINUTE);
  }
  return out;
}
