// Scenario bookkeeping: checks, runs, crashes, injected faults and the alert tally of each scenario,
// and the table printed at the end.
import { BucketError } from "../../lib/bucket/bucket";
import { tally, type Captured, type DeliveredItem, type Expectation, type Tally } from "./alerts";
import type { HandlerRun, World } from "./world";

export interface SuiteOptions {
  seed: number;
  /** Pure fuzz cases (at least 1,000 by default). */
  cases: number;
  /** Fuzz cases sent through the real servers. */
  serverCases: number;
  /** Run only this fuzz case (rebuild a failure). */
  caseIndex?: number;
  verbose: boolean;
}

export interface Scenario {
  name: string;
  /** What a user gets from it, for the table's footnotes. */
  claim: string;
  run(ctx: ScenarioContext): Promise<void>;
}

export class ScenarioContext {
  runs = 0;
  faults = 0;
  crashes = 0;
  passed = 0;
  readonly failures: string[] = [];
  readonly crashNotes: string[] = [];
  readonly notes: string[] = [];
  private readonly expected: Expectation[] = [];
  private readonly delivered: DeliveredItem[] = [];

  constructor(
    readonly world: World,
    readonly options: SuiteOptions,
    readonly name: string,
  ) {}

  /** Records a check; returns whether it held. */
  check(ok: boolean, what: string): boolean {
    if (ok) this.passed++;
    else this.failures.push(what);
    return ok;
  }

  /** Several problems found at once: one failed check each (at most `limit` kept verbatim). */
  problems(list: readonly string[], what: string, limit = 5): boolean {
    if (list.length === 0) {
      this.passed++;
      return true;
    }
    for (const p of list.slice(0, limit)) this.failures.push(`${what}: ${p}`);
    if (list.length > limit) this.failures.push(`${what}: and ${list.length - limit} more problems`);
    return false;
  }

  note(text: string): void {
    this.notes.push(text);
  }

  expect(...items: Expectation[]): void {
    this.expected.push(...items);
  }

  deliver(captured: readonly Captured[]): void {
    for (const c of captured) this.delivered.push(...c.items);
  }

  crash(what: string, err?: unknown): void {
    this.crashes++;
    const e = err as Error | undefined;
    this.crashNotes.push(`${what}${e ? `: ${e.name}: ${String(e.message).slice(0, 240)}` : ""}`);
  }

  /**
   * Invokes the handler through the world and books the run. `failure`: the run is expected to
   * fail with a BucketError whose message matches (the documented "cannot read the bucket"
   * outcome). Anything else thrown is a crash.
   */
  async invoke(opts: Parameters<World["invoke"]>[0] & { failure?: RegExp }): Promise<HandlerRun> {
    this.runs++;
    const run = await this.world.invoke(opts);
    this.deliver(run.captured);
    if (!run.ok) {
      const expected = opts.failure !== undefined && run.error instanceof BucketError && opts.failure.test(run.error.message);
      if (!expected) {
        if (opts.failure !== undefined && run.error instanceof BucketError) {
          this.failures.push(`run failed with an unexpected message: ${run.error.message.slice(0, 300)} (wanted ${opts.failure})`);
        } else this.crash(`handler run ${this.runs} threw`, run.error);
      }
    } else if (opts.failure !== undefined) {
      this.failures.push(`run ${this.runs} succeeded; expected it to fail (${opts.failure})`);
    }
    return run;
  }

  tally(): Tally {
    return tally(this.expected, this.delivered);
  }
}

export interface ScenarioResult {
  name: string;
  claim: string;
  runs: number;
  faults: number;
  tally: Tally;
  crashes: number;
  passed: number;
  failures: string[];
  crashNotes: string[];
  notes: string[];
  ms: number;
}

export function failed(r: ScenarioResult): boolean {
  return r.tally.lost > 0 || r.tally.duplicated > 0 || r.tally.unexpected > 0 || r.crashes > 0 || r.failures.length > 0;
}

export function renderTable(results: readonly ScenarioResult[]): string {
  const head = ["scenario", "runs", "faults", "expected", "sent", "lost", "dup", "false", "crashes", "checks", "time", "result"];
  const rows = results.map((r) => [
    r.name,
    String(r.runs),
    String(r.faults),
    String(r.tally.expected),
    String(r.tally.sent),
    String(r.tally.lost),
    String(r.tally.duplicated),
    String(r.tally.unexpected),
    String(r.crashes),
    `${r.passed}/${r.passed + r.failures.length}`,
    `${(r.ms / 1000).toFixed(1)}s`,
    failed(r) ? "FAIL" : "ok",
  ]);
  const total = results.reduce(
    (t, r) => {
      t.runs += r.runs;
      t.faults += r.faults;
      t.expected += r.tally.expected;
      t.sent += r.tally.sent;
      t.lost += r.tally.lost;
      t.dup += r.tally.duplicated;
      t.false += r.tally.unexpected;
      t.crashes += r.crashes;
      t.passed += r.passed;
      t.checks += r.passed + r.failures.length;
      t.ms += r.ms;
      return t;
    },
    { runs: 0, faults: 0, expected: 0, sent: 0, lost: 0, dup: 0, false: 0, crashes: 0, passed: 0, checks: 0, ms: 0 },
  );
  rows.push([
    "TOTAL",
    String(total.runs),
    String(total.faults),
    String(total.expected),
    String(total.sent),
    String(total.lost),
    String(total.dup),
    String(total.false),
    String(total.crashes),
    `${total.passed}/${total.checks}`,
    `${(total.ms / 1000).toFixed(1)}s`,
    results.some(failed) ? "FAIL" : "ok",
  ]);
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(head), rule, ...rows.slice(0, -1).map(line), rule, line(rows.at(-1)!)].join("\n");
}
