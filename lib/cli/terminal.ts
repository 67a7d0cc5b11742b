/**
 * Cluster names and labels come from other people's configs: a name holding an escape sequence
 * must not repaint the operator's terminal. Control characters are shown, not interpreted.
 */
export function printable(text: string, max = 120): string {
  const safe = text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return safe.length > max ? safe.slice(0, max - 1) + "…" : safe;
}

export type Colour = "red" | "yellow" | "green" | "dim" | "bold";
const CODES: Record<Colour, [number, number]> = { red: [31, 39], yellow: [33, 39], green: [32, 39], dim: [2, 22], bold: [1, 22] };

export function painter(enabled: boolean): (c: Colour, s: string) => string {
  return (c, s) => (enabled ? `\u001b[${CODES[c][0]}m${s}\u001b[${CODES[c][1]}m` : s);
}

/** Pads cells to column widths; widths count code points so non-ASCII names stay aligned. */
export function table(rows: string[][], paint?: (row: number, col: number, cell: string) => string): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, [...cell].length)));
  return rows
    .map((r, ri) =>
      r
        .map((cell, ci) => {
          const padded = ci === r.length - 1 ? cell : cell + " ".repeat(widths[ci]! - [...cell].length);
          return paint ? paint(ri, ci, padded) : padded;
        })
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
