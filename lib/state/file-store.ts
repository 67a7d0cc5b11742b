import { randomBytes } from "node:crypto";
import { access, constants, copyFile, link, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { StateCorruptError, parseState, serializeState, type State } from "./state";

export interface LoadedState {
  state: State | null;
  /** Set when a damaged document was moved aside: the run rebuilds from the lookback window. */
  setAside?: { path: string; reason: string };
}

/**
 * Why `path` cannot hold the state, or null: checked before a scan, so that a mistyped path fails
 * at once rather than after the whole bucket was read.
 */
export async function stateFileProblem(path: string): Promise<string | null> {
  const info = await stat(path).catch(() => null);
  if (info?.isDirectory()) return `${path} is a directory: give a file name, e.g. ${path.replace(/\/+$/, "")}/blockwatch-state.json`;
  const dir = dirname(path);
  const parent = await stat(dir).catch(() => null);
  if (!parent?.isDirectory()) return `directory ${dir} does not exist`;
  const writable = await access(dir, constants.W_OK).then(() => true, () => false);
  return writable ? null : `directory ${dir} is not writable`;
}

/** The CLI's `--state FILE`. A damaged file is kept aside, never overwritten. */
export async function loadStateFile(path: string, now: number): Promise<LoadedState> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { state: null };
    throw err;
  }
  try {
    return { state: parseState(text) };
  } catch (err) {
    if (!(err instanceof StateCorruptError)) throw err;
    const aside = await keepAside(path, `corrupt-${new Date(now).toISOString().replace(/[:.]/g, "")}`);
    return { state: null, setAside: { path: aside, reason: err.message } };
  }
}

/**
 * Moves `path` to `<path>.<suffix>-<random>`, never replacing an existing file: rename() would
 * overwrite an earlier copy, a hard link fails on an existing name (EEXIST) instead. Byte for
 * byte: the damaged document is not re-encoded.
 */
async function keepAside(path: string, suffix: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    // A random tail: two copies kept at the same `now` (or the same second) get two names.
    const aside = `${path}.${suffix}-${randomBytes(4).toString("hex")}`;
    try {
      await link(path, aside).catch(async (err: NodeJS.ErrnoException) => {
        // A filesystem without hard links: an exclusive copy refuses an existing name too.
        if (err.code === "EEXIST") throw err;
        await copyFile(path, aside, constants.COPYFILE_EXCL);
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST" && attempt < 5) continue;
      throw err;
    }
    await unlink(path);
    return aside;
  }
}

/** Written to a temporary file and renamed, so an interrupted run never leaves half a document. */
export async function saveStateFile(path: string, state: State): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, serializeState(state));
  await rename(tmp, path);
}
