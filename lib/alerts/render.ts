import { plainText } from "./escape";
import { renderChatbot } from "./chatbot";
import { subjectOf } from "./headline";
import type { GuideOptions } from "./next-steps";
import { severityOf, soleCluster, type Notification, type Severity } from "./notification";
import { renderText } from "./text";

export type RenderOptions = GuideOptions;

/** An SNS Publish input without its topic: what the publisher sends. */
export interface SnsMessage {
  Subject: string;
  /** JSON: `default`, `email` (plain text), `sms` (the subject), `https` (AWS Chatbot JSON). */
  Message: string;
  MessageStructure: "json";
  MessageAttributes: {
    severity: { DataType: "String"; StringValue: Severity };
    /** The cluster when the message concerns exactly one, else "multiple": for subscription filters. */
    cluster: { DataType: "String"; StringValue: string };
  };
}

/**
 * SNS takes 256 KiB per Publish, message attributes and subject included; the Message gets all but
 * a margin that covers the subject (< 100 characters) and both attributes (< 1 KiB).
 */
export const SNS_MESSAGE_MAX_BYTES = 256 * 1024 - 6 * 1024;
// Items listed per kind in the plain text, tried in turn until the whole message fits.
const LIST_LIMITS = [200, 100, 50, 20, 10, 5, 2, 1, 0];

export function renderNotification(n: Notification, options: RenderOptions = {}): SnsMessage {
  const subject = subjectOf(n);
  // The Chatbot payload is a JSON string inside the JSON message: never cut, bounded by its own budget.
  const https = JSON.stringify(renderChatbot(n, options));
  let message = "";
  for (const limit of LIST_LIMITS) {
    const text = renderText(n, options, limit);
    message = JSON.stringify({ default: text, email: text, sms: subject, https });
    if (Buffer.byteLength(message, "utf8") <= SNS_MESSAGE_MAX_BYTES) break;
  }
  if (Buffer.byteLength(message, "utf8") > SNS_MESSAGE_MAX_BYTES) {
    // Unreachable with bounded values; a refusal here beats SNS refusing every run.
    throw new Error(`notification does not fit in an SNS message (${Buffer.byteLength(message, "utf8")} bytes)`);
  }
  const cluster = soleCluster(n);
  return {
    Subject: subject,
    Message: message,
    MessageStructure: "json",
    MessageAttributes: {
      severity: { DataType: "String", StringValue: severityOf(n) },
      cluster: { DataType: "String", StringValue: cluster === null ? "multiple" : plainText(cluster, 256) },
    },
  };
}
