import { seededRandom } from "../demo/bucket-objects";
import { DAY, type BucketEvent, type Timeline, type TrueBlock } from "./model";
import { runCompactor } from "./compactor";
import { generateFleet, type ScenarioOptions } from "./fleet";
import { shipInstance } from "./prometheus";

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * The whole fleet's bucket history, from the seed: every object written or deleted and when,
 * plus the ground truth (incidents, blocks, partial uploads) the scoring compares against.
 */
export function buildTimeline(s: ScenarioOptions): Timeline {
  const fleet = generateFleet(s);
  const events: BucketEvent[] = [];
  const blocks: TrueBlock[] = [];
  const partials: Timeline["partials"] = [];
  // Instances whose upload-denied incident others follow go first: they fix the incident's real start.
  const order = [...fleet.instances].sort((a, b) => Number(b.blocked.some((x) => x.armed)) - Number(a.blocked.some((x) => x.armed)));
  for (const inst of order) {
    for (const b of inst.blocked) if (b.follow && b.incident && b.incident.end !== null) [b.from, b.to] = [b.incident.start, b.incident.end];
    const shipped = shipInstance(inst, seededRandom(s.seed ^ hash(inst.id)), { localRetentionMs: s.localRetentionMs, horizon: fleet.to });
    events.push(...shipped.events);
    blocks.push(...shipped.blocks);
    partials.push(...shipped.partials);
  }
  events.sort((a, b) => a.at - b.at);

  const compactor = runCompactor(events, new Map(blocks.map((b) => [b.ulid, b])), seededRandom(s.seed ^ 0x5eed), {
    start: fleet.historyFrom + 6 * 3_600_000,
    horizon: fleet.to,
    intervalMs: s.compactorIntervalMs,
    consistencyDelayMs: 30 * 60_000,
    deleteDelayMs: 2 * DAY,
    partialAgeMs: 2 * DAY,
    retention: { raw: s.rawRetentionMs, fiveMinutes: 0, oneHour: 0 },
    downsample: true,
    operator: fleet.operator,
    down: (s.compactorDown ?? []).map(([a, b]): [number, number] => [s.from + a, s.from + b]),
  });
  for (const p of partials) {
    const cleaned = compactor.partialsCleaned.get(p.ulid);
    if (cleaned !== undefined && (p.until === null || cleaned < p.until)) p.until = cleaned;
  }

  // Kubecost and old Thanos versions leave names at the top level that are not blocks.
  const junk: BucketEvent[] = [{ at: fleet.historyFrom, key: `debug/metas/${blocks[0]?.ulid ?? "x"}.json`, body: "{}" }];
  for (let day = fleet.historyFrom; day < fleet.to; day += DAY) {
    const date = new Date(day).toISOString().slice(0, 10);
    junk.push({ at: day + 600_000, key: `etl/bingen/daily/${date}.json`, body: "{}" }, { at: day + 660_000, key: `federated/${date}/cluster-one.json`, body: "{}" });
  }

  const all = [...events, ...compactor.events, ...junk].filter((e) => e.at < fleet.to).sort((a, b) => a.at - b.at);
  const incidents = fleet.incidents.sort((a, b) => a.start - b.start || (a.cluster < b.cluster ? -1 : 1));
  incidents.forEach((inc, i) => (inc.id = `I${String(i + 1).padStart(2, "0")}`));
  return {
    events: all,
    instances: fleet.instances,
    incidents,
    blocks,
    compacted: compactor.compacted,
    partials,
    compactorHalts: compactor.halts,
    historyFrom: fleet.historyFrom,
    from: s.from,
    to: fleet.to,
  };
}
