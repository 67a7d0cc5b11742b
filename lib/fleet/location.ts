/**
 * Where the state and the fleet config live: a local path or `s3://bucket/key`. The fleet config
 * sits beside the state, as `fleet.yaml` in the same folder, for the Lambda (state/blockwatch.json
 * -> state/fleet.yaml) and the CLI alike, so `--state` alone names both.
 */
export type Location = { kind: "file"; path: string } | { kind: "s3"; bucket: string; key: string };

export const FLEET_FILE = "fleet.yaml";

export function parseLocation(text: string, flag: string): Location {
  if (!/^s3:\/\//i.test(text)) return { kind: "file", path: text };
  const m = /^s3:\/\/([^/]+)\/(.+)$/i.exec(text);
  if (!m || m[2]!.endsWith("/")) throw new Error(`${flag}: "${text}" is not s3://BUCKET/KEY (a key, not a folder: e.g. s3://my-state/state/blockwatch.json)`);
  return { kind: "s3", bucket: m[1]!, key: m[2]! };
}

export function fleetKeyBeside(stateKey: string): string {
  const slash = stateKey.lastIndexOf("/");
  return slash < 0 ? FLEET_FILE : `${stateKey.slice(0, slash)}/${FLEET_FILE}`;
}

/** The board the scheduled run draws for the dashboard widget: `board.html` beside the state. */
export const BOARD_FILE = "board.html";

export function boardKeyBeside(stateKey: string): string {
  const slash = stateKey.lastIndexOf("/");
  return slash < 0 ? BOARD_FILE : `${stateKey.slice(0, slash)}/${BOARD_FILE}`;
}

export function fleetBeside(state: Location): Location {
  if (state.kind === "s3") return { kind: "s3", bucket: state.bucket, key: fleetKeyBeside(state.key) };
  return { kind: "file", path: fleetKeyBeside(state.path) };
}

export function locationName(l: Location): string {
  return l.kind === "s3" ? `s3://${l.bucket}/${l.key}` : l.path;
}
