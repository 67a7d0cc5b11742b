import { formatDuration, parseDuration } from "../../domain/duration";
import { activeSilence } from "../../fleet/fleet-config";
import { commandArgs, nowFlag, outputFlag } from "../command-args";
import { editFleet, FLEET_OPTIONS, FLEET_USAGE, fleetLocation, readFleet } from "../fleet-object";
import { printable, table } from "../terminal";
import { UsageError } from "../usage-error";

export const SILENCE_USAGE = `Usage: blockwatch silence add NAME (--for DUR | --until ISO) [--from ISO] [--reason TEXT] WHERE
       blockwatch silence list WHERE [--output table|json]
       blockwatch silence remove NAME WHERE

Holds the alerts about one cluster for a while (maintenance, a planned migration): it is still
judged, drawn on the dashboard and counted, marked silenced, but pages nobody. When the silence
ends and the cluster is still down, one page; a recovery during the silence is not announced.
Edits the fleet config object that every run reads.

WHERE is one of:
${FLEET_USAGE}

Options:
  --for DUR        from now (or --from) for this long: 2h, 90m, 3d
  --until ISO      until this moment (exclusive), e.g. 2026-12-01T18:00:00Z
  --from ISO       a maintenance window that starts later (default: now)
  --reason TEXT    shown in the report and the list
  --now ISO        the moment --for counts from (default: now)
  --output table|json   for list (default table)`;

const OPTIONS = {
  ...FLEET_OPTIONS,
  for: { type: "string" },
  until: { type: "string" },
  from: { type: "string" },
  reason: { type: "string" },
  now: { type: "string" },
  output: { type: "string" },
} as const;

export async function silenceCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action === undefined || action === "--help" || action === "-h") {
    (action === undefined ? process.stderr : process.stdout).write(SILENCE_USAGE + "\n");
    return action === undefined ? 1 : 0;
  }
  if (action !== "add" && action !== "list" && action !== "remove") throw new UsageError(`silence: unknown action "${action}" (add, list or remove)`);
  const name = action === "list" || rest[0] === undefined || rest[0].startsWith("-") ? undefined : rest.shift();
  const values = commandArgs(rest, OPTIONS, SILENCE_USAGE);
  if (values === null) return 0;
  if (action !== "list" && name === undefined) throw new UsageError(`silence ${action}: give the cluster's name: blockwatch silence ${action} NAME …`);
  const where = fleetLocation(values);
  if (where === null) throw new UsageError("silence: give --state (the fleet config is fleet.yaml beside it) or --fleet-config");
  const now = nowFlag(values.now);

  if (action === "list") {
    const output = outputFlag(values.output, ["table", "json"]);
    const fleet = await readFleet(where);
    const rows = fleet.silences
      .filter((s) => now < s.until)
      .sort((a, b) => a.until - b.until)
      .map((s) => ({
        cluster: s.cluster,
        from: s.from === null ? null : new Date(s.from).toISOString(),
        until: new Date(s.until).toISOString(),
        active: activeSilence(fleet, s.cluster, now) === s,
        reason: s.reason,
      }));
    if (output === "json") {
      process.stdout.write(JSON.stringify({ now: new Date(now).toISOString(), silences: rows, decommissioned: fleet.decommissioned.map((d) => ({ cluster: d.cluster, at: new Date(d.at).toISOString(), reason: d.reason })) }, null, 2) + "\n");
    } else if (rows.length === 0) {
      process.stdout.write("No silence in force or scheduled.\n");
    } else {
      const cells = [["CLUSTER", "STATE", "UNTIL", "REASON"]];
      for (const r of rows) {
        const state = r.active ? `silenced, ${formatDuration(Date.parse(r.until) - now)} left` : `from ${r.from}`;
        cells.push([printable(r.cluster, 60), state, r.until, printable(r.reason ?? "", 80)]);
      }
      process.stdout.write(table(cells) + "\n");
    }
    return 0;
  }

  if (action === "remove") {
    for (const flag of ["for", "until", "from", "reason", "output"] as const) if (values[flag] !== undefined) throw new UsageError(`silence remove takes no --${flag}`);
    const { result, name: object } = await editFleet(where, (doc) => doc.removeSilences(name!));
    if (result === 0) {
      process.stderr.write(`blockwatch: ${printable(name!, 60)} has no silence in ${printable(object, 200)}\n`);
      return 1;
    }
    process.stdout.write(`Removed ${result} silence${result === 1 ? "" : "s"} of ${printable(name!, 60)} from ${printable(object, 200)}: the next run alerts about it as usual.\n`);
    return 0;
  }

  if (values.output !== undefined) throw new UsageError("silence add takes no --output");
  if ((values.for === undefined) === (values.until === undefined)) throw new UsageError("silence add: give either --for DUR or --until ISO");
  const from = values.from === undefined ? null : time(values.from, "--from");
  const start = from ?? now;
  let until: number;
  if (values.for !== undefined) {
    let ms: number;
    try {
      ms = parseDuration(values.for);
    } catch (err) {
      throw new UsageError(`--for: ${(err as Error).message}`);
    }
    if (ms <= 0) throw new UsageError("--for must be longer than 0");
    until = start + ms;
  } else {
    until = time(values.until!, "--until");
  }
  if (until <= now) throw new UsageError(`--until ${new Date(until).toISOString()} is not in the future (now is ${new Date(now).toISOString()})`);
  if (until <= start) throw new UsageError("--from must be before the end of the silence");
  const { name: object } = await editFleet(where, (doc) => doc.addSilence({ cluster: name!, from: from !== null && from > now ? from : null, until, reason: values.reason ?? null }, now));
  const span = from !== null && from > now ? `from ${new Date(from).toISOString()} ` : "";
  process.stdout.write(
    `Silenced ${printable(name!, 60)} ${span}until ${new Date(until).toISOString()} (${formatDuration(until - now)} from now) in ${printable(object, 200)}.\n` +
      `It is still judged and counted; it pages nobody until then. Still down at the end: one page. blockwatch silence remove ${printable(name!, 60)} ends it early.\n`,
  );
  return 0;
}

function time(text: string, flag: string): number {
  const ms = Date.parse(text);
  if (!Number.isFinite(ms) || !/^\d{4}-\d\d-\d\d/.test(text)) throw new UsageError(`${flag} must be an ISO 8601 time such as 2026-12-01T18:00:00Z`);
  return ms;
}
