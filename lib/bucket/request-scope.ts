import type { S3Client } from "@aws-sdk/client-s3";

/**
 * One logical request: its SDK attempts, blockwatch's retries after them and, for a GetObject, the
 * read of its body. Everything in it ends when the run's signal fires or its budget is spent, and
 * it remembers what its last attempt saw, which the SDK's own retries would otherwise hide.
 */
export class RequestScope {
  readonly started = Date.now();
  readonly signal: AbortSignal;
  /** The last attempt's error (the SDK's attempts included), if any. */
  lastError: unknown = undefined;
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly onRunEnd: (() => void) | undefined;

  constructor(
    budgetMs: number | undefined,
    private readonly run: AbortSignal | undefined,
  ) {
    this.signal = this.controller.signal;
    if (run?.aborted) this.controller.abort();
    else if (run) {
      this.onRunEnd = () => this.controller.abort();
      run.addEventListener("abort", this.onRunEnd, { once: true });
    }
    if (budgetMs !== undefined && !this.signal.aborted) {
      this.timer = setTimeout(() => this.controller.abort(), budgetMs);
      this.timer.unref?.();
    }
  }

  get spent(): boolean {
    return this.signal.aborted;
  }

  elapsedMs(): number {
    return Date.now() - this.started;
  }

  /** Waits `ms`, or less if the scope ends first. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.signal.aborted) return resolve();
      const done = () => {
        clearTimeout(t);
        this.signal.removeEventListener("abort", done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.signal.addEventListener("abort", done, { once: true });
    });
  }

  /** Sends a command bound to this scope, noting each attempt's error on the way past. */
  send<C extends { middlewareStack: { add: (...args: never[]) => void } }, O>(client: S3Client, command: C): Promise<O> {
    type Add = (mw: unknown, opts: unknown) => void;
    // Inside the SDK's retry loop (the deserialize step runs once per attempt), outside its parser:
    // a SlowDown is seen as SlowDown, a hung attempt as TimeoutError.
    (command.middlewareStack.add as unknown as Add)(
      (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
        try {
          return await next(args);
        } catch (err) {
          if ((err as Error)?.name !== "AbortError") this.lastError = err;
          throw err;
        }
      },
      { step: "deserialize", priority: "high", name: "blockwatchAttemptObserver", override: true },
    );
    return (client.send as unknown as (c: C, o: { abortSignal: AbortSignal }) => Promise<O>)(command, { abortSignal: this.signal });
  }

  dispose(): void {
    clearTimeout(this.timer);
    if (this.onRunEnd) this.run?.removeEventListener("abort", this.onRunEnd);
  }
}
