import { ulidTime } from "../domain/ulid";

/**
 * The prefixes a run has already read within the lookback, so that a run that lists the whole
 * window reads only what is new, whatever its ULID: a sidecar that recovers from an outage ships
 * blocks created hours or days ago. Kept compact, sorted by ULID: per prefix the delta of its ULID
 * time (varint), a 32-bit hash of its random part and a 16-bit tag of its stream (to find a
 * stream's older blocks again, see tagOf), base64 in the state document: 7 to 9 bytes a prefix
 * where the names themselves take 28. Two distinct ULIDs of one millisecond share a hash once in
 * 4 billion pairs.
 */
export class SeenPrefixes {
  /** Sorted by (time, hash), without repeats: made by Builder.build or decode. */
  constructor(
    private readonly times: Float64Array,
    private readonly hashes: Uint32Array,
    private readonly tags: Uint16Array,
    readonly size: number,
  ) {}

  static empty(): SeenPrefixes {
    return new SeenPrefixes(new Float64Array(0), new Uint32Array(0), new Uint16Array(0), 0);
  }

  /** Reads the state's encoding; throws on anything it did not write. */
  static decode(text: string): SeenPrefixes {
    if (text === "") return SeenPrefixes.empty();
    const bytes = Buffer.from(text, "base64");
    // Counted first, so the arrays are made once at their exact size (a builder sized by a guess
    // held the record twice while it was copied to its size: 8 MB at 10,000 clusters).
    let count = 0;
    for (let j = 0; j < bytes.length; count++) {
      while (j < bytes.length && bytes[j]! >= 0x80) j++;
      j += 7;
    }
    const b = new Builder(Math.max(1, count));
    let i = 0;
    let time = 0;
    while (i < bytes.length) {
      let delta = 0;
      let mul = 1;
      for (;;) {
        if (i >= bytes.length) throw new Error("seen prefixes: truncated");
        const byte = bytes[i++]!;
        delta += (byte & 0x7f) * mul;
        mul *= 128;
        if (byte < 0x80) break;
      }
      if (i + 6 > bytes.length) throw new Error("seen prefixes: truncated");
      time += delta;
      b.push(time, bytes.readUInt32LE(i), bytes.readUInt16LE(i + 4));
      i += 6;
    }
    return b.build();
  }

  encode(): string {
    let bytes = 0;
    for (let k = 0; k < this.size; k++) bytes += varintLength(this.times[k]! - (k === 0 ? 0 : this.times[k - 1]!)) + 6;
    const out = Buffer.allocUnsafe(bytes);
    let o = 0;
    let prev = 0;
    for (let k = 0; k < this.size; k++) {
      let delta = this.times[k]! - prev;
      prev = this.times[k]!;
      while (delta >= 0x80) {
        out[o++] = (delta % 128) | 0x80;
        delta = Math.floor(delta / 128);
      }
      out[o++] = delta;
      out.writeUInt32LE(this.hashes[k]!, o);
      out.writeUInt16LE(this.tags[k]!, o + 4);
      o += 6;
    }
    return out.toString("base64");
  }

  /** The stream tag of a prefix read before, or -1 when it was not. */
  tag(ulid: string): number {
    const k = this.find(ulidTime(ulid), hashOf(ulid));
    return k < 0 ? -1 : this.tags[k]!;
  }

  /** Every entry whose ULID time is in [fromMs, untilMs) (untilMs null: no end), in order. */
  forEachBetween(fromMs: number, untilMs: number | null, fn: (time: number, hash: number, tag: number) => void): void {
    for (let k = this.rank(fromMs); k < this.size && (untilMs === null || this.times[k]! < untilMs); k++) fn(this.times[k]!, this.hashes[k]!, this.tags[k]!);
  }

  /** How many entries have a ULID time in [fromMs, untilMs) (untilMs null: no end). */
  countBetween(fromMs: number, untilMs: number | null): number {
    return (untilMs === null ? this.size : this.rank(untilMs)) - this.rank(fromMs);
  }

