import { pino, type Logger } from "pino";

export type { Logger };

/** Structured JSON logs, namespaced by role. Tokens are redacted wherever they could appear. */
export function createLogger(role: string, level = process.env.LOG_LEVEL ?? "info"): Logger {
  return pino({
    name: `liveline:${role}`,
    level,
    redact: { paths: ["req.headers.authorization", "*.token", "token", "headers.authorization"], censor: "[redacted]" },
  });
}
