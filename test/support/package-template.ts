/**
 * Runs the real `serverless package` (osls + serverless-esbuild, offline, no AWS credentials) on a
 * copy of the project in a temporary directory, so it never touches the project's own .serverless/
 * or .esbuild/ (osls empties .serverless/ even with --package). Plus a small evaluator of the
 * CloudFormation conditions, so tests can look at the stack a deploy would create.
 */
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { inflateRawSync } from "node:zlib";

export const ROOT = resolve(import.meta.dirname, "../..");
const OSLS_BIN = join(ROOT, "node_modules/osls/bin/serverless.js");
/** What the packaging needs from the project; node_modules is linked, not copied. */
const PROJECT_FILES = ["serverless.yml", "package.json", "tsconfig.json", "deploy", "handlers", "lib"];

// CloudFormation JSON is untyped; tests navigate it freely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface Packaged {
  template: Json;
  /** The Lambda zip written by serverless-esbuild. */
  zip: Buffer;
  ms: number;
  stdout: string;
  stderr: string;
}

export interface PackageFailure {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Environment without AWS credentials or profile: packaging must not need them. */
function offlineEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|DEFAULT_PROFILE|REGION|DEFAULT_REGION)$/.test(k)) continue;
    if (k.startsWith("SLS_") || k.startsWith("SERVERLESS_")) continue;
    env[k] = v;
  }
  env.HOME = home; // no ~/.aws, no ~/.serverless
  // serverless-esbuild leaves its zip staging directory (~1 MB) in the temp dir: keep it in ours.
  env.TMPDIR = join(home, "tmp");
  env.FORCE_COLOR = "0";
  env.NO_COLOR = "1";
  return env;
}

