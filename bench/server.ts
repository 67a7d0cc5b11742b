// The local S3 (and SNS) the benchmark runs against: fauxqs@1.9.2 in this process, built with
// `buildApp({ stores })` (its public API) so the bench holds the S3 store and fills it directly,
// and counts every request as the server receives it (a Fastify onRequest hook), per bucket.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { buildApp } from "fauxqs";

/** What the bench uses of fauxqs's S3Store (dist/s3/s3Store.js): buckets are Map<key, object>. */
interface StoredObject {
  key: string;
  body: Buffer;
  contentLength: number;
  lastModified: Date;
}
interface S3StoreLike {
  buckets: Map<string, Map<string, StoredObject>>;
  createBucket(name: string): void;
  putObject(bucket: string, key: string, body: Buffer, contentType?: string): StoredObject;
  deleteObject(bucket: string, key: string): void;
  emptyBucket(bucket: string): void;
  listObjects(
    bucket: string,
    options?: { prefix?: string; delimiter?: string; maxKeys?: number; startAfter?: string; marker?: string },
  ): { objects: StoredObject[]; commonPrefixes: string[]; isTruncated: boolean };
}

export interface RequestTally {
  list: number;
  get: number;
  head: number;
  put: number;
  other: number;
}

export interface BenchObject {
  key: string;
  body: string;
  mtime: number;
}

const emptyTally = (): RequestTally => ({ list: 0, get: 0, head: 0, put: 0, other: 0 });

async function importDist<T>(rel: string): Promise<T> {
  // The package exports only its entry point; the stores live beside it in dist/.
  return (await import(new URL(rel, import.meta.resolve("fauxqs")).href)) as T;
}

/**
 * fauxqs lists by sorting every object of the bucket with localeCompare on each request: a page
 * costs O(N log N) in the bucket size (about 150 ms at 300k objects, 600 ms at 1M), and the order
 * is a locale collation, not S3's UTF-8 binary order. S3 serves a page from its index in time
 * independent of the bucket size. Same semantics (StartAfter, Delimiter, common prefixes skipped at
 * or before StartAfter, truncation), over a sorted key index rebuilt when the bucket changed.
 */
