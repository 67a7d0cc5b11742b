import { plainText } from "./escape";
import { num } from "./format";
import { subjectOf } from "./headline";
import { nextSteps, stepPlain, type GuideOptions } from "./next-steps";
import type { Notification } from "./notification";
import { sections } from "./sections";

/**
 * The message a person reads in a mail client on a phone (also SNS `default`: SQS, Lambda, HTTP):
 * what broke, since when, the numbers, what to check. At most `limit` items of each kind are
 * listed, the rest counted, so that the caller can shrink the message to fit SNS.
 */
export function renderText(n: Notification, options: GuideOptions, limit: number): string {
  const out: string[] = [subjectOf(n), ""];
  for (const s of sections(n)) {
    out.push(`${s.title.toUpperCase()} (${num(s.total)})`);
    const shown = Math.min(limit, s.total);
    for (let i = 0; i < shown; i++) out.push(s.plain(i));
    if (s.total > shown) out.push(shown === 0 ? "- (too many to list)" : `- and ${num(s.total - shown)} more`);
    out.push("");
  }
  const steps = nextSteps(n, options);
  if (steps.length > 0) {
    out.push("NEXT STEPS");
    steps.forEach((step, i) => out.push(`${i + 1}. ${stepPlain(step)}`));
    out.push("");
  }
  const bucket = options.bucket === undefined ? "" : ` on bucket ${plainText(options.bucket, 63)}`;
  out.push(`-- blockwatch run at ${new Date(n.at).toISOString()}${bucket}. Sent once per change, reminders while a cluster stays down.`);
  return out.join("\n");
}
