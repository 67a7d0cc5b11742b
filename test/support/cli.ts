// Runs the real CLI as a separate process: `node --import tsx lib/cli/bin.ts …`, as an operator would.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

export const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Never rejects: a non-zero exit is a result. Stdin is closed and stdout is a pipe (not a TTY). */
export function runCli(args: readonly string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ["--import", "tsx", "lib/cli/bin.ts", ...args],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...opts.env },
        timeout: opts.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
        encoding: "utf8",
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : null) : 0;
        if (code === null) reject(new Error(`blockwatch did not exit normally (${(err as Error).message}); stderr: ${stderr}`));
        else resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end();
  });
}

/** Runs `fn` over `items` with at most `limit` at once, keeping the order of results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}
