import { readdir, stat, open } from "node:fs/promises";
import { join } from "node:path";
import { BucketError, type BlockObject, type BucketReader, type KeyObject, type KeyPage, type ListKeysOptions, type MetaRead, type RequestCounts } from "./bucket";

const PAGE = 1000;

/** Thanos's FILESYSTEM objstore: the bucket layout as directories on disk. */
export class FilesystemBucket implements BucketReader {
  readonly requests: RequestCounts = { listRequests: 0, getRequests: 0 };
  readonly location: string;
  private readonly root: string;

  constructor(directory: string, prefix: string) {
    this.root = prefix ? join(directory, prefix) : directory;
    this.location = this.root;
  }

  async *listTopLevel(startAfter: string): AsyncIterable<string[]> {
    this.requests.listRequests += 1;
    let entries;
    try {
      entries = await readdir(this.root, { withFileTypes: true });
    } catch (err) {
      throw fsError(err, this.root);
    }
    // S3 lists in UTF-8 byte order; Buffer.compare gives the same order as the server would.
    const names = entries
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .filter((n) => Buffer.compare(Buffer.from(n), Buffer.from(startAfter)) > 0)
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (let i = 0; i < names.length; i += PAGE) {
      if (i > 0) this.requests.listRequests += 1;
      yield names.slice(i, i + PAGE);
    }
  }

  async readMeta(block: string, maxBytes: number): Promise<MetaRead> {
    this.requests.getRequests += 1;
    const path = join(this.root, block, "meta.json");
    let handle;
    try {
      handle = await open(path, "r");
    } catch (err) {
      if (isMissing(err)) return { kind: "missing" };
      throw fsError(err, path);
    }
    try {
      const info = await handle.stat();
      if (!info.isFile()) return { kind: "missing" };
      if (info.size > maxBytes) return { kind: "too-large", size: info.size };
      const body = await handle.readFile({ encoding: "utf8" });
      return { kind: "found", body, lastModified: wholeMs(info.mtimeMs) };
    } finally {
      await handle.close();
    }
  }

  async listBlock(block: string): Promise<BlockObject[]> {
    this.requests.listRequests += 1;
    const base = join(this.root, block);
    const out: BlockObject[] = [];
    const walk = async (dir: string, rel: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if (isMissing(err)) return;
        throw fsError(err, dir);
      }
      for (const e of entries) {
        const path = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) await walk(join(dir, e.name), path);
        else if (e.isFile()) {
          const info = await stat(join(dir, e.name));
          out.push({ path, lastModified: wholeMs(info.mtimeMs), size: info.size });
        }
      }
    };
    await walk(base, "");
    return out;
  }

  async *listKeys(prefix: string, options: ListKeysOptions = {}): AsyncIterable<KeyPage> {
    this.requests.listRequests += 1;
    try {
      await stat(this.root);
    } catch (err) {
      throw fsError(err, this.root);
    }
    // Like S3: a prefix that names a folder lists what is under it; one that does not, nothing.
    const entries: { key: string; object?: KeyObject }[] = [];
    const walk = async (dir: string, rel: string): Promise<void> => {
      let found;
      try {
        found = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if (isMissing(err)) return;
        throw fsError(err, dir);
      }
      for (const e of found) {
        const key = `${rel}${e.name}`;
        if (e.isDirectory()) {
          if (options.delimiter) entries.push({ key: `${key}/` });
          else await walk(join(dir, e.name), `${key}/`);
        } else if (e.isFile()) {
          const info = await stat(join(dir, e.name));
          entries.push({ key, object: { key, lastModified: wholeMs(info.mtimeMs), size: info.size } });
        }
      }
    };
    await walk(join(this.root, prefix), prefix);
    const after = options.startAfter === undefined ? null : Buffer.from(options.startAfter);
    const sorted = entries
      .filter((e) => after === null || Buffer.compare(Buffer.from(e.key), after) > 0)
      .sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
    for (let i = 0; i === 0 || i < sorted.length; i += PAGE) {
      if (i > 0) this.requests.listRequests += 1;
      const page = sorted.slice(i, i + PAGE);
      yield { objects: page.flatMap((e) => (e.object ? [e.object] : [])), prefixes: page.filter((e) => !e.object).map((e) => e.key), more: i + PAGE < sorted.length };
    }
  }

  async hasDeletionMark(block: string): Promise<boolean> {
    return this.isFile(block, "deletion-mark.json");
  }

  async hasMeta(block: string): Promise<boolean> {
    return this.isFile(block, "meta.json");
  }

  private async isFile(block: string, name: string): Promise<boolean> {
    this.requests.getRequests += 1;
    try {
      return (await stat(join(this.root, block, name))).isFile();
    } catch (err) {
      if (isMissing(err)) return false;
      throw fsError(err, block);
    }
  }
}

/**
 * File times have nanosecond precision (mtimeMs 1762178431482.9133); S3's LastModified is whole
 * milliseconds, and so is every time the state keeps (a fraction makes the saved state unreadable).
 * Rounded, not floored: a time set with utimes(ms / 1000) reads back as 481.99996 for 482.
 */
function wholeMs(mtimeMs: number): number {
  return Math.round(mtimeMs);
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
}

function fsError(err: unknown, path: string): BucketError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return new BucketError("no-such-bucket", `directory ${path} does not exist`);
  if (code === "EACCES" || code === "EPERM") return new BucketError("access-denied", `permission denied reading ${path}`);
  return new BucketError("other", `cannot read ${path}: ${(err as Error).message}`);
}
