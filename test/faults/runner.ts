// Runs one scenario against a world and turns its bookkeeping into a result row.
import { ScenarioContext, type Scenario, type ScenarioResult, type SuiteOptions } from "./harness";
import type { World } from "./world";

const SCENARIO_TIMEOUT_MS = 120_000;

export async function runScenario(world: World, s: Scenario, suite: SuiteOptions): Promise<ScenarioResult> {
  const ctx = new ScenarioContext(world, suite, s.name);
  const t0 = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      s.run(ctx),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`scenario did not finish within ${SCENARIO_TIMEOUT_MS / 1000} s`)), SCENARIO_TIMEOUT_MS);
      }),
    ]);
  } catch (err) {
    ctx.crash("scenario aborted", err);
  } finally {
    clearTimeout(timer);
    world.thanosProxy.clear();
    world.snsProxy.clear();
    world.thanosProxy.releaseHung();
  }
  return {
    name: s.name,
    claim: s.claim,
    runs: ctx.runs,
    faults: ctx.faults,
    tally: ctx.tally(),
    crashes: ctx.crashes,
    passed: ctx.passed,
    failures: ctx.failures,
    crashNotes: ctx.crashNotes,
    notes: ctx.notes,
    ms: Date.now() - t0,
  };
}
