import { rename, writeFile } from "node:fs/promises";
import { loadObjstoreConfig, openBucket } from "../../bucket/open";
import { boardFromBlocks, boardFromState } from "../../board/model";
import { renderBoard } from "../../board/page";
import { inspectBucket } from "../../engine/check";
import { isDown } from "../../health/status";
import { loadStateFile, saveStateFile, stateFileProblem } from "../../state/file-store";
import { emptyState } from "../../state/state";
import { buildPolicy, POLICY_OPTIONS, POLICY_USAGE } from "../policy-flags";
import { commandArgs, nowFlag } from "../command-args";
import { UsageError } from "../usage-error";

export const REPORT_USAGE = `Usage: blockwatch report --objstore.config-file FILE --html OUT [options]

Checks the bucket like 'check' and writes the status board: one self-contained HTML file (inline CSS
and SVG, no script, no external asset) with the fleet summary, the clusters worst first, a timeline
per cluster over the lookback and the findings with their next steps.

Options:
  --html OUT                    the HTML file to write (required)
  --objstore.config-file FILE   Thanos objstore YAML (type S3 or FILESYSTEM)
  --objstore.config YAML        the same, inline
  --now ISO                     judge as of this moment (default: now)
  --state FILE                  keep state between runs; the timelines then show the coverage the
                                state remembers instead of every block
${POLICY_USAGE}
  --concurrency N               meta.json reads in flight (default 32)

Exit codes: as check: 0 no cluster stalled or missing, 2 at least one is, 1 the check itself failed.`;

export async function reportCommand(args: string[]): Promise<number> {
  const values = commandArgs(
    args,
    {
      html: { type: "string" },
      "objstore.config-file": { type: "string" },
      "objstore.config": { type: "string" },
      now: { type: "string" },
      state: { type: "string" },
      ...POLICY_OPTIONS,
      concurrency: { type: "string" },
    },
    REPORT_USAGE,
  );
  if (values === null) return 0;
  const out = values.html;
  if (!out) throw new UsageError("--html FILE is required: where to write the board");
  const now = nowFlag(values.now);
  const concurrency = values.concurrency === undefined ? 32 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`--concurrency must be a whole number of at least 1`);
  const policy = buildPolicy(values);
  if (values.state) {
    const problem = await stateFileProblem(values.state);
    if (problem) throw new UsageError(`--state: ${problem}`);
  }
  const cfg = await loadObjstoreConfig({ file: values["objstore.config-file"], inline: values["objstore.config"] });
  const bucket = openBucket(cfg);
  const loaded = values.state ? await loadStateFile(values.state, now) : { state: null };
  if ("setAside" in loaded && loaded.setAside) {
    process.stderr.write(
      `blockwatch: state ${values.state} is damaged (${loaded.setAside.reason}); kept as ${loaded.setAside.path}, rebuilding from the lookback window\n`,
    );
  }
  const prev = loaded.state ?? emptyState();
  const { state, report, blocks } = await inspectBucket(bucket, prev, now, policy, { concurrency });
  if (values.state) await saveStateFile(values.state, state);

  // A run that started from a saved state read only what was new: draw what the state keeps.
  const common = { report, policy, location: bucket.location, etl: state.etl ?? null };
  const board = prev.cursor === null ? boardFromBlocks({ ...common, blocks }) : boardFromState({ ...common, state });
  const page = renderBoard(board);
  const tmp = `${out}.tmp-${process.pid}`;
  await writeFile(tmp, page);
  await rename(tmp, out);
  const down = report.clusters.filter((c) => isDown(c.status)).length;
  process.stdout.write(`Wrote ${out} (${report.clusters.length} clusters, ${down} down, ${(Buffer.byteLength(page) / 1024).toFixed(0)} KB)\n`);
  return down > 0 ? 2 : 0;
}
