// The board's pure parts: the late/stalled periods drawn from data coverage, the state adapter
// before and after the state records coverage, and the escaping of names.
import { describe, expect, it } from "vitest";
import { html } from "../lib/board/escape";
import { lagPeriods } from "../lib/board/model";
import { streamCoverage } from "../lib/board/state-adapter";
import type { StreamState } from "../lib/state/state";
import { runCli } from "./support/cli";

const H = 3_600_000;
const T = { lateAfterMs: 3.5 * H, stallAfterMs: 4 * H };

describe("late and stalled periods", () => {
  it("are none while data keeps coming", () => {
    expect(lagPeriods([[0, 100 * H]], T, 0, 101 * H)).toEqual([]);
  });

  it("start a threshold after the data ends and last until it resumes (at least)", () => {
    // Data [0, 10h), nothing until 20h, then [20h, 30h); now 40h.
    expect(lagPeriods([[0, 10 * H], [20 * H, 30 * H]], T, 0, 40 * H)).toEqual([
      { status: "late", from: 13.5 * H, to: 14 * H },
      { status: "stalled", from: 14 * H, to: 20 * H },
      { status: "late", from: 33.5 * H, to: 34 * H },
      { status: "stalled", from: 34 * H, to: 40 * H },
    ]);
  });

  it("draw nothing before the window", () => {
    expect(lagPeriods([[0, H]], T, 10 * H, 12 * H)).toEqual([{ status: "stalled", from: 10 * H, to: 12 * H }]);
  });
});

describe("the saved stream, as the board reads it", () => {
  const stream: StreamState = { labels: { cluster_id: "a" }, cluster: "a", tops: [["U", 10 * H, 0, null]], ranges: [["U1", 6 * H, 8 * H], ["U2", 8 * H, 10 * H]], coverage: [] };
  it("falls back to the recent ranges when the state has no coverage yet (saved before it was kept)", () => {
    expect(streamCoverage(stream, 0)).toEqual([[6 * H, 10 * H]]);
  });
  it("uses coverage when the state has it, clipped to the window", () => {
    expect(streamCoverage({ ...stream, coverage: [[0, 4 * H], [5 * H, 10 * H]] } as StreamState, 2 * H)).toEqual([[2 * H, 4 * H], [5 * H, 10 * H]]);
  });
});

describe("escaping", () => {
  it("leaves no markup, control or bidi override in a name", () => {
    expect(html(`<b a="1" b='2'>&</b>`)).toBe("&lt;b a=&quot;1&quot; b=&#39;2&#39;&gt;&amp;&lt;/b&gt;");
    expect(html("a\u202eb\u0000c\u001b[31m")).toBe("a\\u202eb\\u0000c\\u001b[31m");
    expect(html("x".repeat(500))).toHaveLength(120);
    expect(html("")).toBe("(empty)");
  });
});

describe("blockwatch report (usage)", () => {
  it("needs --html", async () => {
    const r = await runCli(["report", "--objstore.config", "type: FILESYSTEM\nconfig:\n  directory: /nonexistent"]);
    expect(r.code).toBe(2); // a usage error
    expect(r.stderr).toContain("--html FILE is required");
  });
});
