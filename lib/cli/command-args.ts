import { parseArgs, type ParseArgsConfig } from "node:util";
import { formatDuration, parseDuration } from "../domain/duration";
import { UsageError } from "./usage-error";

type Options = NonNullable<ParseArgsConfig["options"]>;
const HELP = { help: { type: "boolean", short: "h" } } as const;

/**
 * A command's flags, parsed strictly (an unknown flag or a stray argument is a UsageError), or
 * null when --help was asked: the usage is then printed and the command exits 0.
 */
export function commandArgs<const T extends Options>(args: string[], options: T, usage: string): Values<T> | null {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args, strict: true, allowPositionals: false, options: { ...options, ...HELP } }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(usage + "\n");
    return null;
  }
  return values as Values<T>;
}

type Values<T extends Options> = ReturnType<typeof parseArgs<{ args: string[]; strict: true; allowPositionals: false; options: T }>>["values"];

/** `--now ISO`, the moment every age is computed from (default: the clock). */
export function nowFlag(value: string | undefined): number {
  const now = value === undefined ? Date.now() : Date.parse(value);
  if (!Number.isFinite(now)) throw new UsageError("--now must be an ISO 8601 time such as 2025-11-03T14:00:00Z");
  return now;
}

/** `--output`, one of `allowed` (the first is the default). */
export function outputFlag<const A extends readonly string[]>(value: string | undefined, allowed: A): A[number] {
  const output = value ?? allowed[0]!;
  if (!allowed.includes(output)) throw new UsageError(`--output must be ${allowed.join(" or ")}`);
  return output;
}

/** The `--timeout DUR` line of a usage text. */
export const TIMEOUT_USAGE = `  --timeout DUR                 longest one S3 request may go unanswered or keep failing
                                (throttled, 5xx), retries included (default 1m)`;

/**
 * `--timeout DUR`: how long one S3 request may take, every attempt and retry included, before the
 * command fails naming the endpoint. A bucket that answers slowly but surely is never cut short.
 */
export function timeoutFlag(value: string | undefined): { timeoutMs: number; timeoutName: string } {
  let ms: number;
  try {
    ms = parseDuration(value ?? "1m");
  } catch (err) {
    throw new UsageError(`--timeout: ${(err as Error).message}`);
  }
  if (ms < 1_000) throw new UsageError("--timeout must be at least 1s");
  return { timeoutMs: ms, timeoutName: `--timeout ${value ?? formatDuration(ms)}` };
}

/**
 * `--objstore.config-file FILE` or `--objstore.config YAML`: exactly one. Thanos takes the inline
 * one when both are given; refusing both is safer than reading another bucket than the file names.
 */
export function objstoreFlags(values: { "objstore.config-file"?: string; "objstore.config"?: string }): { file?: string; inline?: string } {
  const file = values["objstore.config-file"];
  const inline = values["objstore.config"];
  if (file !== undefined && inline !== undefined) throw new UsageError("give --objstore.config-file or --objstore.config, not both");
  if (file === undefined && inline === undefined) throw new UsageError("one of --objstore.config-file FILE or --objstore.config YAML is required");
  return file !== undefined ? { file } : { inline };
}