function indexListing(store: S3StoreLike): void {
  const index = new Map<string, { version: number; keys: string[] }>();
  const versions = new Map<string, number>();
  const bump = (bucket: string) => versions.set(bucket, (versions.get(bucket) ?? 0) + 1);
  const put = store.putObject.bind(store);
  const del = store.deleteObject.bind(store);
  store.putObject = (bucket, key, body, contentType) => {
    if (!store.buckets.get(bucket)?.has(key)) bump(bucket);
    return put(bucket, key, body, contentType);
  };
  store.deleteObject = (bucket, key) => {
    if (store.buckets.get(bucket)?.has(key)) bump(bucket);
    del(bucket, key);
  };
  const empty = store.emptyBucket.bind(store);
  store.emptyBucket = (bucket) => {
    bump(bucket);
    empty(bucket);
  };
  const original = store.listObjects.bind(store);
  const lowerBound = (keys: string[], target: string) => {
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const after = (s: string) => s.slice(0, -1) + String.fromCharCode(s.charCodeAt(s.length - 1) + 1);
  store.listObjects = (bucket, options) => {
    const objects = store.buckets.get(bucket);
    if (!objects) return original(bucket, options); // its NoSuchBucket error
    const version = versions.get(bucket) ?? 0;
    let entry = index.get(bucket);
    if (!entry || entry.version !== version || entry.keys.length !== objects.size) {
      // Code-unit order: the UTF-8 byte order S3 uses, for the ASCII keys of a Thanos bucket.
      entry = { version, keys: [...objects.keys()].sort() };
      index.set(bucket, entry);
    }
    const keys = entry.keys;
    const prefix = options?.prefix ?? "";
    const delimiter = options?.delimiter || undefined;
    const maxKeys = options?.maxKeys ?? 1000;
    const startAfter = options?.startAfter ?? options?.marker ?? "";
    const result: StoredObject[] = [];
    const commonPrefixes: string[] = [];
    let isTruncated = false;
    let i = startAfter > prefix ? lowerBound(keys, startAfter) : lowerBound(keys, prefix);
    while (i < keys.length) {
      const key = keys[i]!;
      if (!key.startsWith(prefix)) break;
      if (startAfter && key <= startAfter) {
        i++;
        continue;
      }
      if (delimiter) {
        const rest = key.slice(prefix.length);
        const d = rest.indexOf(delimiter);
        if (d >= 0) {
          const cp = prefix + rest.slice(0, d + delimiter.length);
          if (!(startAfter && cp <= startAfter)) {
            if (commonPrefixes.length + result.length >= maxKeys) {
              isTruncated = true;
              break;
            }
            commonPrefixes.push(cp);
          }
          i = lowerBound(keys, after(cp));
          continue;
        }
      }
      if (commonPrefixes.length + result.length >= maxKeys) {
        isTruncated = true;
        break;
      }
      result.push(objects.get(key)!);
      i++;
    }
    return { objects: result, commonPrefixes, isTruncated };
  };
}

export interface BenchServer {
  endpoint: string;
  region: string;
  topicArn: string;
  /** Requests received, by bucket (path-style addressing). */
  tally(bucket: string): RequestTally;
  createBucket(name: string): void;
  /** Writes objects straight into the store, LastModified set to each object's mtime. */
  load(bucket: string, objects: Iterable<BenchObject>): number;
  remove(bucket: string, keys: Iterable<string>): number;
  empty(bucket: string): void;
  objectCount(bucket: string): number;
  read(bucket: string, key: string): string | null;
  write(bucket: string, key: string, body: string): void;
  deleteObject(bucket: string, key: string): void;
  close(): Promise<void>;
}

export async function startBenchServer(opts: { indexedListing: boolean }): Promise<BenchServer> {
  const { S3Store } = await importDist<{ S3Store: new () => S3StoreLike }>("./s3/s3Store.js");
  const { SqsStore } = await importDist<{ SqsStore: new () => unknown }>("./sqs/sqsStore.js");
  const { SnsStore } = await importDist<{ SnsStore: new () => { createTopic(name: string, a?: unknown, t?: unknown, region?: string): unknown } }>(
    "./sns/snsStore.js",
  );
  const s3Store = new S3Store();
  const snsStore = new SnsStore();
  const sqsStore = new SqsStore();
  if (opts.indexedListing) indexListing(s3Store);
  const region = "us-east-1";
  const app = buildApp({ logger: false, defaultRegion: region, stores: { s3Store, snsStore, sqsStore } as never });
  const { decodeAwsChunked } = await importDist<{ decodeAwsChunked: (b: Buffer) => Buffer }>("./s3/chunkedEncoding.js");
  const tallies = new Map<string, RequestTally>();
  app.addHook("onRequest", (req: { method: string; raw: { url?: string } }, _reply: unknown, done: () => void) => {
    const url = req.raw.url ?? "/";
    const q = url.indexOf("?");
    const path = q >= 0 ? url.slice(0, q) : url;
    const bucket = decodeURIComponent(path.split("/")[1] ?? "");
    if (bucket) {
      const t = tallies.get(bucket) ?? emptyTally();
      const query = q >= 0 ? url.slice(q + 1) : "";
      const isObject = path.split("/").length > 2 && path.split("/")[2] !== "";
      if (req.method === "GET" && !isObject) t.list++;
      else if (req.method === "GET") t.get++;
      else if (req.method === "HEAD") t.head++;
      else if (req.method === "PUT" && !query.includes("tagging")) t.put++;
      else t.other++;
      tallies.set(bucket, t);
    }
    done();
  });
  // fauxqs refuses bodies over 11 MiB (Fastify's bodyLimit); S3 takes 5 GB in one PUT. A larger
  // PutObject (a state document at 10,000 clusters) is stored here the way fauxqs's putObject does.
  type Raw = NodeJS.ReadableStream & { url?: string; headers: Record<string, string | string[] | undefined> };
  type Reply = { header(k: string, v: string): Reply; status(code: number): Reply; send(body?: string): void };
  app.addHook("onRequest", async (req: { method: string; raw: Raw }, reply: Reply) => {
    const length = Number(req.raw.headers["content-length"] ?? 0);
    if (req.method !== "PUT" || length <= 10 * 2 ** 20) return;
    const path = (req.raw.url ?? "/").split("?")[0]!;
    const [, bucket, ...rest] = path.split("/");
    const chunks: Buffer[] = [];
    for await (const c of req.raw) chunks.push(c as Buffer);
    let body: Buffer = Buffer.concat(chunks);
    if (String(req.raw.headers["content-encoding"] ?? "").includes("aws-chunked")) body = decodeAwsChunked(body);
    const obj = s3Store.putObject(decodeURIComponent(bucket!), decodeURIComponent(rest.join("/")), body, String(req.raw.headers["content-type"] ?? ""));
    reply.header("etag", (obj as unknown as { etag: string }).etag).status(200).send();
    return reply;
  });
  const address = await app.listen({ port: 0, host: "127.0.0.1" });
  const port = new URL(address).port;
  snsStore.createTopic("blockwatch-bench", undefined, undefined, region);
  const topicArn = `arn:aws:sns:${region}:000000000000:blockwatch-bench`;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    region,
    topicArn,
    tally: (bucket) => ({ ...(tallies.get(bucket) ?? emptyTally()) }),
    createBucket: (name) => s3Store.createBucket(name),
    load(bucket, objects) {
      let n = 0;
      for (const o of objects) {
        const stored = s3Store.putObject(bucket, o.key, Buffer.from(o.body), o.key.endsWith(".json") ? "application/json" : undefined);
        stored.lastModified = new Date(o.mtime);
        n++;
      }
      return n;
    },
    remove(bucket, keys) {
      let n = 0;
      for (const k of keys) {
        s3Store.deleteObject(bucket, k);
        n++;
      }
      return n;
    },
    empty: (bucket) => s3Store.emptyBucket(bucket),
    objectCount: (bucket) => s3Store.buckets.get(bucket)?.size ?? 0,
    read(bucket, key) {
      const o = s3Store.buckets.get(bucket)?.get(key);
      return o ? o.body.toString("utf8") : null;
    },
    write(bucket, key, body) {
      s3Store.putObject(bucket, key, Buffer.from(body), "application/json");
    },
    deleteObject: (bucket, key) => s3Store.deleteObject(bucket, key),
    close: () => app.close(),
  };
}

/**
 * A stand-in for CloudWatch PutMetricData (the SDK speaks AWS JSON 1.0 to it): accepts every call
 * and counts calls and data, so the run's metrics cost what they cost on the wire.
 */
export interface MetricsEndpoint {
  endpoint: string;
  calls: number;
  data: number;
  /** RunSucceeded data received (the heartbeat the "not reporting" alarm watches). */
  heartbeats: number;
  close(): Promise<void>;
}

export async function startMetricsEndpoint(): Promise<MetricsEndpoint> {
  const state = { calls: 0, data: 0, heartbeats: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let body: Buffer = Buffer.concat(chunks);
      if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
      try {
        const doc = JSON.parse(body.toString("utf8")) as { MetricData?: { MetricName?: string }[] };
        state.calls++;
        state.data += doc.MetricData?.length ?? 0;
        state.heartbeats += doc.MetricData?.filter((d) => d.MetricName === "RunSucceeded").length ?? 0;
      } catch {
        state.calls++;
      }
      res.writeHead(200, { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": "bench" });
      res.end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get calls() {
      return state.calls;
    },
    get data() {
      return state.data;
    },
    get heartbeats() {
      return state.heartbeats;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
