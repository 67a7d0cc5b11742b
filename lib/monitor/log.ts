export type LogLevel = "debug" | "info" | "warn" | "error";

/** Structured JSON lines: one object per line, searchable in CloudWatch Logs Insights. */
export interface Logger {
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
}

export function jsonLogger(write: (line: string) => void = (l) => process.stdout.write(l + "\n"), base: Record<string, unknown> = {}): Logger {
  return {
    log(level, msg, fields = {}) {
      write(JSON.stringify({ level, msg, ...base, ...fields }));
    },
  };
}
