/** A mistake in the command line: reported with the command's usage, exit 1. */
export class UsageError extends Error {
  override name = "UsageError";
}
