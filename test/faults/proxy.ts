// Local HTTP fronts for the fault suite, all in front of one fauxqs server:
//
// - FaultProxy: forwards to fauxqs and injects the failures S3 and SNS show in production: an error
//   status with the service's own error body (S3 XML `<Error><Code>SlowDown</Code>…`, SNS query XML),
//   a connection reset (socket.destroy before any byte), a slow answer, a truncated body (headers with
//   the full Content-Length, half the bytes, then the socket destroyed), a hung request (no byte of
//   an answer) and a stalled one (headers and half the body, then nothing).
// - ConditionalFront: S3 conditional writes. fauxqs 1.9.2 accepts PutObject whatever its If-Match /
//   If-None-Match headers say (checked at start-up by `fauxqsIgnoresConditions`), so without this
//   front two overlapping runs would both "win" and nothing about blockwatch's conditional save would
//   be tested. The front checks the condition against the object's current ETag and forwards the
//   write under a per-key lock, as S3 does atomically: 412 PreconditionFailed on a mismatch, 404
//   NoSuchKey for If-Match on a missing object (S3's documented answer).
import { createHash } from "node:crypto";
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Fault =
  | { kind: "error"; status: number; code: string; message: string; headers?: Record<string, string> }
  | { kind: "reset" }
  /** The answer after `ms`, or as soon as `until` settles if that comes first (a race the scenario controls). */
  | { kind: "slow"; ms: number; until?: Promise<unknown> }
  | { kind: "truncate" }
  /** No answer for `ms`, then the connection is dropped. */
  | { kind: "hang"; ms: number }
  /** The answer's headers (full Content-Length) and half its body, then silence for `ms`, then the connection is dropped. */
  | { kind: "stall"; ms: number };

export type Operation = "list" | "get" | "head" | "put" | "delete" | "sns" | "other";

export interface RequestInfo {
  method: string;
  /** Decoded path without the query: `/bucket/key`. */
  path: string;
  bucket: string;
  key: string;
  query: URLSearchParams;
  op: Operation;
  /** SNS: the query-protocol Action (Publish…). */
  action: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The same for every retry of one logical request: method, path, query and body hash. */
  identity: string;
}

export interface FaultRule {
  name: string;
  when: (r: RequestInfo) => boolean;
  fault: Fault | ((r: RequestInfo) => Fault);
  /** Fault only the first N attempts of each logical request (retries beyond succeed). */
  attemptsPerRequest?: number;
  /** At most this many faults from this rule. */
  limit?: number;
}

type Flavour = "s3" | "sns";

/** FNV-1a of the seed and a request identity, in [0, 1): which requests a rule picks, reproducibly. */
export function pick(seed: number, identity: string): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < identity.length; i++) {
    h ^= identity.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 13;
  h = Math.imul(h, 0x5bd1e995);
  h ^= h >>> 15;
  return (h >>> 0) / 4294967296;
}

