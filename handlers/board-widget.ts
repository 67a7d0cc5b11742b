import { S3Client } from "@aws-sdk/client-s3";
import { readPublishedBoard, stateSavedAt } from "../lib/board/published";
import { readSavedState } from "../lib/board/saved-state";
import { renderWidget, type WidgetEvent } from "../lib/board/widget";
import { configFromEnv } from "../lib/monitor/config";

// The dashboard's custom widget: returns the board the scheduled run drew (one GET, and a HEAD of
// the state to know it is current), else draws it from the saved state. Same environment as the
// scheduled function (its policy), read-only role (GetObject on the board and the state).
const config = configFromEnv(process.env);
const s3 = new S3Client({ maxAttempts: 2, requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000, socketTimeout: 5_000 } });
const staleAfterMs = Number(process.env.STALE_AFTER_SECONDS ?? 21_600) * 1000;
const location = `s3://${config.thanosBucket}/${config.thanosPrefix ? config.thanosPrefix + "/" : ""}`;

export const handler = (event: WidgetEvent, context: { getRemainingTimeInMillis(): number }) =>
  renderWidget(
    event,
    {
      loadBoard: (signal) => readPublishedBoard(s3, config.stateBucket, config.boardKey, signal),
      stateSavedAt: (signal) => stateSavedAt(s3, config.stateBucket, config.stateKey, signal),
      load: (signal) => readSavedState(s3, config.stateBucket, config.stateKey, signal),
      policy: config.policy,
      location,
      staleAfterMs,
    },
    // Leave time to render and return what went wrong rather than time out blank.
    context.getRemainingTimeInMillis() - 3_000,
  );
