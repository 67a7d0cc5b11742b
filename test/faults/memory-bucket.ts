// A BucketReader over a list of objects, with S3's semantics for what the engine asks (top-level
// names after StartAfter in UTF-8 binary order, 1,000 a page; a meta.json over the cap reported by
// size, never read whole): the fast path for the 1,000+ fuzz cases of the pure layers.
import type { BlockObject, BucketReader, MetaRead, RequestCounts } from "../../lib/bucket/bucket";
import type { BucketObject } from "../../lib/demo/bucket-objects";

const binary = (a: string, b: string) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));

export class ObjectListBucket implements BucketReader {
  readonly location = "memory://fuzz";
  readonly requests: RequestCounts = { listRequests: 0, getRequests: 0 };
  private readonly prefixes = new Map<string, Map<string, BucketObject>>();
  private readonly names: string[];

  constructor(objects: readonly BucketObject[]) {
    for (const o of objects) {
      const slash = o.key.indexOf("/");
      if (slash < 0) continue; // a top-level file is not a prefix
      const top = o.key.slice(0, slash);
      const inner = this.prefixes.get(top) ?? new Map<string, BucketObject>();
      inner.set(o.key.slice(slash + 1), o);
      this.prefixes.set(top, inner);
    }
    this.names = [...this.prefixes.keys()].sort(binary);
  }

  async *listTopLevel(startAfter: string): AsyncIterable<string[]> {
    const after = this.names.filter((n) => binary(n, startAfter) > 0);
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
    const size = Buffer.byteLength(o.body, "utf8");
    if (size > maxBytes) return { kind: "too-large", size };
    return { kind: "found", body: o.body, lastModified: o.mtime };
  }

  async listBlock(block: string): Promise<BlockObject[]> {
    this.requests.listRequests += 1;
    const inner = this.prefixes.get(block);
    if (!inner) return [];
    return [...inner].filter(([path]) => path !== "" && !path.endsWith("/")).map(([path, o]) => ({ path, lastModified: o.mtime, size: Buffer.byteLength(o.body) }));
  }

  async hasDeletionMark(block: string): Promise<boolean> {
    this.requests.getRequests += 1;
    return this.prefixes.get(block)?.has("deletion-mark.json") ?? false;
  }

  async hasMeta(block: string): Promise<boolean> {
    this.requests.getRequests += 1;
    return this.prefixes.get(block)?.has("meta.json") ?? false;
  }
}