export function s3ErrorXml(code: string, message: string, extra = ""): string {
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${esc(code)}</Code><Message>${esc(message)}</Message>` +
    `${extra}<RequestId>FAULT0000000001</RequestId><HostId>faults/injected</HostId></Error>`
  );
}

function snsErrorXml(code: string, message: string, status: number): string {
  return (
    `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>${status >= 500 ? "Receiver" : "Sender"}</Type>` +
    `<Code>${code}</Code><Message>${message}</Message></Error><RequestId>fault-0001</RequestId></ErrorResponse>`
  );
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function describe(req: IncomingMessage, body: Buffer): RequestInfo {
  const url = new URL(req.url ?? "/", "http://local");
  const method = req.method ?? "GET";
  const path = decodeURIComponent(url.pathname);
  const [, bucket = "", ...rest] = path.split("/");
  const key = rest.join("/");
  const form = method === "POST" && path === "/" ? new URLSearchParams(body.toString("utf8")) : null;
  const action = form?.get("Action") ?? "";
  let op: Operation = "other";
  if (action) op = "sns";
  else if (method === "GET" && key === "" && url.searchParams.has("list-type")) op = "list";
  else if (method === "GET" && key !== "") op = "get";
  else if (method === "HEAD" && key !== "") op = "head";
  else if (method === "PUT" && key !== "") op = "put";
  else if (method === "DELETE" && key !== "") op = "delete";
  const bodyHash = body.length > 0 ? createHash("sha1").update(body).digest("hex") : "";
  return { method, path, bucket, key, query: url.searchParams, op, action, headers: req.headers, body, identity: `${method} ${req.url} ${bodyHash}` };
}

/** Forwards one request to the upstream and returns its answer whole (bodies here are small). */
function upstreamCall(upstream: URL, method: string, path: string, headers: IncomingHttpHeaders, body: Buffer): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: upstream.hostname, port: upstream.port, method, path, headers: { ...headers, host: upstream.host } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

function sendWhole(res: ServerResponse, answer: { status: number; headers: IncomingHttpHeaders; body: Buffer }, method: string): void {
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(answer.headers)) if (v !== undefined && k !== "connection" && k !== "keep-alive" && k !== "transfer-encoding") headers[k] = v;
  if (method !== "HEAD") headers["content-length"] = String(answer.body.length);
  res.writeHead(answer.status, headers);
  res.end(method === "HEAD" ? undefined : answer.body);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

abstract class Front {
  protected server: Server | null = null;
  url = "";
  requests = 0;
  constructor(protected readonly upstream: URL) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.serve(req, res).catch((err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(502, { "content-type": "text/plain" });
          res.end(`front error: ${String(err)}`);
        } else res.destroy();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  protected abstract serve(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/** A proxy that injects faults chosen by rules; everything else reaches fauxqs untouched. */
export class FaultProxy extends Front {
  private rules: FaultRule[] = [];
  private readonly attempts = new Map<string, number>();
  private readonly used = new Map<string, number>();
  private readonly held = new Set<() => void>();
  /** Faults injected, by rule name. */
  readonly injected = new Map<string, number>();
  /** Each hung or stalled request: after how long its client gave up on it (null: it waited until the proxy let go). */
  readonly hangs: { kind: "hang" | "stall"; abandonedByClientMs: number | null }[] = [];
  /** Every request seen, with the fault it got (for debugging a failing scenario). */
  readonly trace: { op: Operation; key: string; fault: string | null }[] = [];

  constructor(
    upstream: URL,
    private readonly flavour: Flavour,
  ) {
    super(upstream);
  }

  /** Replaces the rules (and forgets attempt counts). */
  setRules(rules: FaultRule[]): void {
    this.rules = rules;
    this.attempts.clear();
    this.used.clear();
  }

  clear(): void {
    this.setRules([]);
  }

  totalInjected(): number {
    let n = 0;
    for (const v of this.injected.values()) n += v;
    return n;
  }

  /** Ends every hung request now (its connection is dropped). */
  releaseHung(): void {
    for (const release of [...this.held]) release();
  }

  private choose(r: RequestInfo): { rule: FaultRule; fault: Fault } | null {
    for (const rule of this.rules) {
      if (!rule.when(r)) continue;
      const id = `${rule.name}\u0000${r.identity}`;
      const seen = this.attempts.get(id) ?? 0;
      this.attempts.set(id, seen + 1);
      if (rule.attemptsPerRequest !== undefined && seen >= rule.attemptsPerRequest) continue;
      const used = this.used.get(rule.name) ?? 0;
      if (rule.limit !== undefined && used >= rule.limit) continue;
      this.used.set(rule.name, used + 1);
      return { rule, fault: typeof rule.fault === "function" ? rule.fault(r) : rule.fault };
    }
    return null;
  }

  /** Holds a request's connection silent for `ms`, or until its client closes it (booked in `hangs`). */
  private async hold(req: IncomingMessage, kind: "hang" | "stall", ms: number): Promise<void> {
    const t0 = Date.now();
    const entry: { kind: "hang" | "stall"; abandonedByClientMs: number | null } = { kind, abandonedByClientMs: null };
    this.hangs.push(entry);
    if (req.socket.destroyed) {
      entry.abandonedByClientMs = 0;
      return;
    }
    await new Promise<void>((resolve) => {
      const release = () => {
        clearTimeout(timer);
        req.socket.off("close", onClose);
        this.held.delete(release);
        resolve();
      };
      const onClose = () => {
        entry.abandonedByClientMs = Date.now() - t0;
        release();
      };
      const timer = setTimeout(release, ms);
      req.socket.once("close", onClose);
      this.held.add(release);
    });
  }

  protected async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests++;
    const body = await readAll(req);
    const info = describe(req, body);
    const chosen = this.choose(info);
    this.trace.push({ op: info.op, key: info.key, fault: chosen ? `${chosen.rule.name}:${chosen.fault.kind}` : null });
    if (this.trace.length > 50_000) this.trace.splice(0, 25_000);
    if (!chosen) return sendWhole(res, await upstreamCall(this.upstream, info.method, req.url ?? "/", req.headers, body), info.method);
    this.injected.set(chosen.rule.name, (this.injected.get(chosen.rule.name) ?? 0) + 1);
    const f = chosen.fault;
    switch (f.kind) {
      case "error": {
        const xml = this.flavour === "sns" ? snsErrorXml(f.code, f.message, f.status) : s3ErrorXml(f.code, f.message);
        // S3 answers HEAD errors without a body: the SDK then names the error after the status.
        const payload = info.method === "HEAD" ? "" : xml;
        res.writeHead(f.status, {
          "content-type": "application/xml",
          "content-length": String(Buffer.byteLength(payload)),
          "x-amz-request-id": "FAULT0000000001",
          ...f.headers,
        });
        res.end(payload);
        return;
      }
      case "reset":
        req.socket.destroy();
        return;
      case "slow":
        await Promise.race([sleep(f.ms), ...(f.until ? [f.until.then(() => undefined, () => undefined)] : [])]);
        return sendWhole(res, await upstreamCall(this.upstream, info.method, req.url ?? "/", req.headers, body), info.method);
      case "hang":
        await this.hold(req, "hang", f.ms);
        req.socket.destroy();
        return;
      case "stall": {
        const answer = await upstreamCall(this.upstream, info.method, req.url ?? "/", req.headers, body);
        if (info.method === "HEAD" || answer.body.length < 2 || answer.status >= 300) return sendWhole(res, answer, info.method);
        const headers: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(answer.headers)) if (v !== undefined && k !== "connection" && k !== "transfer-encoding") headers[k] = v;
        headers["content-length"] = String(answer.body.length);
        res.writeHead(answer.status, headers);
        await new Promise<void>((resolve) => res.write(answer.body.subarray(0, Math.floor(answer.body.length / 2)), () => resolve()));
        await this.hold(req, "stall", f.ms);
        req.socket.destroy();
        return;
      }
      case "truncate": {
        const answer = await upstreamCall(this.upstream, info.method, req.url ?? "/", req.headers, body);
        if (info.method === "HEAD" || answer.body.length < 2 || answer.status >= 300) return sendWhole(res, answer, info.method);
        const headers: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(answer.headers)) if (v !== undefined && k !== "connection" && k !== "transfer-encoding") headers[k] = v;
        headers["content-length"] = String(answer.body.length);
        res.writeHead(answer.status, headers);
        res.write(answer.body.subarray(0, Math.floor(answer.body.length / 2)), () => res.socket?.destroy());
        return;
      }
    }
  }
}

export interface ConditionalStats {
  /** PutObject calls on a watched key that carried If-Match or If-None-Match. */
  conditionalPuts: number;
  /** PutObject calls on a watched key without any condition (a blind overwrite). */
  unconditionalPuts: number;
  preconditionFailed: number;
  noSuchKey: number;
}

/**
 * S3 conditional writes in front of fauxqs. `watch` names the keys (`bucket/key`) whose writes are
 * counted; conditions are enforced on every key. `barrier(n)` holds conditional writes until n have
 * arrived (or a timeout), then lets them through in arrival order: a deterministic race.
 */
export class ConditionalFront extends Front {
  private readonly locks = new Map<string, Promise<void>>();
  private readonly watched = new Set<string>();
  private barrierState: { need: number; waiting: (() => void)[]; timer: NodeJS.Timeout | null } | null = null;
  private loadDelayMs = 0;
  private afterLoad: ((key: string) => Promise<void>) | null = null;
  readonly stats: ConditionalStats = { conditionalPuts: 0, unconditionalPuts: 0, preconditionFailed: 0, noSuchKey: 0 };

  watch(bucket: string, key: string): void {
    this.watched.add(`${bucket}/${key}`);
  }

  /** Holds the next conditional writes until `n` have arrived (at most `timeoutMs`). */
  barrier(n: number, timeoutMs = 5_000): void {
    const state = { need: n, waiting: [] as (() => void)[], timer: null as NodeJS.Timeout | null };
    state.timer = setTimeout(() => this.openBarrier(), timeoutMs);
    this.barrierState = state;
  }

  /** Delays the answer to every GET of a watched key: widens the window between load and save. */
  delayLoads(ms: number): void {
    this.loadDelayMs = ms;
  }

  /** Runs `hook` after each GET of a watched key has been answered upstream (before it is sent on). */
  onLoad(hook: ((key: string) => Promise<void>) | null): void {
    this.afterLoad = hook;
  }

  resetStats(): void {
    Object.assign(this.stats, { conditionalPuts: 0, unconditionalPuts: 0, preconditionFailed: 0, noSuchKey: 0 });
  }

  private openBarrier(): void {
    const b = this.barrierState;
    if (!b) return;
    this.barrierState = null;
    if (b.timer) clearTimeout(b.timer);
    for (const go of b.waiting) go();
  }

  private async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.locks.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const chain = before.then(() => mine);
    this.locks.set(key, chain);
    await before;
    try {
      return await fn();
    } finally {
      release();
      if (this.locks.get(key) === chain) this.locks.delete(key);
    }
  }

  protected async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests++;
    const body = await readAll(req);
    const info = describe(req, body);
    const full = `${info.bucket}/${info.key}`;
    const watched = this.watched.has(full);
    if (info.op === "get" && watched) {
      const answer = await upstreamCall(this.upstream, info.method, req.url ?? "/", req.headers, body);
      if (this.afterLoad) await this.afterLoad(full);
      if (this.loadDelayMs > 0) await sleep(this.loadDelayMs);
      return sendWhole(res, answer, info.method);
    }
    const ifMatch = req.headers["if-match"];
    const ifNoneMatch = req.headers["if-none-match"];
    if (info.op !== "put" || (ifMatch === undefined && ifNoneMatch === undefined)) {
      if (info.op === "put" && watched) this.stats.unconditionalPuts++;
      return sendWhole(res, await upstreamCall(this.upstream, info.method, req.url ?? "/", req.headers, body), info.method);
    }
    if (watched) this.stats.conditionalPuts++;
    const b = this.barrierState;
    if (b) {
      await new Promise<void>((go) => {
        b.waiting.push(go);
        if (b.waiting.length >= b.need) this.openBarrier();
      });
    }
    await this.withLock(full, async () => {
      const head = await upstreamCall(this.upstream, "HEAD", `/${encodeURIComponent(info.bucket)}/${info.key.split("/").map(encodeURIComponent).join("/")}`, { authorization: req.headers.authorization ?? "" }, Buffer.alloc(0));
      const current = head.status === 200 ? normaliseEtag(String(head.headers.etag ?? "")) : null;
      let refusal: { status: number; code: string; message: string } | null = null;
      if (ifNoneMatch !== undefined && ifNoneMatch.trim() === "*" && current !== null) {
        refusal = { status: 412, code: "PreconditionFailed", message: "At least one of the pre-conditions you specified did not hold" };
      } else if (ifMatch !== undefined) {
        if (current === null) refusal = { status: 404, code: "NoSuchKey", message: "The specified key does not exist." };
        else if (normaliseEtag(ifMatch) !== current) refusal = { status: 412, code: "PreconditionFailed", message: "At least one of the pre-conditions you specified did not hold" };
      }
      if (refusal) {
        if (refusal.status === 412) this.stats.preconditionFailed++;
        else this.stats.noSuchKey++;
        const xml = s3ErrorXml(refusal.code, refusal.message, "<Condition>If-Match</Condition>");
        res.writeHead(refusal.status, { "content-type": "application/xml", "content-length": String(Buffer.byteLength(xml)) });
        res.end(xml);
        return;
      }
      const headers = { ...req.headers };
      delete headers["if-match"];
      delete headers["if-none-match"];
      sendWhole(res, await upstreamCall(this.upstream, info.method, req.url ?? "/", headers, body), info.method);
    });
  }
}

function normaliseEtag(etag: string): string {
  return etag.trim().replace(/^W\//, "").replace(/^"|"$/g, "");
}
