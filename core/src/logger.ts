import { destination as fileDestination, pino, type DestinationStream, type Logger } from "pino";

export type { Logger };

/**
 * Structured JSON logs, namespaced by role. Tokens are redacted wherever they could appear.
 *
 * Lines go to stdout with a synchronous write from the main thread. pino's own default writes
 * from libuv's thread pool: each line then costs a pool thread's wake-up and the main thread's
 * wake-up for its completion, and a publish logs three lines (the request, the worker's apply,
 * the relay's emit). A line written in place is also never lost when the process dies. The price
 * is the one every server that logs to stdout synchronously pays: a reader of stdout that stops
 * reading (a full pipe) holds the process up, as pino waits 100 ms and tries again, where the
 * pool's writes would have queued the lines in memory.
 */
export function createLogger(
  role: string,
  level = process.env.LOG_LEVEL ?? "info",
  /** Where lines go (stdout by default; tests capture them). */
  destination: DestinationStream = fileDestination({ dest: 1, sync: true }),
): Logger {
  const options = {
    name: `liveline:${role}`,
    level,
    redact: { paths: ["req.headers.authorization", "*.token", "token", "headers.authorization"], censor: "[redacted]" },
  };
  return pino(options, destination);
}
