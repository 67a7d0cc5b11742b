import { loadObjstoreConfig, openBucket } from "../../bucket/open";
import { checkBucket } from "../../engine/check";
import { isDown } from "../../health/status";
import { loadStateFile, saveStateFile, stateFileProblem } from "../../state/file-store";
import { emptyState } from "../../state/state";
import { buildPolicy, POLICY_OPTIONS, POLICY_USAGE, warnUnknownThresholds } from "../policy-flags";
import { renderReport } from "../report-table";
import { commandArgs, nowFlag, objstoreFlags, outputFlag, TIMEOUT_USAGE, timeoutFlag } from "../command-args";
import { UsageError } from "../usage-error";
import { applyFleetToReport } from "../../alerts/silences";
import { mergeFleetPolicy } from "../../fleet/merge";
import { EMPTY_FLEET } from "../../fleet/fleet-config";
import { fleetLocation, location, readFleet } from "../fleet-object";
import { S3StateStore } from "../../state/s3-store";
import { cliS3Client } from "../../fleet/object";
import { StateCorruptError, parseState, serializeState, type State } from "../../state/state";
import { parseSourceMode, type SourceMode } from "../../federated/policy";

export const CHECK_USAGE = `Usage: blockwatch check --objstore.config-file FILE [options]

Judges every cluster's uploads in a Kubecost bucket: Thanos blocks and Kubecost 2.x Federated ETL
(federated/<cluster_id>/etl/bingen/...), each cluster by the source it uploads to.

Options:
  --objstore.config-file FILE   Thanos objstore YAML (type S3 or FILESYSTEM)
  --objstore.config YAML        the same, inline
  --now ISO                     compute ages from this moment (default: now); the bucket is still
                                read as it is now: to replay its past, use blockwatch backtest
  --state FILE|s3://BUCKET/KEY  keep state between runs (default: none, a full look over the lookback);
                                its fleet.yaml beside it is read (expected clusters, thresholds, silences)
  --fleet-config FILE|s3://BUCKET/KEY   the fleet config, if not beside --state
  --source thanos|federated-etl|auto
                                which layout to read (default auto: both, Federated ETL only when the
                                bucket has a federated/ folder)
${POLICY_USAGE}
  --concurrency N               meta.json reads in flight (default 32)
${TIMEOUT_USAGE}
  --output table|json           (default table)

Exit codes: 0 no cluster stalled or missing (silenced ones aside), 2 at least one is (or the compactor is stalled), 1 the check itself failed.`;

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
      "fleet-config": { type: "string" },
      source: { type: "string" },
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
  const flagsPolicy = buildPolicy(values);
  const objstore = objstoreFlags(values);
  const stateAt = values.state === undefined ? null : location(values.state, "--state");
  let source: SourceMode = "auto";
  try {
    if (values.source !== undefined) source = parseSourceMode(values.source, "--source");
  } catch (err) {
    throw new UsageError((err as Error).message);
  }

  if (stateAt?.kind === "file") {
    const problem = await stateFileProblem(stateAt.path);
    if (problem) throw new UsageError(`--state: ${problem}`);
  }
  // The fleet config the Lambda reads: an invalid one is an error here (fix it now), not a warning.
  const fleetAt = fleetLocation(values);
  const fleet = fleetAt ? await readFleet(fleetAt) : EMPTY_FLEET;
  let policy;
  try {
    policy = mergeFleetPolicy(flagsPolicy, fleet, now).policy;
  } catch (err) {
    throw new UsageError(`fleet config with the flags: ${(err as Error).message}`);
  }
  const timeout = timeoutFlag(values.timeout);
  const cfg = await loadObjstoreConfig(objstore);
  const bucket = openBucket(cfg, timeout);
  const stateStore = stateAt?.kind === "s3" ? new S3StateStore(cliS3Client(), stateAt.bucket, stateAt.key) : null;
  let loaded: { state: State | null; setAside?: { path: string; reason: string } };
  let version: string | null = null;
  if (stateAt?.kind === "file") loaded = await loadStateFile(stateAt.path, now);
  else if (stateStore) {
    const stored = await stateStore.load();
    version = stored.version;
    loaded = { state: null };
    if (stored.text !== null) {
      try {
        loaded = { state: parseState(stored.text) };
      } catch (err) {
        if (!(err instanceof StateCorruptError)) throw err;
        const aside = await stateStore.setAside(stored.text, `corrupt-${new Date(now).toISOString().replace(/[:.]/g, "")}`);
        loaded = { state: null, setAside: { path: `s3://${(stateAt as { bucket: string }).bucket}/${aside}`, reason: err.message } };
      }
    }
  } else loaded = { state: null };
  if (loaded.setAside) {
    process.stderr.write(
      `blockwatch: state ${values.state} is damaged (${loaded.setAside.reason}); kept as ${loaded.setAside.path}, rebuilding from the lookback window\n`,
    );
  }
  const judged = await checkBucket(bucket, loaded.state ?? emptyState(), now, policy, { concurrency, source });
  const state = judged.state;
  const report = applyFleetToReport(judged.report, fleet, now);
  if (stateAt?.kind === "file") await saveStateFile(stateAt.path, state);
  else if (stateStore) {
    const saved = await stateStore.save(serializeState(state), version);
    if (!saved.saved) throw new Error(`state ${values.state} changed while this check ran (the scheduled run?): nothing saved; run it again`);
  }
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
  // A silenced cluster pages nobody: nor does it fail a scripted check.
  return report.clusters.some((c) => isDown(c.status) && !c.silenced) || report.compactor?.status === "stalled" ? 2 : 0;
}

