import { BucketError } from "../bucket/bucket";
import { ConfigError } from "../bucket/config";
import { check, CHECK_USAGE } from "./commands/check";
import { cost, COST_USAGE } from "./commands/cost";
import { simulateCommand, SIMULATE_USAGE } from "./commands/simulate";
import { backtestCommand, BACKTEST_USAGE } from "./commands/backtest";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError } from "./usage-error";
import { VERSION } from "./version";

/** Every command: its one-line summary, usage text and entry point (args after the command name). */
const COMMANDS: Record<string, { summary: string; usage: string; run: (args: string[]) => Promise<number> }> = {
  check: { summary: "judge every cluster's uploads in a Thanos bucket", usage: CHECK_USAGE, run: check },
  cost: { summary: "estimate the monthly AWS cost for N clusters", usage: COST_USAGE, run: cost },
  simulate: { summary: "replay a simulated fleet and score the alerts", usage: SIMULATE_USAGE, run: simulateCommand },
  backtest: { summary: "when would these thresholds have paged, from the bucket's own history", usage: BACKTEST_USAGE, run: backtestCommand },
};

const USAGE = `Usage: blockwatch COMMAND [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
  .join("\n")}

Run blockwatch COMMAND --help for its options; blockwatch --version prints the version.`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(USAGE + "\n");
    return EXIT_OK;
  }
  if (name === "--version" || name === "-V" || name === "version") {
    process.stdout.write(`blockwatch ${VERSION}\n`);
    return EXIT_OK;
  }
  if (name === undefined) {
    process.stderr.write(USAGE + "\n");
    return EXIT_USAGE;
  }
  const command = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
  try {
    if (!command) throw new UsageError(`unknown command "${name}"`);
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      // The reason first, on one line; then the synopsis, and the full option list one command away.
      const synopsis = command ? command.usage.split("\n")[0] : USAGE;
      process.stderr.write(`blockwatch: ${err.message}\n${synopsis}\n${command ? `Run 'blockwatch ${name} --help' for every option.\n` : ""}`);
      return EXIT_USAGE;
    }
    if (err instanceof ConfigError || err instanceof BucketError) {
      process.stderr.write(`blockwatch: ${err.message}\n`);
    } else {
      process.stderr.write(`blockwatch: ${name} failed: ${(err as Error).message}\n`);
    }
    return EXIT_FAILED;
  }
}
