import { mkdir, rm, rmdir, utimes, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { BlockObject, BucketReader, KeyPage, ListKeysOptions, MetaRead, RequestCounts } from "../bucket/bucket";
import type { BucketEvent } from "./model";

interface StoredObject {
  body: string;
  lastModified: number;
}

/**
 * A bucket in memory with S3's semantics for what the engine asks: top-level names in UTF-8 byte
 * order after StartAfter, 1,000 a page and one LIST each; one GET per meta.json read or
 * deletion-mark lookup; one LIST per block listing. LastModified is the simulated write time.
 */
export class MemoryBucket implements BucketReader {
  readonly location = "memory://simulated-bucket";
  readonly requests: RequestCounts = { listRequests: 0, getRequests: 0 };
  private readonly prefixes = new Map<string, Map<string, StoredObject>>();
  /** Top-level names, sorted (ASCII names: code unit order is byte order). */
  private readonly names: string[] = [];

  apply(e: BucketEvent): void {
    const slash = e.key.indexOf("/");
    const top = slash < 0 ? e.key : e.key.slice(0, slash);
    const rest = slash < 0 ? "" : e.key.slice(slash + 1);
    let objects = this.prefixes.get(top);
    if (e.body !== null) {
      if (!objects) {
        objects = new Map();
        this.prefixes.set(top, objects);
        this.names.splice(this.lowerBound(top), 0, top);
      }
      objects.set(rest, { body: e.body, lastModified: e.at });
    } else if (objects) {
      objects.delete(rest);
      if (objects.size === 0) {
        this.prefixes.delete(top);
        this.names.splice(this.lowerBound(top), 1);
      }
    }
  }

  /** First index whose name is >= `name`. */
  private lowerBound(name: string): number {
    let lo = 0;
    let hi = this.names.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.names[mid]! < name) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  async *listTopLevel(startAfter: string): AsyncIterable<string[]> {
    let i = this.lowerBound(startAfter);
    if (this.names[i] === startAfter) i++;
    // Snapshot first: the engine awaits between pages, the simulated world does not move meanwhile.
    const after = this.names.slice(i);
    this.requests.listRequests += 1;
    if (after.length === 0) {
      yield [];
      return;
    }
    for (let p = 0; p < after.length; p += 1000) {
      if (p > 0) this.requests.listRequests += 1;
      yield after.slice(p, p + 1000);
    }
  }

  async readMeta(block: string, maxBytes: number): Promise<MetaRead> {
    this.requests.getRequests += 1;
    const o = this.prefixes.get(block)?.get("meta.json");
    if (!o) return { kind: "missing" };
    const size = Buffer.byteLength(o.body);
    if (size > maxBytes) return { kind: "too-large", size };
    return { kind: "found", body: o.body, lastModified: o.lastModified };
  }

  async listBlock(block: string): Promise<BlockObject[]> {
    this.requests.listRequests += 1;
    const objects = this.prefixes.get(block);
    if (!objects) return [];
    return [...objects].filter(([path]) => path !== "").map(([path, o]) => ({ path, lastModified: o.lastModified, size: Buffer.byteLength(o.body) }));
  }

  /** Keys under a prefix as S3 lists them (Federated ETL): 1,000 keys or folders a page, one LIST each. */
  async *listKeys(prefix: string, options: ListKeysOptions = {}): AsyncIterable<KeyPage> {
    const slash = prefix.indexOf("/");
    const top = slash < 0 ? prefix : prefix.slice(0, slash);
    const entries = new Map<string, KeyPage["objects"][number] | null>();
    for (const [rest, o] of this.prefixes.get(top) ?? []) {
      const key = `${top}/${rest}`;
      if (rest === "" || !key.startsWith(prefix) || (options.startAfter !== undefined && key <= options.startAfter)) continue;
      const next = options.delimiter ? key.indexOf("/", prefix.length) : -1;
      if (next >= 0) entries.set(key.slice(0, next + 1), null);
      else entries.set(key, { key, lastModified: o.lastModified, size: Buffer.byteLength(o.body) });
    }
    const sorted = [...entries].sort((a, b) => (a[0] < b[0] ? -1 : 1));
    for (let p = 0; p === 0 || p < sorted.length; p += 1000) {
      this.requests.listRequests += 1;
      const page = sorted.slice(p, p + 1000);
      yield { objects: page.flatMap(([, o]) => (o ? [o] : [])), prefixes: page.filter(([, o]) => o === null).map(([k]) => k) };
    }
  }

  /** HEAD of deletion-mark.json: priced as a GET. */
  async hasDeletionMark(block: string): Promise<boolean> {
    this.requests.getRequests += 1;
    return this.prefixes.get(block)?.has("deletion-mark.json") ?? false;
  }

  /** HEAD of meta.json: priced as a GET. */
  async hasMeta(block: string): Promise<boolean> {
    this.requests.getRequests += 1;
    return this.prefixes.get(block)?.has("meta.json") ?? false;
  }
}

/**
 * Writes bucket events into a Thanos FILESYSTEM bucket: each file's mtime is its simulated write
 * time (the FilesystemBucket reads LastModified from it); deleting the last file of a directory
 * removes the directory, as Thanos's filesystem objstore does.
 */
export class FilesystemWriter {
  constructor(private readonly root: string) {}

  async apply(e: BucketEvent): Promise<void> {
    const path = join(this.root, e.key);
    if (e.body !== null) {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, e.body);
      await utimes(path, e.at / 1000, e.at / 1000);
      return;
    }
    await rm(path, { force: true });
    for (let dir = dirname(path); dir.length > this.root.length; dir = dirname(dir)) {
      try {
        await rmdir(dir);
      } catch {
        break; // not empty
      }
    }
  }
}
