import { estimateWithSaving, type CostEstimate, type CostInputs } from "./model";
import { PRICES_AS_OF } from "./prices";

const money = (x: number) => (x === 0 ? "$0.00" : x < 0.01 ? "< $0.01" : `$${x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`);

/** The estimate as a terminal table, largest item first. */
export function renderCost(e: CostEstimate, saving: { withoutPerClusterMetrics: number; withPerClusterMetrics: number; saving: number }): string {
  const items = [...e.items].sort((a, b) => b.monthlyUsd - a.monthlyUsd);
  const w = Math.max(...items.map((i) => i.label.length));
  const mw = Math.max(...items.map((i) => money(i.monthlyUsd).length), money(e.totalUsd).length);
  const share = (x: number) => (e.totalUsd > 0 ? `${((100 * x) / e.totalUsd).toFixed(0).padStart(3)}%` : "   –");
  const i = e.inputs;
  const lines = [
    `Monthly AWS cost of blockwatch: ${i.clusters.toLocaleString("en-US")} clusters${i.etlClusters > 0 ? ` and ${i.etlClusters.toLocaleString("en-US")} Federated ETL clusters` : ""}, a run every ${formatMinutes(i.scheduleMinutes)} ` +
      `(${e.runsPerMonth.toLocaleString("en-US", { maximumFractionDigits: 1 })} runs), per-cluster metrics ${i.perClusterMetrics ? "on" : "off"}`,
    "",
    ...items.map((it) => `  ${it.label.padEnd(w)}  ${money(it.monthlyUsd).padStart(mw)}  ${share(it.monthlyUsd)}  ${it.quantity}`),
    `  ${"".padEnd(w, "-")}  ${"".padEnd(mw, "-")}`,
    `  ${"Total".padEnd(w)}  ${money(e.totalUsd).padStart(mw)}`,
    "",
    `Dominant: ${items[0]!.label} (${share(items[0]!.monthlyUsd).trim()} of the total).`,
    i.perClusterMetrics
      ? `Per-cluster metrics off (--per-cluster-metrics false): ${money(saving.withoutPerClusterMetrics)} a month, saving ${money(saving.saving)} ` +
        `(the dashboard's per-cluster widgets and the optional per-cluster alarm then have no data; alerts are unchanged).`
      : `Per-cluster metrics on (--per-cluster-metrics true) would cost ${money(saving.withPerClusterMetrics)} a month (${money(saving.saving)} more), for per-cluster graphs and the optional per-cluster alarm; the board shows every cluster without them.`,
    `Per run: ${e.perRun.listRequests.toLocaleString("en-US")} LIST${e.perRun.etlListRequests > 0 ? ` (${e.perRun.etlListRequests.toLocaleString("en-US")} of them Federated ETL)` : ""} + ${e.perRun.getRequests.toLocaleString("en-US")} GET on the Thanos bucket ` +
      `(${e.perRun.newPrefixes.toLocaleString("en-US")} new blocks), ~${(e.perRun.durationMs / 1000).toFixed(2)} s of Lambda.`,
    ...(i.perClusterMetrics && e.runsPerMonth < 730
      ? [
          `Metrics are priced here as full metric-months (an upper bound): AWS prorates custom metrics by the hour, and a metric ` +
            `that receives data only every ${formatMinutes(i.scheduleMinutes)} may bill for fewer hours. Check the bill before relying on the difference.`,
        ]
      : []),
    `Prices: ${PRICES_AS_OF}${i.freeTier ? ", free tier counted" : ", free tier not counted (--free-tier to count it)"}; lib/cost/prices.ts.`,
  ];
  return lines.join("\n");
}

function formatMinutes(m: number): string {
  if (m % 1440 === 0) return m === 1440 ? "day" : `${m / 1440} days`;
  if (m % 60 === 0) return m === 60 ? "hour" : `${m / 60} hours`;
  return `${m} minutes`;
}

/** A README table: one row per fleet size, the default deployment (per-cluster metrics off) and with them on. */
export function costTableMarkdown(sizes: readonly number[], base: Partial<CostInputs>): string {
  const rows = sizes.map((clusters) => {
    const r = estimateWithSaving({ ...base, clusters });
    const e = r.estimate;
    const item = (k: string) => e.items.find((x) => x.key === k)!.monthlyUsd;
    const s3 = item("s3List") + item("s3Get") + item("s3State");
    const dominant = [...e.items].sort((a, b) => b.monthlyUsd - a.monthlyUsd)[0]!;
    return (
      `| ${clusters.toLocaleString("en-US")} | ${money(item("lambda"))} | ${money(s3)} | ${money(item("metrics"))} | ` +
      `${money(item("metricApi"))} | ${money(item("dashboard") + item("alarms"))} | ${money(item("board"))} | ${money(item("sns") + item("logs"))} | ` +
      `**${money(e.totalUsd)}** | ${money(e.inputs.perClusterMetrics ? r.withoutPerClusterMetrics : r.withPerClusterMetrics)} | ${dominant.label} |`
    );
  });
  const on = base.perClusterMetrics === true;
  return [
    `| clusters | Lambda | S3 requests + state | custom metrics | PutMetricData | dashboard + alarms | board widget | SNS + logs | **total / month** | per-cluster metrics ${on ? "off" : "on"} | dominant |`,
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ...rows,
  ].join("\n");
}
