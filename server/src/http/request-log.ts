import type { RequestHandler } from "express";
import type { Logger } from "@liveline/core";

export interface RequestLogOptions {
  logger: Logger;
  /** Paths that log nothing (probes and scrapes would drown the log). */
  quiet: ReadonlySet<string>;
}

/**
 * One JSON line per request when its answer is finished (or its connection closed first):
 * `request completed` at info, or `request errored` at error for a 5xx, with the request (id,
 * method, URL, headers, peer; the logger redacts the Authorization header), the status, the
 * time taken in ms, and the error code the error middleware answered with.
 *
 * The line is written once, at the end: no per-request child logger is built at the start
 * (pino-http's way, which also serialised every answer header into each line): 7–13% of a
 * publish's server CPU in paired runs (docs/performance-notes.md).
 */
export function requestLog({ logger, quiet }: RequestLogOptions): RequestHandler {
  return (req, res, next) => {
    if (quiet.has(req.path)) {
      next();
      return;
    }
    const started = Date.now();
    const done = () => {
      res.off("finish", done);
      res.off("close", done);
      const code: unknown = res.locals.errorCode;
      const failed = res.statusCode >= 500;
      logger[failed ? "error" : "info"](
        {
          req: {
            id: res.getHeader("x-request-id"),
            method: req.method,
            url: req.originalUrl,
            headers: req.headers,
            remoteAddress: req.socket.remoteAddress,
            remotePort: req.socket.remotePort,
          },
          res: { statusCode: res.statusCode },
          responseTime: Date.now() - started,
          ...(typeof code === "string" ? { errorCode: code } : {}),
        },
        failed ? "request errored" : "request completed",
      );
    };
    res.on("finish", done);
    res.on("close", done);
    next();
  };
}
