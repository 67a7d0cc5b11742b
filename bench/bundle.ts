// The Lambda bundle exactly as `serverless package` makes it: serverless.yml's custom.esbuild
// options, read from the file, given to esbuild (serverless-esbuild's own mapping of them), with
// the fallback the brief names if serverless.yml is not there.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { build, type BuildOptions } from "esbuild";
import { parse } from "yaml";

export interface LambdaBuild {
  /** Where the options came from. */
  source: string;
  options: BuildOptions;
  entry: string;
  memorySize: number;
  /** The function's timeout (s): the time budget of one run. */
  timeout: number;
  architecture: string;
  /** The function's environment read by the runtime itself (glibc's MALLOC_*), literal values. */
  runtimeEnv: Record<string, string>;
}

/**
 * The flags the Lambda Node.js runtime starts node with in a function of `mb` MB (its bootstrap:
 * a tenth of the memory for the young generation, half of that a semi-space, the rest old space),
 * so a cgroup of that size holds the same heap as the function.
 */
export function lambdaNodeFlags(mb: number): string[] {
  const newSpace = Math.floor(mb / 10);
  return ["--expose-gc", "--max-http-header-size=81920", `--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${mb - newSpace}`];
}

const FALLBACK = {
  bundle: true,
  minify: true,
  sourcemap: false,
  platform: "node",
  target: "node22",
  format: "cjs",
  outputFileExtension: ".cjs",
  mainFields: ["module", "main"],
  exclude: [] as string[],
};

export function lambdaBuild(root: string): LambdaBuild {
  const file = join(root, "serverless.yml");
  let esb: Record<string, unknown> = FALLBACK;
  let handler = "handlers/scheduled.handler";
  let memorySize = 256;
  let timeout = 300;
  let architecture = "arm64";
  let runtimeEnv: Record<string, string> = {};
  let source = "fallback (no serverless.yml): esbuild minify, platform node, target node22, cjs, mainFields module,main, SDK bundled";
  if (existsSync(file)) {
    // CloudFormation tags (!Sub, !Ref...) are not ours to resolve: logLevel error keeps them quiet.
    const doc = parse(readFileSync(file, "utf8"), { logLevel: "error" }) as {
      custom?: { esbuild?: Record<string, unknown> };
      functions?: Record<string, { handler?: string; environment?: Record<string, unknown> }>;
      provider?: { memorySize?: number; timeout?: number; architecture?: string };
    };
    if (doc.custom?.esbuild) {
      esb = doc.custom.esbuild;
      source = "serverless.yml custom.esbuild";
    }
    handler = Object.values(doc.functions ?? {})[0]?.handler ?? handler;
    const env = Object.values(doc.functions ?? {})[0]?.environment ?? {};
    runtimeEnv = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[0].startsWith("MALLOC_") && typeof e[1] === "string"));
    memorySize = doc.provider?.memorySize ?? memorySize;
    timeout = doc.provider?.timeout ?? timeout;
    architecture = doc.provider?.architecture ?? architecture;
  }
  const ext = typeof esb.outputFileExtension === "string" ? esb.outputFileExtension : ".js";
  const options: BuildOptions = {
    bundle: esb.bundle !== false,
    minify: esb.minify === true,
    sourcemap: esb.sourcemap === true,
    platform: (esb.platform as BuildOptions["platform"]) ?? "node",
    target: (esb.target as string) ?? "node22",
    format: (esb.format as BuildOptions["format"]) ?? "cjs",
    outExtension: ext === ".js" ? undefined : { ".js": ext },
    mainFields: (esb.mainFields as string[]) ?? undefined,
    // serverless-esbuild's `exclude` (default ['aws-sdk']) becomes esbuild's `external`.
    external: (esb.exclude as string[] | undefined) ?? ["aws-sdk"],
    logLevel: "error",
  };
  const base = handler.slice(0, handler.lastIndexOf("."));
  const entry = [".ts", ".mts", ".js"].map((e) => base + e).find((f) => existsSync(join(root, f))) ?? `${base}.ts`;
  return { source, options, entry, memorySize, timeout, architecture, runtimeEnv };
}

export interface BundleFigures {
  source: string;
  file: string;
  bytes: number;
  gzipBytes: number;
  coldInitMs: number[];
  coldInitMedianMs: number;
}

/** Builds `entry` with the Lambda's options into `outdir`; returns the output file. */
export async function bundleWith(lb: LambdaBuild, root: string, entry: string, outdir: string): Promise<string> {
  const result = await build({ ...lb.options, absWorkingDir: root, entryPoints: [entry], outdir, outbase: root, metafile: true, write: true });
  const out = Object.keys(result.metafile!.outputs).find((f) => !f.endsWith(".map"))!;
  return join(root, out);
}

/** Size of the handler bundle, and its cold initialisation: require() in a fresh node, `samples` times. */
export async function measureHandlerBundle(root: string, outdir: string, samples: number): Promise<BundleFigures> {
  const lb = lambdaBuild(root);
  const file = await bundleWith(lb, root, lb.entry, outdir);
  const bytes = statSync(file).size;
  const gzipBytes = gzipSync(readFileSync(file)).length;
  const env = {
    PATH: process.env.PATH ?? "",
    THANOS_BUCKET: "kc-thanos-store",
    STATE_BUCKET: "blockwatch-state",
    ALERT_TOPIC_ARN: "arn:aws:sns:us-east-1:111122223333:x",
    AWS_REGION: "us-east-1",
  };
  const probe = `const t=performance.now();const m=require(${JSON.stringify(file)});if(typeof m.handler!=="function")throw new Error("no handler");process.stdout.write(String(performance.now()-t))`;
  const coldInitMs: number[] = [];
  for (let i = 0; i < samples; i++) {
    coldInitMs.push(Number(execFileSync(process.execPath, ["-e", probe], { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })));
  }
  return { source: lb.source, file, bytes, gzipBytes, coldInitMs, coldInitMedianMs: median(coldInitMs) };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
