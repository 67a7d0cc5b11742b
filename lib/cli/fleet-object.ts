import { FleetDocument } from "../fleet/edit";
import { parseFleetConfig, type FleetConfig } from "../fleet/fleet-config";
import { fleetBeside, locationName, parseLocation, type Location } from "../fleet/location";
import { openTextObject, type TextObject } from "../fleet/object";
import { UsageError } from "./usage-error";

/** Where the commands find the fleet config: beside --state, or --fleet-config. */
export const FLEET_OPTIONS = {
  state: { type: "string" },
  "fleet-config": { type: "string" },
} as const;

export const FLEET_USAGE = `  --state FILE|s3://BUCKET/KEY  the state: the fleet config is fleet.yaml beside it
                                (the stack's: s3://<StateBucketName output>/state/blockwatch.json)
  --fleet-config FILE|s3://BUCKET/KEY   the fleet config object itself`;

export function fleetLocation(values: { state?: string; "fleet-config"?: string }): Location | null {
  if (values["fleet-config"] !== undefined) return location(values["fleet-config"], "--fleet-config");
  if (values.state !== undefined) return fleetBeside(location(values.state, "--state"));
  return null;
}

export function location(text: string, flag: string): Location {
  try {
    return parseLocation(text, flag);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** S3 errors name the object and the permission, not only the SDK's words. */
async function withObject<T>(object: TextObject, what: "read" | "write", fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const e = err as Error & { $metadata?: { httpStatusCode?: number } };
    if (!e.$metadata) throw err;
    const hint =
      e.name === "NoSuchBucket"
        ? "the bucket does not exist (the stack's state bucket is its StateBucketName output)"
        : e.$metadata.httpStatusCode === 403
          ? `access denied: the credentials need s3:${what === "read" ? "GetObject" : "PutObject"} on it`
          : `${e.name}: ${e.message}`;
    throw new Error(`cannot ${what} ${object.name}: ${hint}`);
  }
}

/** The fleet config at `where` (none: the empty config). An invalid object is an error naming the field. */
export async function readFleet(where: Location): Promise<FleetConfig> {
  const object = openTextObject(where, "application/yaml");
  const { text } = await withObject(object, "read", () => object.load());
  return parseFleetConfig(text ?? "", object.name);
}

/** Reads, edits in place (comments kept), checks, and saves only if nobody wrote meanwhile. */
export async function editFleet<T>(where: Location, edit: (doc: FleetDocument) => T): Promise<{ result: T; config: FleetConfig; name: string }> {
  const object = openTextObject(where, "application/yaml");
  const stored = await withObject(object, "read", () => object.load());
  const doc = FleetDocument.parse(stored.text, object.name);
  const result = edit(doc);
  const { text, config } = doc.text();
  const saved = await withObject(object, "write", () => object.save(text, stored.version));
  if (!saved.saved) throw new Error(`${object.name} changed while this command ran (another edit?): run it again`);
  return { result, config, name: locationName(where) };
}
