import { formatDuration } from "../domain/duration";
import { plainText } from "./escape";

/** Numbers as a person reads them: 10,000. */
export function num(n: number): string {
  return n.toLocaleString("en-US");
}

/** "1 cluster", "2,345 clusters". */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${num(n)} ${n === 1 ? singular : plural}`;
}

/** "2025-01-01 01:00 UTC (9h12m ago)": minutes are enough on a phone, the age saves arithmetic. */
export function stamp(iso: string | null, now: number): string {
  if (iso === null) return "never";
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return plainText(iso, 40);
  const when = new Date(t).toISOString().slice(0, 16).replace("T", " ") + " UTC";
  const age = now - t;
  return age >= 0 ? `${when} (${formatDuration(age)} ago)` : `${when} (in ${formatDuration(-age)})`;
}

/** A data lag in whole seconds, as "9h12m". */
export function lag(seconds: number | null): string {
  return seconds === null ? "no data" : formatDuration(seconds * 1000);
}

/** "2025-11-03 10:00–16:00 UTC", the date repeated when the span crosses midnight. */
export function span(fromIso: string, toIso: string): string {
  const [a, b] = [new Date(Date.parse(fromIso)).toISOString(), new Date(Date.parse(toIso)).toISOString()];
  const day = (x: string) => x.slice(0, 10);
  const hm = (x: string) => x.slice(11, 16);
  return day(a) === day(b) ? `${day(a)} ${hm(a)}–${hm(b)} UTC` : `${day(a)} ${hm(a)} – ${day(b)} ${hm(b)} UTC`;
}

/** "6h of data missing, 2025-11-03 10:00–16:00 UTC" (several: the total, then each span). */
export function lostText(gaps: readonly { from: string; to: string; seconds: number }[]): string {
  const total = gaps.reduce((a, g) => a + g.seconds, 0);
  return `${lag(total)} of data missing, ${gaps.map((g) => span(g.from, g.to)).join(", ")}`;
}