  /** The number of entries before the first whose ULID time is at least `ms`. */
  private rank(ms: number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.times[mid]! < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The ULID time of the entry at a rank (0 = oldest), for slicing the window by count. */
  timeAt(rank: number): number {
    return this.times[Math.min(Math.max(0, rank), this.size - 1)]!;
  }

  has(ulid: string): boolean {
    return this.find(ulidTime(ulid), hashOf(ulid)) >= 0;
  }

  private find(time: number, hash: number): number {
    let lo = 0;
    let hi = this.size - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const t = this.times[mid]!;
      const h = this.hashes[mid]!;
      if (t < time || (t === time && h < hash)) lo = mid + 1;
      else if (t > time || h > hash) hi = mid - 1;
      else return mid;
    }
    return -1;
  }
}

/** Collects prefixes in ULID order (one builder per listing slice, joined in slice order). */
export class Builder {
  private times: Float64Array;
  private hashes: Uint32Array;
  private tags: Uint16Array;
  private n = 0;

  constructor(capacity = 1024) {
    this.times = new Float64Array(capacity);
    this.hashes = new Uint32Array(capacity);
    this.tags = new Uint16Array(capacity);
  }

  add(ulid: string, tag: number): void {
    this.push(ulidTime(ulid), hashOf(ulid), tag);
  }

  push(time: number, hash: number, tag: number): void {
    if (this.n === this.times.length) {
      const grow = <T extends Float64Array | Uint32Array | Uint16Array>(a: T, make: (n: number) => T): T => {
        const next = make(a.length * 2);
        next.set(a);
        return next;
      };
      this.times = grow(this.times, (n) => new Float64Array(n));
      this.hashes = grow(this.hashes, (n) => new Uint32Array(n));
      this.tags = grow(this.tags, (n) => new Uint16Array(n));
    }
    this.times[this.n] = time;
    this.hashes[this.n] = hash;
    this.tags[this.n] = tag;
    this.n++;
  }

  /** Joins builders of consecutive ULID ranges into one record, sorted. */
  static join(parts: readonly Builder[]): SeenPrefixes {
    const all = new Builder(Math.max(1, parts.reduce((n, p) => n + p.n, 0)));
    for (const p of parts) for (let k = 0; k < p.n; k++) all.push(p.times[k]!, p.hashes[k]!, p.tags[k]!);
    return all.build();
  }

  build(): SeenPrefixes {
    // Names arrive in ULID order, which is (time, random) order but not (time, hash) order within
    // one millisecond: sort the few ties.
    let sorted = true;
    for (let k = 1; k < this.n && sorted; k++) {
      const [t0, t1] = [this.times[k - 1]!, this.times[k]!];
      if (t1 < t0 || (t1 === t0 && this.hashes[k]! <= this.hashes[k - 1]!)) sorted = false;
    }
    if (sorted) {
      // The common case (a decoded record, joined listings): no order array; full arrays are kept
      // as they are, others copied to their size (a view would keep the spare capacity alive).
      if (this.n === this.times.length) return new SeenPrefixes(this.times, this.hashes, this.tags, this.n);
      return new SeenPrefixes(this.times.slice(0, this.n), this.hashes.slice(0, this.n), this.tags.slice(0, this.n), this.n);
    }
    const order = new Uint32Array(this.n);
    for (let k = 0; k < this.n; k++) order[k] = k;
    order.sort((a, b) => this.times[a]! - this.times[b]! || this.hashes[a]! - this.hashes[b]!);
    const times = new Float64Array(this.n);
    const hashes = new Uint32Array(this.n);
    const tags = new Uint16Array(this.n);
    let m = 0;
    for (const k of order) {
      if (m > 0 && times[m - 1] === this.times[k] && hashes[m - 1] === this.hashes[k]) continue; // listed twice
      times[m] = this.times[k]!;
      hashes[m] = this.hashes[k]!;
      tags[m] = this.tags[k]!;
      m++;
    }
    return new SeenPrefixes(times, hashes, tags, m);
  }
}

/** Bytes of a delta in the record's varint (7 bits a byte). */
function varintLength(n: number): number {
  let bytes = 1;
  for (; n >= 0x80; n = Math.floor(n / 128)) bytes++;
  return bytes;
}

/** FNV-1a of the ULID's random part (its last 16 characters). */
function hashOf(ulid: string): number {
  let h = 0x811c9dc5;
  for (let i = 10; i < ulid.length; i++) {
    h ^= ulid.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A 16-bit tag of a stream key (or of a finding that has none: NO_STREAM). */
export function tagOf(streamKey: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < streamKey.length; i++) {
    h ^= streamKey.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return ((h >>> 16) ^ h) & 0xfffe;
}
export const NO_STREAM = 0xffff;
