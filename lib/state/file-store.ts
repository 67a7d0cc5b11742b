import { readFile, rename, writeFile } from "node:fs/promises";
import { StateCorruptError, parseState, serializeState, type State } from "./state";

export interface LoadedState {
  state: State | null;
  /** Set when a damaged document was moved aside: the run rebuilds from the lookback window. */
  setAside?: { path: string; reason: string };
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
    const aside = `${path}.corrupt-${new Date(now).toISOString().replace(/[:.]/g, "")}`;
    await rename(path, aside);
    return { state: null, setAside: { path: aside, reason: err.message } };
  }
}

/** Written to a temporary file and renamed, so an interrupted run never leaves half a document. */
export async function saveStateFile(path: string, state: State): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, serializeState(state));
  await rename(tmp, path);
}
