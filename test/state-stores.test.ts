// Where a damaged state is kept aside: never over an earlier copy.
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, describe, expect, it } from "vitest";
import { loadStateFile } from "../lib/state/file-store";
import { S3StateStore } from "../lib/state/s3-store";
import { startLocalS3, type LocalS3 } from "./support/s3-server";

const NOW = Date.parse("2025-11-03T14:00:00Z");
const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe("FILESYSTEM state (--state FILE)", () => {
  it("keeps every damaged copy, byte for byte, even at the same now", async () => {
    const dir = await mkdtemp(join(tmpdir(), "blockwatch-state-"));
    dirs.push(dir);
    const path = join(dir, "state.json");
    const damaged = [Buffer.from([0xff, 0xfe, 0x7b]), Buffer.from("{\"version\": 1")];
    const kept: string[] = [];
    for (const bytes of damaged) {
      await writeFile(path, bytes);
      const loaded = await loadStateFile(path, NOW);
      expect(loaded.state).toBeNull();
      kept.push(loaded.setAside!.path);
    }
    expect(new Set(kept).size).toBe(2);
    for (const p of kept) expect(p).toMatch(/state\.json\.corrupt-2025-11-03T140000000Z-[0-9a-f]{8}$/);
    expect(await Promise.all(kept.map((p) => readFile(p)))).toEqual(damaged);
    expect((await readdir(dir)).sort()).toEqual(kept.map((p) => p.slice(dir.length + 1)).sort());
  });
});

describe("S3 state (the Lambda)", () => {
  /** An S3 client that answers 412 to a PutObject on a key already written, like S3 with If-None-Match: *. */
  function conditionalBucket() {
    const objects = new Map<string, string>();
    const puts: { key: string; ifNoneMatch?: string }[] = [];
    let forceTaken = 1; // the first name tried is taken: as if an earlier copy had it
    const client = {
      async send(cmd: unknown) {
        if (!(cmd instanceof PutObjectCommand)) throw new Error("unexpected command");
        const { Key, Body, IfNoneMatch } = cmd.input;
        puts.push({ key: Key!, ifNoneMatch: IfNoneMatch });
        if (IfNoneMatch === "*" && (objects.has(Key!) || forceTaken-- > 0)) {
          throw Object.assign(new Error("At least one of the pre-conditions you specified did not hold"), { name: "PreconditionFailed", $metadata: { httpStatusCode: 412 } });
        }
        objects.set(Key!, String(Body));
        return { ETag: '"x"' };
      },
    } as unknown as S3Client;
    return { client, objects, puts };
  }

  it("writes the copy with If-None-Match: * and takes another name when one is taken", async () => {
    const b = conditionalBucket();
    const store = new S3StateStore(b.client, "state-bucket", "state/blockwatch.json");
    const key = await store.setAside("damaged", "corrupt-20251103T140000000Z");
    expect(b.puts).toHaveLength(2);
    expect(b.puts.every((p) => p.ifNoneMatch === "*")).toBe(true);
    expect(b.puts[0]!.key).not.toBe(b.puts[1]!.key);
    expect(key).toBe(b.puts[1]!.key);
    expect(key).toMatch(/^state\/blockwatch\.json\.corrupt-20251103T140000000Z-[0-9a-f]{8}$/);
    expect(b.objects.get(key)).toBe("damaged");
    const again = await store.setAside("damaged again", "corrupt-20251103T140000000Z");
    expect(again).not.toBe(key);
    expect(b.objects.get(key)).toBe("damaged");
  });
});

describe("S3 state read as bytes (the Lambda's load)", () => {
  let s3: LocalS3 | undefined;
  afterAll(async () => s3?.stop());

  it("gives the document's exact bytes, in one buffer, over many chunks; null when there is none", async () => {
    s3 = await startLocalS3();
    s3.createBucket("state-bytes");
    const store = new S3StateStore(s3.client, "state-bytes", "state/blockwatch.json");
    expect(await store.loadBytes()).toEqual({ bytes: null, version: null });
    // 2 MB with multi-byte UTF-8 throughout: the body arrives in many chunks.
    const text = JSON.stringify({ streams: Object.fromEntries(Array.from({ length: 40_000 }, (_, i) => [`kc-ä-${i}`, { team: "日本 🚀", i }])) });
    expect(Buffer.byteLength(text)).toBeGreaterThan(1_000_000);
    const saved = await store.save(Buffer.from(text, "utf8"), null);
    expect(saved.saved).toBe(true);
    const read = await store.loadBytes();
    expect(Buffer.from(read.bytes!).equals(Buffer.from(text, "utf8"))).toBe(true);
    expect(read.version).toBe(saved.saved ? saved.version : null);
    expect((await store.load()).text).toBe(text);
  });
});
