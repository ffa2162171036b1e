import { randomUUID } from "node:crypto";
import { compileTrustProxy, type TrustProxy } from "./client-address.js";
import compression from "compression";
import express, { type Express, type RequestHandler } from "express";
import { RequestId } from "@liveline/protocol";
import type { Logger } from "@liveline/core";
import { errorMiddleware, notFoundHandler } from "../errors.js";
import type { OperationId } from "@liveline/protocol";
import { applyHttpSecurity, type OriginPolicy } from "./http-security.js";
import { methodNotAllowed } from "./method-not-allowed.js";
import { requestLog } from "./request-log.js";
import { operationRouter, type Handlers, type OperationObserver } from "./operation-router.js";
import type { RateLimits } from "./rate-limits.js";
import type { TokenVerifier } from "../auth/token-verifier.js";
import type { SessionLookup } from "../auth/auth.js";

export interface AppOptions {
  /** The handler of every operation (the operations themselves are defined in @liveline/protocol). */
  handlers: Handlers<OperationId>;
  /** Verifies editor and subscriber tokens (static EDITOR_TOKENS and signed JWTs). */
  verifier: TokenVerifier;
  /** People signed in to the console, by their session cookie. */
  sessions?: SessionLookup;
  limits: RateLimits;
  /** Browser origins allowed by CORS (CORS_ORIGINS). */
  origins: OriginPolicy;
  logger: Logger;
  /** Peers whose X-Forwarded-For is believed (TRUST_PROXY). @default loopback only */
  trustProxy?: TrustProxy;
  /** Told of each operation's request as it starts, before anything can refuse it (metrics). */
  observe?: OperationObserver;
  /** An embedder's own routes, mounted after the operations, before the 404 handler. */
  extend?: (app: Express) => void;
}

/**
 * gzip/br for text answers (pages, JSON, /widget.js), never for SSE: a compressed event
 * stream would sit in the compressor's buffer instead of reaching the reader.
 */
const compressText = compression({
  filter: (req, res) =>
    !String(res.getHeader("content-type") ?? "").startsWith("text/event-stream") && compression.filter(req, res),
});

const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Writes answer a few dozen bytes of JSON (a 202, an error), below compression's 1 KB threshold,
 * so they skip its per-request work (it wraps write, end, on and writeHead, and looks the type
 * up at every answer; see docs/performance-notes.md for what it saved). They keep the
 * `Vary: Accept-Encoding` it would have added; a rare large write answer (a 412 carrying the
 * entry) now goes uncompressed.
 */
const compressReads: RequestHandler = (req, res, next) => {
  if (!WRITES.has(req.method)) {
    compressText(req, res, next);
    return;
  }
  res.vary("Accept-Encoding");
  next();
};

/** Probes and scrapes would drown the request log. */
const QUIET_PATHS = new Set(["/healthz", "/readyz", "/metrics"]);

export function createApp(options: AppOptions): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", options.trustProxy ?? compileTrustProxy("loopback"));
  app.set("query parser", "simple");
  applyHttpSecurity(app, options.origins);
  app.use(compressReads);

  app.use((req, res, next) => {
    // A client's id is kept only when it is one we can store and log as is; else we make one.
    const sent = req.headers["x-request-id"];
    const given = sent === undefined ? undefined : RequestId.safeParse(sent);
    res.setHeader("x-request-id", given?.success === true ? given.data : randomUUID());
    next();
  });
  // One JSON line per request, carrying the request id that also rides the change to the
  // worker and the relay.
  app.use(requestLog({ logger: options.logger, quiet: QUIET_PATHS }));
  app.use(operationRouter(options.handlers, options));
  // Only a request no operation's route took is looked at (a route answers its own method).
  app.use(methodNotAllowed());
  options.extend?.(app);
  app.use(notFoundHandler);
  app.use(errorMiddleware(options.logger));
  return app;
}
