import type { Scenario } from "../harness";
import { timeBudget } from "./budget";
import { concurrentRuns } from "./concurrency";
import { s3HungEndpoint } from "./endpoint";
import { fuzzPure, fuzzServers } from "./fuzz";
import { cloudwatchFailing, snsFailing } from "./outputs";
import { s3AccessErrors, s3Brownout, s3HungConnection, s3TransientFaults, s3Unreadable } from "./s3";
import { emptyAndJunk, tenThousandClusters } from "./scale";
import { damagedState } from "./state";

/** Every scenario, in the table's order, with its measured time (seconds, 2 cores) to schedule the longest first. */
export const SCENARIOS: { scenario: Scenario; cost: number }[] = [
  { scenario: s3TransientFaults, cost: 43 },
  { scenario: s3Brownout, cost: 22 },
  { scenario: s3Unreadable, cost: 46 },
  { scenario: s3AccessErrors, cost: 2 },
  { scenario: s3HungConnection, cost: 21 },
  { scenario: s3HungEndpoint, cost: 28 },
  { scenario: cloudwatchFailing, cost: 3 },
  { scenario: snsFailing, cost: 2 },
  { scenario: concurrentRuns, cost: 4 },
  { scenario: timeBudget, cost: 20 },
  { scenario: damagedState, cost: 2 },
  { scenario: fuzzPure, cost: 8 },
  { scenario: fuzzServers, cost: 5 },
  { scenario: emptyAndJunk, cost: 1 },
  { scenario: tenThousandClusters, cost: 15 },
];
