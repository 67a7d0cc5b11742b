// A local S3 for tests: fauxqs@1.9.2 started in-process on a free port, path-style, creds test/test.
//
// fauxqs 1.9.2 sorts keys with String#localeCompare, while S3 lists in UTF-8 binary order and
// its continuation token is "the last key of the page" compared in binary. With mixed-case names
// at the top level (`FOO/`, `debug/`, a lower-case ULID look-alike) a page boundary then drops
// whole ranges of prefixes (seen: 2,990 prefixes listed as 1,000). `binaryOrderListing` wraps the
// store's listObjects so pages are cut in binary order, as S3 does.
import { S3Client } from "@aws-sdk/client-s3";
import { startFauxqs, type FauxqsServer } from "fauxqs";

export interface LocalS3 {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  server: FauxqsServer;
  /** An SDK client for the test's own uploads. */
  client: S3Client;
  createBucket(name: string): void;
  stop(): Promise<void>;
}

interface StoredObject {
  key: string;
}
interface ListResult {
  objects: StoredObject[];
  commonPrefixes: string[];
  isTruncated: boolean;
}
interface ListOptions {
  prefix?: string;
  delimiter?: string;
  maxKeys?: number;
  startAfter?: string;
  marker?: string;
}
type ListFn = (this: unknown, bucket: string, options?: ListOptions) => ListResult;

let patched: Promise<void> | undefined;

async function binaryOrderListing(): Promise<void> {
  // Not exported by the package; the same module instance fauxqs's app.js imports.
  const url = new URL("../../node_modules/fauxqs/dist/s3/s3Store.js", import.meta.url);
  const mod = (await import(url.href)) as { S3Store: { prototype: { listObjects: ListFn; __binaryOrder?: boolean } } };
  const proto = mod.S3Store.prototype;
  if (proto.__binaryOrder) return;
  const original = proto.listObjects;
  proto.listObjects = function (bucket, options) {
    // The original filters by prefix, StartAfter (binary) and delimiter correctly; only its order
    // and page cut are wrong. Ask for everything, then cut the page in binary order.
    const all = original.call(this, bucket, { ...options, maxKeys: Number.MAX_SAFE_INTEGER });
    const entries: { key: string; object?: StoredObject }[] = [
      ...all.objects.map((o) => ({ key: o.key, object: o })),
      ...all.commonPrefixes.map((p) => ({ key: p })),
    ].sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
    const max = options?.maxKeys ?? 1000;
    const page = entries.slice(0, max);
    return {
      objects: page.filter((e) => e.object).map((e) => e.object!),
      commonPrefixes: page.filter((e) => !e.object).map((e) => e.key),
      isTruncated: entries.length > max,
    };
  };
  proto.__binaryOrder = true;
}

export async function startLocalS3(): Promise<LocalS3> {
  await (patched ??= binaryOrderListing());
  const server = await startFauxqs({ port: 0, logger: false });
  const endpoint = server.address;
  const client = new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 3,
    // Skip the CRC32 of every upload: the SDK is the bottleneck of writing thousands of objects.
    requestChecksumCalculation: "WHEN_REQUIRED",
  });
  return {
    endpoint,
    server,
    client,
    createBucket: (name) => void server.createBucket(name),
    stop: async () => {
      client.destroy();
      await server.stop();
    },
  };
}

/** A Thanos objstore document for the local server (the Kubecost `object-store.yaml` shape). */
export function s3ObjstoreYaml(opts: {
  endpoint: string;
  bucket: string;
  prefix?: string;
  accessKey?: string;
  secretKey?: string;
  extra?: string;
}): string {
  const host = opts.endpoint.replace(/^https?:\/\//, "");
  return [
    "type: S3",
    "config:",
    `  bucket: ${JSON.stringify(opts.bucket)}`,
    `  endpoint: ${JSON.stringify(host)}`,
    "  region: us-east-1",
    "  insecure: true",
    "  bucket_lookup_type: path",
    `  access_key: ${JSON.stringify(opts.accessKey ?? "test")}`,
    `  secret_key: ${JSON.stringify(opts.secretKey ?? "test")}`,
    ...(opts.extra ? [opts.extra] : []),
    ...(opts.prefix !== undefined ? [`prefix: ${JSON.stringify(opts.prefix)}`] : []),
    "",
  ].join("\n");
}

export function filesystemObjstoreYaml(directory: string, prefix?: string): string {
  return [
    "type: FILESYSTEM",
    "config:",
    `  directory: ${JSON.stringify(directory)}`,
    ...(prefix !== undefined ? [`prefix: ${JSON.stringify(prefix)}`] : []),
    "",
  ].join("\n");
}
