import { commandArgs, nowFlag } from "../command-args";
import { editFleet, FLEET_OPTIONS, FLEET_USAGE, fleetLocation } from "../fleet-object";
import { printable } from "../terminal";
import { UsageError } from "../usage-error";

export const DECOMMISSION_USAGE = `Usage: blockwatch decommission NAME WHERE [--reason TEXT]

The cluster is gone on purpose: no more reminders, no recovery notice, out of the expected
clusters (and of the report, the metrics and the dashboard), and one info notice that it was
decommissioned. Edits the fleet config object that every run reads.

WHERE is one of:
${FLEET_USAGE}

Options:
  --reason TEXT    shown in the notice
  --now ISO        the moment it takes effect (default: now)`;

export async function decommissionCommand(args: string[]): Promise<number> {
  const name = args[0] === undefined || args[0].startsWith("-") ? undefined : args.shift();
  const values = commandArgs(args, { ...FLEET_OPTIONS, reason: { type: "string" }, now: { type: "string" } }, DECOMMISSION_USAGE);
  if (values === null) return 0;
  if (name === undefined) throw new UsageError("decommission: give the cluster's name: blockwatch decommission NAME …");
  const where = fleetLocation(values);
  if (where === null) throw new UsageError("decommission: give --state (the fleet config is fleet.yaml beside it) or --fleet-config");
  const now = nowFlag(values.now);
  const { result, name: object } = await editFleet(where, (doc) => doc.decommission(name, now, values.reason ?? null));
  const who = printable(name, 60);
  if (result.already) {
    process.stdout.write(`${who} was already decommissioned in ${printable(object, 200)}.\n`);
    return 0;
  }
  process.stdout.write(
    `Decommissioned ${who} in ${printable(object, 200)}${result.wasExpected ? " (removed from its expected clusters)" : ""}.\n` +
      `The next run sends one info notice; then nothing more about it. If a deploy param (expectedClusters, clusterOverrides) still names it, drop it there at the next deploy.\n`,
  );
  return 0;
}
