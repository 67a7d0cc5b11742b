import { DEFAULT_COST_INPUTS, estimateWithSaving, scheduleMinutes, type CostInputs } from "../../cost/model";
import { PRICES_AS_OF } from "../../cost/prices";
import { costTableMarkdown, renderCost } from "../../cost/render";
import { commandArgs, outputFlag } from "../command-args";
import { UsageError } from "../usage-error";

export const COST_USAGE = `Usage: blockwatch cost --clusters N [options]

Estimates blockwatch's monthly AWS cost (Lambda, S3 requests, CloudWatch metrics, API calls,
dashboard, alarms, logs, SNS) from its request model and AWS list prices (lib/cost/prices.ts).

Options:
  --clusters N[,N...]             Thanos clusters watched; several (10,100,1000) print one table row each
  --etl-clusters N                Kubecost 2.x Federated ETL clusters besides them (default 0; a cluster in both counts in both)
  --schedule RATE                 rate(2 hours) (default), rate(30 minutes), or a duration: 1h
  --per-cluster-metrics BOOL      false (default) or true: 5 CloudWatch metrics per cluster
  --board-views N                 views (and auto-refreshes) of the dashboard's board a month (default ${DEFAULT_COST_INPUTS.boardViewsPerMonth})
  --memory MB                     Lambda memory (default ${DEFAULT_COST_INPUTS.memoryMb})
  --streams-per-cluster X         label sets per cluster, 2 for HA pairs (default ${DEFAULT_COST_INPUTS.streamsPerCluster})
  --alerts-per-month N            notifications published a month (default ${DEFAULT_COST_INPUTS.alertsPerMonth})
  --free-tier                     count the account's always-free allowances (default: used elsewhere)
  --output table|json|markdown    (default table)`;

export async function cost(args: string[]): Promise<number> {
  const values = commandArgs(
    args,
    {
      clusters: { type: "string" },
      "etl-clusters": { type: "string" },
      schedule: { type: "string" },
      "per-cluster-metrics": { type: "string" },
      memory: { type: "string" },
      "streams-per-cluster": { type: "string" },
      "alerts-per-month": { type: "string" },
      "board-views": { type: "string" },
      "free-tier": { type: "boolean" },
      output: { type: "string" },
    },
    COST_USAGE,
  );
  if (values === null) return 0;
  if (values.clusters === undefined) throw new UsageError("--clusters is required");
  const sizes = values.clusters.split(",").map((s) => Number(s.trim()));
  if (sizes.length === 0 || sizes.some((n) => !Number.isInteger(n) || n < 0)) throw new UsageError("--clusters must be whole numbers, comma-separated");
  const output = outputFlag(values.output, ["table", "json", "markdown"]);

  const number = (name: string, v: string | undefined, min: number) => {
    if (v === undefined) return undefined;
    const x = Number(v);
    if (!Number.isFinite(x) || x < min) throw new UsageError(`--${name} must be a number of at least ${min}`);
    return x;
  };
  const inputs: Partial<CostInputs> = {};
  if (values.schedule !== undefined) {
    try {
      inputs.scheduleMinutes = scheduleMinutes(values.schedule);
    } catch (err) {
      throw new UsageError(`--schedule: ${(err as Error).message}`);
    }
  }
  const pcm = values["per-cluster-metrics"];
  if (pcm !== undefined) {
    if (pcm !== "true" && pcm !== "false") throw new UsageError("--per-cluster-metrics must be true or false");
    inputs.perClusterMetrics = pcm === "true";
  }
  const memory = number("memory", values.memory, 128);
  if (memory !== undefined) {
    if (!Number.isInteger(memory) || memory > 10_240) throw new UsageError("--memory must be a whole number of MB from 128 to 10240");
    inputs.memoryMb = memory;
  }
  const streams = number("streams-per-cluster", values["streams-per-cluster"], 1);
  if (streams !== undefined) inputs.streamsPerCluster = streams;
  const alerts = number("alerts-per-month", values["alerts-per-month"], 0);
  if (alerts !== undefined) inputs.alertsPerMonth = alerts;
  const etl = number("etl-clusters", values["etl-clusters"], 0);
  if (etl !== undefined) {
    if (!Number.isInteger(etl)) throw new UsageError("--etl-clusters must be a whole number of at least 0");
    inputs.etlClusters = etl;
  }
  const views = number("board-views", values["board-views"], 0);
  if (views !== undefined) inputs.boardViewsPerMonth = views;
  if (values["free-tier"]) inputs.freeTier = true;

  if (output === "json") {
    const out = sizes.map((clusters) => {
      const r = estimateWithSaving({ ...inputs, clusters });
      return {
        ...r.estimate,
        pricesAsOf: PRICES_AS_OF,
        perClusterMetricsOff: { totalUsd: r.withoutPerClusterMetrics, savingUsd: r.saving },
      };
    });
    process.stdout.write(JSON.stringify(sizes.length === 1 ? out[0] : out, null, 2) + "\n");
    return 0;
  }
  if (output === "markdown" || sizes.length > 1) {
    process.stdout.write(costTableMarkdown(sizes, inputs) + "\n");
    return 0;
  }
  const r = estimateWithSaving({ ...inputs, clusters: sizes[0]! });
  process.stdout.write(renderCost(r.estimate, r) + "\n");
  return 0;
}
