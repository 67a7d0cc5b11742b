import type { Policy } from "../policy/policy";
import type { FleetProblem } from "../alerts/silences";
import { EMPTY_FLEET, FleetConfigError, parseFleetConfig, type FleetConfig } from "./fleet-config";
import { mergeFleetPolicy } from "./merge";

/** Where a run reads the fleet config: one GET. `load` gives null when the object does not exist. */
export interface FleetSource {
  /** s3://bucket/key or a path, for messages. */
  name: string;
  load(): Promise<string | null>;
}

export interface FleetRead {
  config: FleetConfig;
  /** The deployment's policy merged with the config (the deployment's alone on a problem). */
  policy: Policy;
  /** Why the object could not be used this run, or null. */
  problem: FleetProblem | null;
  /** Per-cluster settings where the object overrode the deployment's. */
  conflicts: string[];
}

/**
 * A run never fails on the fleet config, and never drops an alert because of it: an object that
 * cannot be read, parsed or merged leaves the run judging with the deployment's settings, no
 * silence applied (a withheld page is worse than a page during maintenance), and a warning
 * (decommissions already announced stay in force: lib/alerts/silences.ts fallbackFleet).
 * No object at all is a fleet configured by deployment params alone.
 */
export async function readFleetConfig(source: FleetSource | null, base: Policy, now: number): Promise<FleetRead> {
  const unusable = (reason: string): FleetRead => ({
    config: EMPTY_FLEET,
    policy: base,
    problem: { object: source!.name, reason },
    conflicts: [],
  });
  if (source === null) return { config: EMPTY_FLEET, policy: base, problem: null, conflicts: [] };
  let text: string | null;
  try {
    text = await source.load();
  } catch (err) {
    const e = err as Error;
    return unusable(`cannot be read (${e.name}: ${String(e.message).slice(0, 200)}): the role needs s3:GetObject on it`);
  }
  if (text === null) return { config: EMPTY_FLEET, policy: base, problem: null, conflicts: [] };
  try {
    const config = parseFleetConfig(text, source.name);
    const { policy, conflicts } = mergeFleetPolicy(base, config, now);
    return { config, policy, problem: null, conflicts };
  } catch (err) {
    return unusable(err instanceof FleetConfigError ? err.reason : (err as Error).message);
  }
}
