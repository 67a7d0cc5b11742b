import { describe, expect, it } from "vitest";
import { makeUlid, seededRandom } from "../demo/bucket-objects";
import { ulidFloor } from "../domain/ulid";
import { Builder, SeenPrefixes, tagOf } from "./seen";
import { planSlices } from "./slices";

const random = seededRandom(3);
const T = Date.parse("2025-11-10T00:00:00Z");

describe("the record of prefixes already read (seen.ts)", () => {
  it("round-trips through its encoding and answers membership and tags", () => {
    const names = Array.from({ length: 5000 }, (_, i) => makeUlid(T + Math.floor(i / 3) * 1000, random)).sort();
    const b = new Builder();
    names.forEach((n, i) => b.add(n, i % 7 === 0 ? tagOf(`["${i}"]`) : 42));
    const seen = SeenPrefixes.decode(b.build().encode());
    expect(seen.size).toBe(5000);
    for (const [i, n] of names.entries()) expect(seen.tag(n)).toBe(i % 7 === 0 ? tagOf(`["${i}"]`) : 42);
    // Same millisecond, another random part: not read.
    for (let i = 0; i < 200; i++) expect(seen.has(makeUlid(T + i * 1000, random))).toBe(false);
    // About 7 bytes a prefix where the names take 26.
    expect(b.build().encode().length / 5000).toBeLessThan(10);
  });

  it("refuses what it did not write", () => {
    expect(() => SeenPrefixes.decode("AAEC")).toThrow(/truncated/);
    expect(SeenPrefixes.decode("").size).toBe(0);
  });

  it("slices a large window by count, a small one not at all", () => {
    const many = new Builder();
    for (let i = 0; i < 40_000; i++) many.add(makeUlid(T + i * 15_000, random), 1);
    const horizon = ulidFloor(T - 1);
    const slices = planSlices(many.build(), horizon, null);
    expect(slices).toHaveLength(5);
    expect(slices[0]!.after).toBe(horizon);
    expect(slices.at(-1)!.until).toBeNull();
    for (let i = 1; i < slices.length; i++) expect(slices[i]!.after).toBe(slices[i - 1]!.until);
    expect(planSlices(SeenPrefixes.empty(), horizon, null)).toEqual([{ after: horizon, until: null }]);
  });
});
