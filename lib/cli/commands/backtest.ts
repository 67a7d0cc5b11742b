import { backtest } from "../../backtest/backtest";
import { renderBacktest } from "../../backtest/report";
import { loadObjstoreConfig, openBucket } from "../../bucket/open";
import { parseDuration } from "../../domain/duration";
import { buildPolicy, POLICY_OPTIONS, POLICY_USAGE, warnUnknownThresholds } from "../policy-flags";
import { commandArgs, nowFlag, objstoreFlags, outputFlag, TIMEOUT_USAGE, timeoutFlag } from "../command-args";
import { UsageError } from "../usage-error";

export const BACKTEST_USAGE = `Usage: blockwatch backtest --objstore.config-file FILE [options]

With these thresholds, when would you have been paged? Rebuilds each cluster's upload history
from what the bucket still holds (live blocks, and the compaction lineage of compacted ones),
replays the alert policy over it and prints, per cluster, the periods it was late or stalled,
the pages and recoveries the monitor would have sent, the gaps in its data and its overlaps.

Options:
  --objstore.config-file FILE   Thanos objstore YAML (type S3 or FILESYSTEM)
  --objstore.config YAML        the same, inline
  --days N                      days back from now to judge (default 14)
  --now ISO                     end of the window (default: now)
  --schedule DUR                how often the monitor runs (default 2h)
${POLICY_USAGE}
  --concurrency N               meta.json reads in flight (default 32)
${TIMEOUT_USAGE}
  --output table|json           (default table)

Reads one GET per block whose ULID is within the window plus the lookback.`;

export async function backtestCommand(args: string[]): Promise<number> {
  const values = commandArgs(
    args,
    {
      "objstore.config-file": { type: "string" },
      "objstore.config": { type: "string" },
      days: { type: "string" },
      now: { type: "string" },
      schedule: { type: "string" },
      ...POLICY_OPTIONS,
      concurrency: { type: "string" },
      timeout: { type: "string" },
      output: { type: "string" },
    },
    BACKTEST_USAGE,
  );
  if (values === null) return 0;
  const output = outputFlag(values.output, ["table", "json"]);
  const now = nowFlag(values.now);
  const days = values.days === undefined ? 14 : Number(values.days);
  if (!Number.isFinite(days) || days <= 0 || days > 366) throw new UsageError("--days must be more than 0 and at most 366");
  let scheduleMs: number;
  try {
    scheduleMs = parseDuration(values.schedule ?? "2h");
  } catch (err) {
    throw new UsageError(`--schedule: ${(err as Error).message}`);
  }
  if (scheduleMs < 60_000) throw new UsageError("--schedule must be at least 1m");
  const concurrency = values.concurrency === undefined ? 32 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError("--concurrency must be a whole number of at least 1");
  const policy = buildPolicy(values);
  const objstore = objstoreFlags(values);

  const timeout = timeoutFlag(values.timeout);
  const cfg = await loadObjstoreConfig(objstore);
  const bucket = openBucket(cfg, timeout);
  const result = await backtest(bucket, { now, windowMs: Math.round(days * 86_400_000), policy, scheduleMs, concurrency });
  if (output === "json") {
    const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
    process.stdout.write(
      JSON.stringify(
        result,
        (key, value) => (typeof value === "number" && /^(from|to|at|now|exactFrom|historyFrom|lastData|lastActivity)$/.test(key) ? iso(value) : value),
        2,
      ) + "\n",
    );
  } else {
    const colour = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
    process.stdout.write(renderBacktest(result, { colour, stallAfterMs: policy.defaults.stallAfterMs, lateAfterMs: policy.defaults.lateAfterMs }) + "\n");
  }
  warnUnknownThresholds(policy, result.clusters.map((c) => c.cluster));
  return 0;
}
