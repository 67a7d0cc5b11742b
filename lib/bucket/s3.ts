import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type GetObjectCommandOutput,
  type HeadObjectCommandOutput,
  type ListObjectsV2CommandOutput,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { formatDuration } from "../domain/duration";
import { BucketError, OutOfTimeError, type BlockObject, type BucketReader, type KeyPage, type ListKeysOptions, type MetaRead, type RequestCounts } from "./bucket";
import type { S3ObjstoreConfig } from "./config";
import { RequestScope } from "./request-scope";

/** SDK client settings from a Thanos S3 objstore config. */
export function s3ClientConfig(cfg: S3ObjstoreConfig, env: NodeJS.ProcessEnv = process.env): S3ClientConfig {
  const endpoint = cfg.endpoint?.trim();
  const awsEndpoint = !endpoint || /(^|\.)amazonaws\.com(\.cn)?(:\d+)?\/?$/.test(endpoint.replace(/^https?:\/\//, ""));
  const regionFromEndpoint = endpoint?.match(/s3[.-]([a-z0-9-]+)\.amazonaws\.com/)?.[1];
  const region = cfg.region || (regionFromEndpoint !== "external-1" ? regionFromEndpoint : undefined) || env.AWS_REGION || env.AWS_DEFAULT_REGION || "us-east-1";
  const config: S3ClientConfig = {
    region,
    // Standard retry mode: exponential backoff with jitter on throttling and 5xx.
    maxAttempts: 5,
    // Without throwOnRequestTimeout the SDK only logs a slow request: a hung one would hold the run.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000, throwOnRequestTimeout: true, socketTimeout: 30_000 },
  };
  if (!awsEndpoint && endpoint) {
    config.endpoint = /^https?:\/\//.test(endpoint) ? endpoint : `${cfg.insecure ? "http" : "https"}://${endpoint}`;
  }
  // Thanos's "auto" lookup uses virtual-hosted style only for AWS; local servers need path style.
  config.forcePathStyle = cfg.bucket_lookup_type === "path" || (cfg.bucket_lookup_type !== "virtual-hosted" && !awsEndpoint);
  if (cfg.access_key && cfg.secret_key) {
    config.credentials = {
      accessKeyId: cfg.access_key,
      secretAccessKey: cfg.secret_key,
      ...(cfg.session_token ? { sessionToken: cfg.session_token } : {}),
    };
  }
  return config;
}

export interface SettingNames {
  bucket: string;
  region: string;
  /** What sets the number of reads in flight, named when S3 keeps throttling. */
  concurrency: string;
  /** Where the endpoint's scheme is set, named when an https endpoint speaks plain HTTP. */
  insecure: string;
}

export interface S3BucketOptions {
  /** How messages name the settings to fix: the CLI's objstore keys, or the deployment's params. */
  settingNames?: SettingNames;
  /**
   * Waits before retrying a request that failed on throttling, 5xx, a reset or a timeout after the
   * SDK's own attempts (which span under two seconds): a short S3 brownout must not fail a run.
   */
  retryDelaysMs?: readonly number[];
  /** The configured endpoint, named when it cannot be reached. */
  endpoint?: string;
  /** Keys a listKeys page asks for (S3's MaxKeys); default S3's 1,000. Tests set it small. */
  listPageSize?: number;
  /** False once the run's listing deadline has passed: no new retry, fail now rather than wait. */
  mayRetry?: () => boolean;
  /**
   * The run's hard end (the Lambda: before it is killed). Aborts every request in flight and every
   * wait between attempts, the SDK's and ours: nothing outlives it.
   */
  signal?: AbortSignal;
  /** The longest one request may take in all, every attempt and wait included (the CLI's --timeout). */
  budgetMs?: number;
  /** How messages name what ran out: `--timeout 1m`, `the run's time`. */
  budgetName?: string;
}

const TRANSIENT_NAMES = new Set(["SlowDown", "InternalError", "ServiceUnavailable", "RequestTimeout", "Throttling", "ThrottlingException", "TooManyRequestsException", "TimeoutError", "RequestTimeoutException"]);
const TRANSIENT_CODES = new Set(["ECONNRESET", "EPIPE", "ETIMEDOUT", "ECONNABORTED", "EAI_AGAIN"]);

const THROTTLING_NAMES = new Set(["SlowDown", "Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded"]);

function errorName(err: unknown): string {
  const e = err as Error & { Code?: string };
  return e?.Code ?? e?.name ?? "Error";
}

function isThrottling(err: unknown): boolean {
  return THROTTLING_NAMES.has(errorName(err)) || (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === 429;
}

/** An https request to a server that answers in plain HTTP: OpenSSL reads its reply as a bad TLS record. */
function isPlainHttp(err: unknown): boolean {
  const e = err as Error & { code?: string; cause?: { code?: string; message?: string } };
  const text = `${e?.message ?? ""} ${e?.cause?.message ?? ""}`;
  return (e?.code ?? e?.cause?.code) === "EPROTO" || /wrong version number|packet length too long/i.test(text);
}

function isTransient(err: unknown): boolean {
  const e = err as Error & { Code?: string; code?: string; $metadata?: { httpStatusCode?: number }; cause?: { code?: string } };
  const status = e.$metadata?.httpStatusCode ?? 0;
  return status >= 500 || status === 429 || TRANSIENT_NAMES.has(e.Code ?? e.name) || TRANSIENT_CODES.has(e.code ?? e.cause?.code ?? "");
}

export class S3Bucket implements BucketReader {
  readonly requests: RequestCounts = { listRequests: 0, getRequests: 0 };
  readonly location: string;
  private readonly root: string;

  private readonly names: SettingNames;
  private readonly retryDelaysMs: readonly number[];
  private readonly mayRetry: () => boolean;
  private readonly endpoint: string | undefined;
  private readonly listPageSize: number | undefined;
  private readonly signal: AbortSignal | undefined;
  private readonly budgetMs: number | undefined;
  private readonly budgetName: string;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    prefix: string,
    options: S3BucketOptions = {},
  ) {
    this.root = prefix ? `${prefix}/` : "";
    this.location = `s3://${bucket}/${this.root}`;
    this.names = options.settingNames ?? { bucket: "config.bucket", region: "config.region", concurrency: "--concurrency", insecure: "set insecure: true in the objstore config" };
    this.retryDelaysMs = options.retryDelaysMs ?? [1_000, 2_000, 4_000, 8_000];
    this.mayRetry = options.mayRetry ?? (() => true);
    this.endpoint = options.endpoint;
    this.listPageSize = options.listPageSize;
    this.signal = options.signal;
    this.budgetMs = options.budgetMs;
    this.budgetName = options.budgetName ?? (options.budgetMs !== undefined ? `a ${formatDuration(options.budgetMs)} budget` : "the run's time");
    if (!this.endpoint) void this.describeEndpoint();
  }

  async *listTopLevel(startAfter: string): AsyncIterable<string[]> {
    let token: string | undefined;
    do {
      this.requests.listRequests += 1;
      const page = await this.call("list", this.root, (scope) =>
        this.retrying(scope, () =>
          scope.send<ListObjectsV2Command, ListObjectsV2CommandOutput>(
            this.client,
            new ListObjectsV2Command({
              Bucket: this.bucket,
              Prefix: this.root,
              Delimiter: "/",
              StartAfter: this.root + startAfter,
              ContinuationToken: token,
            }),
          ),
        ),
      );
      yield (page.CommonPrefixes ?? [])
        .map((p) => p.Prefix ?? "")
        .filter((p) => p.startsWith(this.root) && p.endsWith("/"))
        .map((p) => p.slice(this.root.length, -1));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async readMeta(block: string, maxBytes: number): Promise<MetaRead> {
    const key = `${this.root}${block}/meta.json`;
    // The SDK retries a request until its headers arrive; a body cut short after that (connection
    // reset, truncated response) is retried here, so it is never mistaken for a corrupt meta.json.
    // One scope for all of it: a body that stalls again and again is bounded like a hung request.
    const scope = this.scope();
    try {
      for (let attempt = 1; ; attempt++) {
        this.requests.getRequests += 1;
        let res: GetObjectCommandOutput;
        try {
          // Read one byte past the cap: a larger meta.json is reported, never loaded whole.
          res = await this.retrying(scope, () =>
            scope.send<GetObjectCommand, GetObjectCommandOutput>(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=0-${maxBytes}` })),
          );
        } catch (err) {
          const name = (err as Error).name;
          if (name === "NoSuchKey" || name === "NotFound") return { kind: "missing" };
          // An empty object cannot satisfy a range: it is a (corrupt) empty meta.json.
          if (name === "InvalidRange") return { kind: "found", body: "", lastModified: 0 };
          throw this.translate(err, "get", key, scope);
        }
        const total = Number(res.ContentRange?.split("/")[1] ?? res.ContentLength ?? 0);
        if (total > maxBytes) {
          (res.Body as { destroy?: () => void } | undefined)?.destroy?.();
          return { kind: "too-large", size: total };
        }
        try {
          const bytes = res.Body ? await res.Body.transformToByteArray() : new Uint8Array();
          if (res.ContentLength !== undefined && bytes.byteLength !== res.ContentLength) {
            throw new Error(`meta.json body cut short: ${bytes.byteLength} of ${res.ContentLength} bytes`);
          }
          return { kind: "found", body: Buffer.from(bytes).toString("utf8"), lastModified: res.LastModified?.getTime() ?? 0 };
        } catch (err) {
          scope.lastError = err;
          if (scope.spent) throw this.translate(err, "get", key, scope);
          if (attempt >= BODY_ATTEMPTS) {
            throw new BucketError("unreachable", `reading s3://${this.bucket}/${key} failed ${attempt} times: ${oneLine((err as Error).message)}`);
          }
          await scope.sleep(100 * 2 ** attempt * (0.5 + Math.random()));
        }
      }
    } finally {
      scope.dispose();
    }
  }

  async listBlock(block: string): Promise<BlockObject[]> {
    const prefix = `${this.root}${block}/`;
    const out: BlockObject[] = [];
    let token: string | undefined;
    do {
      this.requests.listRequests += 1;
      const page = await this.call("list", prefix, (scope) =>
        this.retrying(scope, () =>
          scope.send<ListObjectsV2Command, ListObjectsV2CommandOutput>(this.client, new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token })),
        ),
      );
      for (const o of page.Contents ?? []) {
        if (!o.Key || o.Key.endsWith("/")) continue;
        out.push({ path: o.Key.slice(prefix.length), lastModified: o.LastModified?.getTime() ?? 0, size: o.Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async *listKeys(prefix: string, options: ListKeysOptions = {}): AsyncIterable<KeyPage> {
    const full = this.root + prefix;
    let token: string | undefined;
    do {
      this.requests.listRequests += 1;
      const page = await this.call("list", full, (scope) =>
        this.retrying(scope, () =>
          scope.send<ListObjectsV2Command, ListObjectsV2CommandOutput>(
            this.client,
            new ListObjectsV2Command({
              Bucket: this.bucket,
              Prefix: full,
              Delimiter: options.delimiter ? "/" : undefined,
              StartAfter: options.startAfter === undefined ? undefined : this.root + options.startAfter,
              ContinuationToken: token,
              MaxKeys: this.listPageSize,
            }),
          ),
        ),
      );
      const rel = (k: string) => k.slice(this.root.length);
      yield {
        objects: (page.Contents ?? [])
          .filter((o) => o.Key?.startsWith(full))
          .map((o) => ({ key: rel(o.Key!), lastModified: o.LastModified?.getTime() ?? 0, size: o.Size ?? 0 })),
        prefixes: (page.CommonPrefixes ?? []).map((p) => p.Prefix ?? "").filter((p) => p.startsWith(full) && p.endsWith("/")).map(rel),
        more: page.IsTruncated === true,
      };
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async hasDeletionMark(block: string): Promise<boolean> {
    return this.exists(`${this.root}${block}/deletion-mark.json`);
  }

  async hasMeta(block: string): Promise<boolean> {
    return this.exists(`${this.root}${block}/meta.json`);
  }

  /** HEAD, priced as a GET and allowed by s3:GetObject on the key. */
  private async exists(key: string): Promise<boolean> {
    this.requests.getRequests += 1;
    const scope = this.scope();
    try {
      await this.retrying(scope, () => scope.send<HeadObjectCommand, HeadObjectCommandOutput>(this.client, new HeadObjectCommand({ Bucket: this.bucket, Key: key })));
      return true;
    } catch (err) {
      const name = (err as Error).name;
      if (!scope.spent && (name === "NotFound" || name === "NoSuchKey")) return false;
      throw this.translate(err, "get", key, scope);
    } finally {
      scope.dispose();
    }
  }

  private scope(): RequestScope {
    return new RequestScope(this.budgetMs, this.signal);
  }

  private async call<T>(op: "list" | "get", key: string, fn: (scope: RequestScope) => Promise<T>): Promise<T> {
    const scope = this.scope();
    try {
      return await fn(scope);
    } catch (err) {
      throw this.translate(err, op, key, scope);
    } finally {
      scope.dispose();
    }
  }

  /**
   * Retries transient failures with backoff and jitter while the run's listing deadline allows, never
   * past the scope's end: a wait that would outlast it is not started.
   */
  private async retrying<T>(scope: RequestScope, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        const out = await fn();
        this.lastAnswerAt = Date.now();
        return out;
      } catch (err) {
        if ((err as Error)?.name !== "AbortError") scope.lastError = err;
        const delay = this.retryDelaysMs[attempt];
        if (scope.spent || delay === undefined || !isTransient(err) || !this.mayRetry()) throw err;
        const wait = delay * (0.5 + Math.random());
        if (this.budgetMs !== undefined && scope.elapsedMs() + wait >= this.budgetMs) throw err;
        await scope.sleep(wait);
      }
    }
  }

  private resolvedEndpoint: string | undefined;
  /** When the bucket last answered a request (ms, real time). */
  private lastAnswerAt: number | null = null;

  /** How messages name the endpoint: the configured one, else the client's (AWS's for its region). */
  private endpointName(): string {
    return this.endpoint ?? this.resolvedEndpoint ?? "S3";
  }

  /** Resolves the client's endpoint once, for messages only (the client's config is async). */
  private async describeEndpoint(): Promise<void> {
    const cfg = this.client.config as { endpoint?: () => Promise<{ protocol: string; hostname: string; port?: number }>; region?: () => Promise<string> };
    try {
      if (typeof cfg.endpoint === "function") {
        const e = await cfg.endpoint();
        this.resolvedEndpoint = `${e.protocol}//${e.hostname}${e.port ? `:${e.port}` : ""}`;
      } else if (typeof cfg.region === "function") {
        this.resolvedEndpoint = `https://s3.${await cfg.region()}.amazonaws.com`;
      }
    } catch {
      // The request's own error says what went wrong; the endpoint is only named.
    }
  }

  /** Turns SDK errors into one actionable line naming the permission or setting to fix. */
  private translate(err: unknown, op: "list" | "get", key: string, scope?: RequestScope): BucketError | OutOfTimeError {
    if (err instanceof BucketError || err instanceof OutOfTimeError) return err;
    const what = `${op === "list" ? "ListObjectsV2" : "GetObject"} on s3://${this.bucket}/${key}`;
    const last = scope?.lastError;
    if (scope?.spent || (err as Error)?.name === "AbortError") {
      const spent = formatDuration(scope?.elapsedMs() ?? 0);
      if (this.signal?.aborted && this.lastAnswerAt !== null && Date.now() - this.lastAnswerAt < ANSWERING_MS && (last === undefined || isTimeout(last))) {
        return new OutOfTimeError(
          `${this.budgetName} ran out while ${this.location} was still answering (${what} in flight): this run saved nothing; if it repeats, give the function more time`,
        );
      }
      // Out of time. What the last attempt saw says why: throttling, or an endpoint that never answers.
      if (last !== undefined && isThrottling(last)) return this.throttled(last, what, spent);
      if (last !== undefined && !isTimeout(last)) return this.translate(last, op, key);
      return this.hung(what, `for ${spent} (${this.budgetName})`);
    }
    if (isThrottling(err)) return this.throttled(err, what, formatDuration(scope?.elapsedMs() ?? 0));
    if (isTimeout(err)) return this.hung(what, `in ${formatDuration(scope?.elapsedMs() ?? 0)} of attempts`);
    if (isPlainHttp(err)) {
      return new BucketError("unreachable", `the endpoint ${this.endpointName()} speaks plain HTTP, not HTTPS: ${this.names.insecure}`);
    }
    const e = err as Error & { Code?: string; code?: string; $metadata?: { httpStatusCode?: number } };
    const name = e.Code ?? e.name;
    const status = e.$metadata?.httpStatusCode;
    const message = e.message ?? "";
    if (/kms/i.test(name) || /kms/i.test(message)) {
      return new BucketError(
        "kms",
        `KMS denied decrypting s3://${this.bucket}/${key}: grant kms:Decrypt on the bucket's KMS key to this role (${oneLine(message)})`,
      );
    }
    if (name === "AccessDenied" || name === "Forbidden" || status === 403 || name === "InvalidAccessKeyId" || name === "SignatureDoesNotMatch") {
      const need =
        op === "list"
          ? `s3:ListBucket on arn:aws:s3:::${this.bucket}`
          : `s3:GetObject on arn:aws:s3:::${this.bucket}/${this.root}*/meta.json`;
      const creds = name === "InvalidAccessKeyId" || name === "SignatureDoesNotMatch" ? " (the access key or secret key is not valid)" : "";
      return new BucketError("access-denied", `access denied to ${this.location}${creds}: the credentials need ${need}`);
    }
    if (name === "NoSuchBucket") return new BucketError("no-such-bucket", `bucket ${this.bucket} does not exist (check ${this.names.bucket})`);
    if (name === "PermanentRedirect" || name === "AuthorizationHeaderMalformed" || status === 301) {
      const region = (e as { $response?: { headers?: Record<string, string> } }).$response?.headers?.["x-amz-bucket-region"];
      return new BucketError("wrong-region", `bucket ${this.bucket} is in another region${region ? ` (${region})` : ""}: set ${this.names.region} to the bucket's region`);
    }
    const code = e.code ?? (e as { cause?: { code?: string } }).cause?.code;
    if (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "ECONNRESET" || code === "EAI_AGAIN") {
      const where = this.endpoint ?? this.resolvedEndpoint ? ` ${this.endpointName()}` : "";
      return new BucketError(
        "unreachable",
        `cannot reach the S3 endpoint${where} for ${this.location} (${code ?? name}): check the endpoint and insecure (http) settings and the network path`,
      );
    }
    if (name === "CredentialsProviderError") {
      return new BucketError("access-denied", `no AWS credentials: set access_key/secret_key in the objstore config or use the default AWS credential chain`);
    }
    return new BucketError("other", `S3 ${op === "list" ? "ListObjectsV2" : "GetObject"} on ${this.location} failed: ${name}${message ? `: ${oneLine(message)}` : ""}`);
  }

  private hung(what: string, how: string): BucketError {
    return new BucketError(
      "unreachable",
      `the S3 endpoint ${this.endpointName()} did not answer ${what} ${how}: it takes connections but sends no reply; check that it is the bucket's S3 endpoint and that it is up, and the network path (a proxy or firewall holding connections)`,
    );
  }

  private throttled(err: unknown, what: string, spent: string): BucketError {
    return new BucketError(
      "other",
      `S3 kept throttling (${errorName(err)}) ${what} for ${spent}: other readers of the bucket (compactor, store gateways) share its request rate; lower ${this.names.concurrency} or run again later`,
    );
  }
}

/** No answer in time. The SDK also names a reset connection TimeoutError (code ECONNRESET): that one answered, by hanging up. */
function isTimeout(err: unknown): boolean {
  const e = err as Error & { code?: string };
  if (e?.code === "ECONNRESET" || e?.code === "EPIPE") return false;
  return e?.name === "TimeoutError" || e?.code === "ETIMEDOUT" || e?.name === "RequestTimeout";
}

/** An answer this recent means the bucket is working: running out of time then is not a hang. */
const ANSWERING_MS = 5_000;

const BODY_ATTEMPTS = 4;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function oneLine(s: string): string {
  return s.replace(/\s+/g, " ").trim().slice(0, 300);
}
