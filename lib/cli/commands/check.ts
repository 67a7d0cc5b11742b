import { loadObjstoreConfig, openBucket } from "../../bucket/open";
import { checkBucket } from "../../engine/check";
import { isDown } from "../../health/status";
import { loadStateFile, saveStateFile, stateFileProblem } from "../../state/file-store";
import { emptyState } from "../../state/state";
import { buildPolicy, POLICY_OPTIONS, POLICY_USAGE, warnUnknownThresholds } from "../policy-flags";
import { renderReport } from "../report-table";
import { commandArgs, nowFlag, objstoreFlags, outputFlag, TIMEOUT_USAGE, timeoutFlag } from "../command-args";
import { UsageError } from "../usage-error";

export const CHECK_USAGE = `Usage: blockwatch check --objstore.config-file FILE [options]

Judges every cluster's block uploads in a Thanos bucket.

Options:
  --objstore.config-file FILE   Thanos objstore YAML (type S3 or FILESYSTEM)
  --objstore.config YAML        the same, inline
  --now ISO                     compute ages from this moment (default: now); the bucket is still
                                read as it is now: to replay its past, use blockwatch backtest
  --state FILE                  keep state between runs (default: none, a full look over the lookback)
${POLICY_USAGE}
  --concurrency N               meta.json reads in flight (default 32)
${TIMEOUT_USAGE}
  --output table|json           (default table)

Exit codes: 0 no cluster stalled or missing, 2 at least one is, 1 the check itself failed.`;

/** A `--now` this far behind the clock gets the warning (a copied command a few minutes old does not). */
const PAST_NOW_MS = 10 * 60_000;

export async function check(args: string[]): Promise<number> {
  const values = commandArgs(
    args,
    {
      "objstore.config-file": { type: "string" },
      "objstore.config": { type: "string" },
      now: { type: "string" },
      state: { type: "string" },
      ...POLICY_OPTIONS,
      concurrency: { type: "string" },
      timeout: { type: "string" },
      output: { type: "string" },
    },
    CHECK_USAGE,
  );
  if (values === null) return 0;
  const output = outputFlag(values.output, ["table", "json"]);
  const now = nowFlag(values.now);
  const concurrency = values.concurrency === undefined ? 32 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`--concurrency must be a whole number of at least 1`);
  const policy = buildPolicy(values);
  const objstore = objstoreFlags(values);

  if (values.state) {
    const problem = await stateFileProblem(values.state);
    if (problem) throw new UsageError(`--state: ${problem}`);
  }
  const timeout = timeoutFlag(values.timeout);
  const cfg = await loadObjstoreConfig(objstore);
  const bucket = openBucket(cfg, timeout);
  const loaded = values.state ? await loadStateFile(values.state, now) : { state: null };
  if ("setAside" in loaded && loaded.setAside) {
    process.stderr.write(
      `blockwatch: state ${values.state} is damaged (${loaded.setAside.reason}); kept as ${loaded.setAside.path}, rebuilding from the lookback window\n`,
    );
  }
  const { state, report } = await checkBucket(bucket, loaded.state ?? emptyState(), now, policy, { concurrency });
  if (values.state) await saveStateFile(values.state, state);
  if (Date.now() - now > PAST_NOW_MS) {
    process.stderr.write(
      `blockwatch: warning: --now ${new Date(now).toISOString()} is in the past, but the bucket was read as it is now: blocks uploaded since then count as if they were already there. To replay the bucket's past, use blockwatch backtest --now ${new Date(now).toISOString()}\n`,
    );
  }
  warnUnknownThresholds(policy, report.clusters.map((c) => c.cluster));

  if (output === "json") process.stdout.write(JSON.stringify(report, null, 2) + "\n");
  else {
    const colour = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
    process.stdout.write(renderReport(report, { colour, clusterLabel: policy.clusterLabel, location: bucket.location }) + "\n");
  }
  return report.clusters.some((c) => isDown(c.status)) ? 2 : 0;
}

