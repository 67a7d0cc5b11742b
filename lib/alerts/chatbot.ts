import { createHash } from "node:crypto";
import { num } from "./format";
import { CHAT_TITLE_MAX, chatTitleOf, subjectOf } from "./headline";
import { nextSteps, stepChat, type GuideOptions } from "./next-steps";
import { severityOf, soleCluster, type Notification } from "./notification";
import { sections } from "./sections";

/** AWS Chatbot custom notification: Chatbot drops anything else an SNS topic carries. */
export interface ChatbotNotification {
  version: "1.0";
  source: "custom";
  content: { textType: "client-markdown"; title: string; description: string; nextSteps: string[]; keywords: string[] };
  metadata: { threadId: string; summary: string };
}

/**
 * A chat message is read at a glance and Slack cuts long text (3,000 characters a section), so the
 * description stays under this budget whatever the number of clusters: the rest is counted.
 */
export const CHAT_DESCRIPTION_MAX = 2_800;
const CHAT_ITEMS_PER_KIND = 10;
const ICON = { critical: ":rotating_light:", warning: ":warning:", info: ":information_source:" } as const;

/**
 * One thread per cluster (stall, reminders and recovery read as one story); a message about several
 * clusters gets its own. The name is hashed: it is user-controlled and a thread id is no place for it.
 */
export function threadIdOf(n: Notification): string {
  const sole = soleCluster(n);
  if (sole === null) return `blockwatch-run-${new Date(n.at).toISOString()}`;
  return `blockwatch-cluster-${createHash("sha256").update(sole).digest("hex").slice(0, 32)}`;
}

export function renderChatbot(n: Notification, options: GuideOptions): ChatbotNotification {
  const severity = severityOf(n);
  const lines: string[] = [];
  let used = 0;
  const add = (line: string): boolean => {
    if (used + line.length + 1 > CHAT_DESCRIPTION_MAX) return false;
    lines.push(line);
    used += line.length + 1;
    return true;
  };
  // Reserve room for every section's header and "more" line, so that no kind is dropped silently.
  const all = sections(n);
  const reserve = all.length * 160;
  for (const s of all) {
    add(`*${s.title} (${num(s.total)})*`);
    let shown = 0;
    while (shown < Math.min(s.total, CHAT_ITEMS_PER_KIND)) {
      const line = s.chat(shown);
      if (used + line.length + 1 + reserve > CHAT_DESCRIPTION_MAX) break;
      add(line);
      shown++;
    }
    if (s.total > shown) add(`• and ${num(s.total - shown)} more`);
  }
  return {
    version: "1.0",
    source: "custom",
    content: {
      textType: "client-markdown",
      title: `${ICON[severity]} ${chatTitleOf(n, CHAT_TITLE_MAX - ICON[severity].length - 1)}`,
      description: lines.join("\n"),
      nextSteps: nextSteps(n, options).map(stepChat),
      keywords: [severity],
    },
    metadata: { threadId: threadIdOf(n), summary: subjectOf(n) },
  };
}
