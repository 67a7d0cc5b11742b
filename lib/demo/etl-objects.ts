import type { BucketObject } from "./bucket-objects";
import { HOUR } from "./fleet";
import { ETL_KINDS, hourlyFolder, type EtlKind } from "../federated/layout";

/** One Kubecost 2.x federated cluster's ETL uploads. */
export interface EtlCluster {
  cluster: string;
  /** First hour of data (ms); aligned down to the hour. */
  from: number;
  /** The cluster uploads nothing after this moment (a stall). */
  stopAt?: number;
  /** Kinds it uploads (default both). */
  kinds?: readonly EtlKind[];
  /** Hours (start, ms) it never uploaded: holes in the sequence. */
  skipHours?: readonly number[];
  /** A file name suffix some writers add. */
  extension?: string;
}

/** How long after an hour ends its hourly file is built and uploaded. */
export const ETL_UPLOAD_DELAY_MS = 7 * 60_000;

/**
 * The hourly ETL files a federated cluster has uploaded by `now`: the file of [h, h+1h) is written
 * shortly after h+1h, allocations a little after assets (allocations are built on assets), plus the
 * daily file of each day that has ended (1d files are not judged; they are there to be ignored).
 */
export function etlObjects(c: EtlCluster, now: number): BucketObject[] {
  const out: BucketObject[] = [];
  const end = Math.min(now, c.stopAt ?? Infinity);
  const skip = new Set(c.skipHours ?? []);
  for (const kind of c.kinds ?? ETL_KINDS) {
    const offset = kind === "assets" ? 0 : 60_000;
    for (let h = Math.floor(c.from / HOUR) * HOUR; ; h += HOUR) {
      const written = h + HOUR + ETL_UPLOAD_DELAY_MS + offset;
      if (written > end) break;
      if (skip.has(h)) continue;
      const name = `${h / 1000}-${(h + HOUR) / 1000}${c.extension ?? ""}`;
      out.push({ key: hourlyFolder(c.cluster, kind) + name, body: "bingen", mtime: written });
      if ((h + HOUR) % (24 * HOUR) === 0) {
        const day = h + HOUR - 24 * HOUR;
        out.push({ key: `federated/${c.cluster}/etl/bingen/${kind}/1d/${day / 1000}-${(h + HOUR) / 1000}`, body: "bingen", mtime: written });
      }
    }
  }
  return out;
}
