/** A mistake in the command line: the reason and the usage go to stderr, exit 2 (EXIT_USAGE). */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * Exit codes of every command. 2 is also the shell's, Go's `flag` and Python's `argparse` code for
 * a wrong command line; `check` uses it for "a cluster is down" too, so a script tells the two
 * apart by stdout: a usage error prints nothing there.
 */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
