import { parseArgs } from "node:util";
import { BucketError } from "../bucket/bucket";
import { ConfigError } from "../bucket/config";
import { loadObjstoreConfig, openBucket } from "../bucket/open";
import { parseDuration } from "../domain/duration";
import { checkBucket } from "../engine/check";
import { isDown } from "../health/status";
import { DEFAULT_POLICY, parseClusterOverrides, validatePolicy, type Policy } from "../policy/policy";
import { loadStateFile, saveStateFile } from "../state/file-store";
import { emptyState } from "../state/state";
import { renderReport } from "./report-table";

const USAGE = `Usage: blockwatch check --objstore.config-file FILE [options]

Judges every cluster's block uploads in a Thanos bucket.

Options:
  --objstore.config-file FILE   Thanos objstore YAML (type S3 or FILESYSTEM)
  --objstore.config YAML        the same, inline
  --now ISO                     judge as of this moment (default: now)
  --state FILE                  keep state between runs (default: none, a full look over the lookback)
  --expected-clusters a,b,c     clusters that must have blocks (missing otherwise)
  --cluster-label NAME          external label naming the cluster (default cluster_id)
  --late-after DUR              data lag above which a cluster is late (default 3h30m)
  --stall-after DUR             data lag above which a cluster is stalled (default 4h)
  --cluster-threshold SPEC      per cluster: NAME:late-after=DUR,stall-after=DUR (repeatable)
  --lookback DUR                window of a run without state (default 7d)
  --concurrency N               meta.json reads in flight (default 32)
  --output table|json           (default table)

Exit codes: 0 no cluster stalled or missing, 2 at least one is, 1 the check itself failed.`;

class UsageError extends Error {}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    process.stdout.write(USAGE + "\n");
    return command === undefined ? 1 : 0;
  }
  try {
    if (command === "check") return await check(rest);
    throw new UsageError(`unknown command "${command}"`);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`blockwatch: ${err.message}\n\n${USAGE}\n`);
    } else if (err instanceof ConfigError || err instanceof BucketError) {
      process.stderr.write(`blockwatch: ${err.message}\n`);
    } else {
      process.stderr.write(`blockwatch: the check failed: ${(err as Error).message}\n`);
    }
    return 1;
  }
}

async function check(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        "objstore.config-file": { type: "string" },
        "objstore.config": { type: "string" },
        now: { type: "string" },
        state: { type: "string" },
        "expected-clusters": { type: "string" },
        "cluster-label": { type: "string" },
        "late-after": { type: "string" },
        "stall-after": { type: "string" },
        "cluster-threshold": { type: "string", multiple: true },
        lookback: { type: "string" },
        concurrency: { type: "string" },
        output: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  const output = values.output ?? "table";
  if (output !== "table" && output !== "json") throw new UsageError(`--output must be table or json`);
  const now = values.now === undefined ? Date.now() : Date.parse(values.now);
  if (!Number.isFinite(now)) throw new UsageError(`--now must be an ISO 8601 time such as 2025-11-03T14:00:00Z`);
  const concurrency = values.concurrency === undefined ? 32 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`--concurrency must be a whole number of at least 1`);
  const policy = buildPolicy(values);

  const cfg = await loadObjstoreConfig({ file: values["objstore.config-file"], inline: values["objstore.config"] });
  const bucket = openBucket(cfg);
  const loaded = values.state ? await loadStateFile(values.state, now) : { state: null };
  if ("setAside" in loaded && loaded.setAside) {
    process.stderr.write(
      `blockwatch: state ${values.state} is damaged (${loaded.setAside.reason}); kept as ${loaded.setAside.path}, rebuilding from the lookback window\n`,
    );
  }
  const { state, report } = await checkBucket(bucket, loaded.state ?? emptyState(), now, policy, { concurrency });
  if (values.state) await saveStateFile(values.state, state);

  if (output === "json") process.stdout.write(JSON.stringify(report, null, 2) + "\n");
  else {
    const colour = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
    process.stdout.write(renderReport(report, { colour, clusterLabel: policy.clusterLabel, location: bucket.location }) + "\n");
  }
  return report.clusters.some((c) => isDown(c.status)) ? 2 : 0;
}

function buildPolicy(values: Record<string, string | boolean | string[] | undefined>): Policy {
  const str = (k: string) => values[k] as string | undefined;
  const dur = (k: string, fallback: number) => {
    const v = str(k);
    if (v === undefined) return fallback;
    try {
      return parseDuration(v);
    } catch (err) {
      throw new UsageError(`--${k}: ${(err as Error).message}`);
    }
  };
  let clusters;
  try {
    clusters = parseClusterOverrides((values["cluster-threshold"] as string[] | undefined) ?? []);
  } catch (err) {
    throw new UsageError(`--cluster-threshold: ${(err as Error).message}`);
  }
  const policy: Policy = {
    ...DEFAULT_POLICY,
    clusterLabel: str("cluster-label") ?? DEFAULT_POLICY.clusterLabel,
    defaults: {
      lateAfterMs: dur("late-after", DEFAULT_POLICY.defaults.lateAfterMs),
      stallAfterMs: dur("stall-after", DEFAULT_POLICY.defaults.stallAfterMs),
    },
    clusters,
    expectedClusters: (str("expected-clusters") ?? "").split(",").map((s) => s.trim()).filter(Boolean),
    lookbackMs: dur("lookback", DEFAULT_POLICY.lookbackMs),
  };
  if (policy.clusterLabel === "") throw new UsageError("--cluster-label must not be empty");
  try {
    validatePolicy(policy);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return policy;
}


