// A local stand-in for CloudWatch's PutMetricData, for tests with the real SDK client.
// The client (3.11xx) speaks AWS JSON 1.0: POST /, `x-amz-target: GraniteServiceVersion20100801.PutMetricData`,
// `x-amzn-query-mode: true`, body {"Namespace", "MetricData": [{MetricName, Dimensions, Timestamp
// (epoch seconds), Value, Unit}]}, gzipped (`content-encoding: gzip`) when over 10 KB.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";

export interface RecordedDatum {
  MetricName: string;
  Value: number;
  Unit?: string;
  /** Epoch seconds, as on the wire. */
  Timestamp?: number;
  Dimensions?: { Name: string; Value: string }[];
}

export interface RecordedPut {
  namespace: string;
  data: RecordedDatum[];
  /** Uncompressed body size. */
  bytes: number;
  gzip: boolean;
}

export type InjectedFailure = "server-error" | "throttling" | "invalid";

export interface CloudWatchRecorder {
  endpoint: string;
  /** Accepted PutMetricData calls, in arrival order. */
  puts: RecordedPut[];
  /** Every request seen, including failed and rejected ones. */
  requests: number;
  /** Requests rejected because they broke a CloudWatch rule (the reason), beyond injected faults. */
  rejections: string[];
  /** Fail the next `count` requests with the given error. */
  failNext(count: number, kind?: InjectedFailure): void;
  /** All recorded data, flattened. */
  data(): RecordedDatum[];
  reset(): void;
  close(): Promise<void>;
}

const MAX_BODY = 1_000_000;
const ERRORS: Record<InjectedFailure, { status: number; type: string; message: string; fault: string }> = {
  "server-error": { status: 500, type: "InternalServiceFault", message: "injected failure", fault: "Receiver" },
  throttling: { status: 400, type: "Throttling", message: "Rate exceeded", fault: "Sender" },
  invalid: { status: 400, type: "InvalidParameterValue", message: "injected invalid parameter", fault: "Sender" },
};

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": "recorder", ...headers });
  res.end(JSON.stringify(body));
}

function fail(res: ServerResponse, e: { status: number; type: string; message: string; fault: string }): void {
  // awsQueryCompatible services also name the query-protocol error code in this header.
  reply(res, e.status, { __type: `com.amazonaws.cloudwatch#${e.type}`, message: e.message }, { "x-amzn-query-error": `${e.type};${e.fault}` });
}

/** What CloudWatch would reject in a PutMetricData body, or null. */
function violation(body: { Namespace?: unknown; MetricData?: unknown }, bytes: number): string | null {
  if (bytes > MAX_BODY) return `body of ${bytes} bytes exceeds 1 MB`;
  if (typeof body.Namespace !== "string" || body.Namespace.length === 0) return "missing Namespace";
  if (!Array.isArray(body.MetricData) || body.MetricData.length === 0) return "missing MetricData";
  if (body.MetricData.length > 1000) return `${body.MetricData.length} data in one call`;
  for (const d of body.MetricData as RecordedDatum[]) {
    // The SDK writes NaN/Infinity as the strings "NaN"/"Infinity".
    if (typeof d.Value !== "number" || !Number.isFinite(d.Value)) return `non-finite value ${String(d.Value)} for ${d.MetricName}`;
    if ((d.Dimensions?.length ?? 0) > 30) return "more than 30 dimensions";
    for (const dim of d.Dimensions ?? []) {
      if (!/^[\x20-\x7e]{1,1024}$/.test(dim.Value) || !/\S/.test(dim.Value)) return `invalid dimension value ${JSON.stringify(dim.Value)}`;
    }
  }
  return null;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks);
  return req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw;
}

export async function startCloudWatchRecorder(): Promise<CloudWatchRecorder> {
  const failures: InjectedFailure[] = [];
  const rec = {
    endpoint: "",
    puts: [] as RecordedPut[],
    requests: 0,
    rejections: [] as string[],
    failNext(count: number, kind: InjectedFailure = "server-error") {
      for (let i = 0; i < count; i++) failures.push(kind);
    },
    data() {
      return rec.puts.flatMap((p) => p.data);
    },
    reset() {
      rec.puts = [];
      rec.requests = 0;
      rec.rejections = [];
      failures.length = 0;
    },
    close: async () => {},
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      rec.requests++;
      const body = await readBody(req);
      const target = String(req.headers["x-amz-target"] ?? "");
      if (req.method !== "POST" || target !== "GraniteServiceVersion20100801.PutMetricData") {
        return fail(res, { status: 400, type: "UnknownOperationException", message: `unsupported ${req.method} ${target}`, fault: "Sender" });
      }
      const injected = failures.shift();
      if (injected) return fail(res, ERRORS[injected]);
      const parsed = JSON.parse(body.toString("utf8")) as { Namespace?: unknown; MetricData?: unknown };
      const problem = violation(parsed, body.length);
      if (problem) {
        rec.rejections.push(problem);
        return fail(res, { status: 400, type: "InvalidParameterValue", message: problem, fault: "Sender" });
      }
      rec.puts.push({
        namespace: parsed.Namespace as string,
        data: parsed.MetricData as RecordedDatum[],
        bytes: body.length,
        gzip: req.headers["content-encoding"] === "gzip",
      });
      reply(res, 200, {});
    })().catch((err: unknown) => {
      if (!res.headersSent) fail(res, { status: 500, type: "InternalServiceFault", message: String(err), fault: "Receiver" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  rec.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  rec.close = () =>
    new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((err) => (err ? reject(err) : resolve()));
    });
  return rec;
}
