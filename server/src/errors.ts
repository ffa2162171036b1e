import type { ErrorRequestHandler, RequestHandler } from "express";
import { statusOf, type ErrorCode, type ErrorBody } from "@liveline/protocol";
import type { z } from "zod";
import { ReplicationTimeoutError, type Logger } from "@liveline/core";

/** The one error class of the service: a stable `code` that maps to an HTTP status. */
export class LivelineError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    /** Sent as `Retry-After` (seconds) with `rate_limited` answers. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "LivelineError";
    this.status = statusOf(code);
  }

  toBody(): ErrorBody {
    return this.details === undefined
      ? { error: { code: this.code, message: this.message } }
      : { error: { code: this.code, message: this.message, details: this.details } };
  }
}

/**
 * The answer for a feed that does not exist, and for a private feed the caller may not read:
 * the same status, code, message and headers, so that no caller learns which feeds exist.
 */
export function feedNotFound(feedId: string): LivelineError {
  return new LivelineError("feed_not_found", `feed '${feedId}' does not exist`);
}

export function validationError(error: z.ZodError, where: string): LivelineError {
  return new LivelineError(
    "validation_failed",
    `invalid ${where}`,
    error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message })),
  );
}

/** Parse `value` with `schema`, or throw a 400 `validation_failed` naming every problem. */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, where: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw validationError(r.error, where);
  return r.data;
}

/** Errors raised by body-parser carry a `type`; map them to our codes. */
function fromBodyParser(err: unknown): LivelineError | undefined {
  // The router fails to decode a malformed percent-escape in the path (e.g. /v1/feeds/%E0%A4%A).
  if (err instanceof URIError) return new LivelineError("validation_failed", "the URL is not validly percent-encoded");
  if (typeof err !== "object" || err === null || !("type" in err)) return undefined;
  switch (err.type) {
    case "entity.parse.failed":
      return new LivelineError("invalid_json", "the request body is not valid JSON");
    case "entity.too.large":
      return new LivelineError("payload_too_large", "the request body is too large");
    case "encoding.unsupported":
    case "charset.unsupported":
      return new LivelineError("unsupported_media_type", "unsupported body encoding");
    default:
      return new LivelineError("validation_failed", "the request body could not be read");
  }
}

/** Redis/BullMQ being unreachable shows up as connection errors: answer 503, not 500. */
function isUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  // Not replicated in time, or a primary just demoted by a failover: the client retries.
  if (err instanceof ReplicationTimeoutError) return true;
  const code = (err as NodeJS.ErrnoException).code;
  return (
    code === "ECONNREFUSED" ||
    code === "ECONNRESET" ||
    code === "ETIMEDOUT" ||
    err.name === "MaxRetriesPerRequestError" ||
    err.message.includes("Connection is closed") ||
    err.message.includes("Stream isn't writeable") ||
    err.message.startsWith("READONLY") ||
    err.message.startsWith("All sentinels are unreachable")
  );
}

export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    let e = err instanceof LivelineError ? err : fromBodyParser(err);
    if (e === undefined) {
      if (isUnavailable(err)) {
        e = new LivelineError("unavailable", "the service is temporarily unavailable, retry later");
        logger.warn({ err: (err as Error).message, path: req.path }, "backend unavailable");
      } else {
        e = new LivelineError("internal", "internal error");
        logger.error({ err, path: req.path }, "unhandled error");
      }
    }
    res.locals.errorCode = e.code; // for the request log and the write metrics
    if (e.code === "unavailable") res.setHeader("Retry-After", "1");
    if (e.retryAfterSeconds !== undefined) res.setHeader("Retry-After", String(e.retryAfterSeconds));
    res.status(e.status).json(e.toBody());
  };
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new LivelineError("route_not_found", `no route for ${req.method} ${req.path}`));
};
