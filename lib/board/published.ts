import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { formatDuration } from "../domain/duration";
import type { Report } from "../health/report";
import type { Policy } from "../policy/policy";
import type { State } from "../state/state";
import { html } from "./escape";
import { boardFromState } from "./model";
import { renderBoard } from "./page";
import { when } from "./timeline";

/** Healthy rows drawn on the dashboard's board; the CLI's `report --html` draws every one. */
export const WIDGET_HEALTHY_ROWS = 200;

/**
 * The dashboard's board, as the scheduled run draws it once a run (and the widget draws it when the
 * run's copy is missing or older than the state): a fragment for a CloudWatch custom widget. Its
 * "now" is the run's: the statuses the alerts and metrics were sent from.
 */
export function widgetBoardHtml(input: { report: Report; state: State; policy: Policy; location: string; notice?: string; drawnBy: "run" | "widget" }): string {
  const board = boardFromState({ report: input.report, policy: input.policy, state: input.state, location: input.location, ...(input.notice ? { notice: input.notice } : {}) });
  const asOf =
    input.drawnBy === "run"
      ? `drawn by the run of ${when(board.now)}: the "now" line is that run's time, not the time you look`
      : `drawn from the state the run of ${when(board.now)} saved: the "now" line is that run's time`;
  return renderBoard(board, { fragment: true, maxHealthyRows: WIDGET_HEALTHY_ROWS, foldHealthyAbove: 30, asOf });
}

/** A notice put above a board already drawn (the run drew it; the widget only adds what it knows at view time). */
export function withNotice(fragment: string, notice: string): string {
  const at = fragment.indexOf('<div class="bw">');
  const p = `<p class="notice">${html(notice, 400)}</p>`;
  return at < 0 ? p + fragment : fragment.slice(0, at + '<div class="bw">'.length) + p + fragment.slice(at + '<div class="bw">'.length);
}

export function staleNotice(ageMs: number): string {
  return `The last run saved this ${formatDuration(ageMs)} ago: the monitor may have stopped (see its not-reporting alarm).`;
}

/** The run's write of the board: PutObject on the board key only (its role may not write elsewhere). */
export async function publishBoard(client: S3Client, bucket: string, key: string, fragment: string): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: fragment, ContentType: "text/html; charset=utf-8" }));
}

export interface PublishedBoard {
  html: string;
  /** The object's LastModified: when the run wrote it. */
  savedAt: number;
}

const missing = (err: unknown) => {
  const e = err as Error & { $metadata?: { httpStatusCode?: number } };
  // Without s3:ListBucket a missing key answers 403, not 404: both mean "not written yet" here.
  return e.name === "NoSuchKey" || e.name === "NotFound" || e.name === "AccessDenied" || e.$metadata?.httpStatusCode === 404 || e.$metadata?.httpStatusCode === 403;
};

/** The widget's one GET of the board the run drew. Null: none yet (or no access: the fallback says which). */
export async function readPublishedBoard(client: S3Client, bucket: string, key: string, signal?: AbortSignal): Promise<PublishedBoard | null> {
  try {
    const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
    return { html: (await res.Body?.transformToString("utf-8")) ?? "", savedAt: res.LastModified?.getTime() ?? 0 };
  } catch (err) {
    if (missing(err)) return null;
    throw err;
  }
}

/** When the state was last written (a HEAD, billed as a GET): a board older than it is out of date. Null: no state. */
export async function stateSavedAt(client: S3Client, bucket: string, key: string, signal?: AbortSignal): Promise<number | null> {
  try {
    const res = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
    return res.LastModified?.getTime() ?? null;
  } catch (err) {
    if (missing(err)) return null;
    throw err;
  }
}
