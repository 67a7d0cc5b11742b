// A worker thread of the fault suite: its own local servers (World), scenarios run one at a time.
// The suite runs one of these per core (up to 4): the SDK's per-request CPU is the bottleneck.
import { parentPort, workerData } from "node:worker_threads";
import type { SuiteOptions } from "./harness";
import { runScenario } from "./runner";
import { SCENARIOS } from "./scenarios/index";
import { World } from "./world";

const suite = workerData as SuiteOptions;
const port = parentPort!;
const world = await World.start();

port.on("message", (msg: { run: string } | { stop: true }) => {
  void (async () => {
    if ("stop" in msg) {
      await world.stop();
      port.postMessage({ stopped: true });
      return;
    }
    const entry = SCENARIOS.find((e) => e.scenario.name === msg.run)!;
    port.postMessage({ result: await runScenario(world, entry.scenario, suite) });
  })();
});
port.postMessage({ ready: true });
