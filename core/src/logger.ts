import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger };

/** Structured JSON logs, namespaced by role. Tokens are redacted wherever they could appear. */
export function createLogger(
  role: string,
  level = process.env.LOG_LEVEL ?? "info",
  /** Where lines go (stdout by default; tests capture them). */
  destination?: DestinationStream,
): Logger {
  const options = {
    name: `liveline:${role}`,
    level,
    redact: { paths: ["req.headers.authorization", "*.token", "token", "headers.authorization"], censor: "[redacted]" },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