function run(cwd: string, args: string[], home: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [OSLS_BIN, ...args], { cwd, env: offlineEnv(home), timeout: 110_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : null) : 0;
      done({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

function projectCopy(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "blockwatch-pkg-"));
  for (const f of PROJECT_FILES) {
    if (existsSync(join(ROOT, f))) cpSync(join(ROOT, f), join(dir, "project", f), { recursive: true });
  }
  symlinkSync(join(ROOT, "node_modules"), join(dir, "project", "node_modules"), "dir");
  mkdirSync(join(dir, "tmp"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const paramArgs = (params: Record<string, string>) => Object.entries(params).map(([k, v]) => `--param=${k}=${v}`);

/** `serverless package --stage test --region us-east-1 --param=...`; throws with the output on failure. */
export async function packageTemplate(params: Record<string, string>): Promise<Packaged> {
  const { dir, cleanup } = projectCopy();
  try {
    const out = join(dir, "out");
    const started = Date.now();
    const r = await run(join(dir, "project"), ["package", "--package", out, "--stage", "test", "--region", "us-east-1", ...paramArgs(params)], dir);
    const ms = Date.now() - started;
    const file = join(out, "cloudformation-template-update-stack.json");
    if (r.code !== 0 || !existsSync(file)) {
      throw new Error(`serverless package failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
    }
    return {
      template: JSON.parse(readFileSync(file, "utf8")),
      zip: readFileSync(join(out, "blockwatch.zip")),
      ms,
      stdout: r.stdout,
      stderr: r.stderr,
    };
  } finally {
    cleanup();
  }
}

/** Runs a packaging that is expected to fail, and returns its output. */
export async function packageFailure(params: Record<string, string>): Promise<PackageFailure> {
  const { dir, cleanup } = projectCopy();
  try {
    return await run(join(dir, "project"), ["package", "--package", join(dir, "out"), "--stage", "test", ...paramArgs(params)], dir);
  } finally {
    cleanup();
  }
}

/** One file out of a zip archive (stored or deflated entries; what serverless-esbuild writes). */
export function unzipEntry(zip: Buffer, name: string): Buffer {
  let eocd = zip.length - 22;
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error("not a zip archive");
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLen = zip.readUInt16LE(at + 28);
    const extraLen = zip.readUInt16LE(at + 30);
    const commentLen = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const entry = zip.subarray(at + 46, at + 46 + nameLen).toString("utf8");
    names.push(entry);
    if (entry === name) {
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + size);
      if (method === 0) return Buffer.from(data);
      if (method === 8) return inflateRawSync(data);
      throw new Error(`zip entry ${name}: compression method ${method}`);
    }
    at += 46 + nameLen + extraLen + commentLen;
  }
  throw new Error(`zip has no ${name} (entries: ${names.join(", ")})`);
}

// ---------------------------------------------------------------------------------------------
// The stack a deploy would create: conditions evaluated with the parameters' defaults (which are
// the --param values), Fn::If resolved, AWS::NoValue dropped, Refs to parameters and pseudo
// parameters substituted. Refs and GetAtts of resources stay as they are.

export const PSEUDO: Record<string, string> = {
  "AWS::Partition": "aws",
  "AWS::Region": "us-east-1",
  "AWS::AccountId": "123456789012",
  "AWS::StackName": "blockwatch-test",
  "AWS::URLSuffix": "amazonaws.com",
};

const NO_VALUE = Symbol("AWS::NoValue");

export class Stack {
  readonly params: Record<string, string>;
  private readonly conditions = new Map<string, boolean>();

  constructor(readonly template: Json) {
    this.params = Object.fromEntries(
      Object.entries((template.Parameters ?? {}) as Record<string, Json>).map(([k, p]) => [k, String(p.Default ?? "")]),
    );
  }

  condition(name: string): boolean {
    const known = this.conditions.get(name);
    if (known !== undefined) return known;
    const def = this.template.Conditions?.[name];
    if (def === undefined) throw new Error(`no condition ${name}`);
    const v = this.truth(def);
    this.conditions.set(name, v);
    return v;
  }

  private truth(c: Json): boolean {
    if ("Fn::Equals" in c) {
      const [a, b] = c["Fn::Equals"].map((x: Json) => this.value(x));
      return String(a) === String(b);
    }
    if ("Fn::Not" in c) return !this.truth(c["Fn::Not"][0]);
    if ("Fn::And" in c) return c["Fn::And"].every((x: Json) => this.truth(x));
    if ("Fn::Or" in c) return c["Fn::Or"].some((x: Json) => this.truth(x));
    if ("Condition" in c) return this.condition(c.Condition);
    throw new Error(`unsupported condition ${JSON.stringify(c)}`);
  }

  /** Resolves intrinsic functions as far as a template alone allows. */
  value(x: Json): Json {
    if (Array.isArray(x)) return x.map((v) => this.value(v)).filter((v) => v !== NO_VALUE);
    if (x === null || typeof x !== "object") return x;
    const keys = Object.keys(x);
    if (keys.length === 1) {
      const [k] = keys as [string];
      const arg = x[k];
      if (k === "Ref") {
        if (arg === "AWS::NoValue") return NO_VALUE;
        if (arg in PSEUDO) return PSEUDO[arg];
        if (arg in this.params) return this.params[arg];
        return x;
      }
      if (k === "Fn::If") return this.value(this.condition(arg[0]) ? arg[1] : arg[2]);
      if (k === "Fn::Select") {
        const list = this.value(arg[1]);
        return Array.isArray(list) ? list[Number(this.value(arg[0]))] : { "Fn::Select": [arg[0], list] };
      }
      if (k === "Fn::Split") {
        const s = this.value(arg[1]);
        return typeof s === "string" ? s.split(arg[0]) : { "Fn::Split": [arg[0], s] };
      }
      if (k === "Fn::Join") {
        const parts = this.value(arg[1]) as Json[];
        return parts.every((p) => typeof p === "string") ? parts.join(arg[0]) : { "Fn::Join": [arg[0], parts] };
      }
      if (k === "Fn::Sub" && typeof arg === "string") {
        const out = arg.replace(/\$\{([^}!]+)\}/g, (m, name: string) => PSEUDO[name] ?? this.params[name] ?? m);
        return out.includes("${") ? { "Fn::Sub": out } : out;
      }
    }
    const out: Record<string, Json> = {};
    for (const k of keys) {
      const v = this.value(x[k]);
      if (v !== NO_VALUE) out[k] = v;
    }
    return out;
  }

  /** The resources the stack would hold, resolved. */
  resources(): Record<string, Json> {
    const out: Record<string, Json> = {};
    for (const [id, r] of Object.entries(this.template.Resources as Record<string, Json>)) {
      if (r.Condition && !this.condition(r.Condition)) continue;
      out[id] = this.value(r);
    }
    return out;
  }

  outputs(): Record<string, Json> {
    const out: Record<string, Json> = {};
    for (const [id, o] of Object.entries((this.template.Outputs ?? {}) as Record<string, Json>)) {
      if (o.Condition && !this.condition(o.Condition)) continue;
      out[id] = this.value(o.Value);
    }
    return out;
  }
}
