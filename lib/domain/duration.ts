// Go / Prometheus style durations: "3h30m", "90s", "2d", "1w", "500ms".
const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  y: 365 * 86_400_000,
};
const PART_RE = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/y;

export function parseDuration(text: string): number {
  const s = text.trim();
  if (s === "0") return 0;
  let total = 0;
  let at = 0;
  PART_RE.lastIndex = 0;
  while (at < s.length) {
    PART_RE.lastIndex = at;
    const m = PART_RE.exec(s);
    if (!m) break;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    at = PART_RE.lastIndex;
  }
  if (s.length === 0 || at !== s.length || !Number.isFinite(total)) {
    throw new Error(`invalid duration "${text}": use Go/Prometheus style such as 90m, 3h30m, 2d`);
  }
  return Math.round(total);
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const sign = ms < 0 ? "-" : "";
  let rest = Math.round(Math.abs(ms) / 1000);
  if (rest === 0) return "0s";
  const parts: string[] = [];
  for (const [unit, size] of [["d", 86_400], ["h", 3_600], ["m", 60], ["s", 1]] as const) {
    const n = Math.floor(rest / size);
    // The largest unit and the one right after it: "2h", "2h5m", never "2h16s" (read as minutes).
    if (n > 0 || parts.length > 0) parts.push(n > 0 ? `${n}${unit}` : "");
    rest -= n * size;
  }
  return sign + parts.slice(0, 2).join("");
}
