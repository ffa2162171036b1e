import express, { type RequestHandler } from "express";
import { LIMITS } from "@liveline/protocol";
import { LivelineError } from "../errors.js";

/**
 * Request bodies are JSON, everywhere but a media upload: one parser and one 415 for every
 * route that takes a body. The app parses POST and PATCH bodies under /v1 itself; the routes
 * that take a body on another method (a retraction's reason, a push unsubscription) add it.
 */

/** Parses a JSON body (413 above LIMITS.maxBodyBytes, 400 invalid_json). */
export const parseJsonBody = express.json({ limit: LIMITS.maxBodyBytes, strict: true });

/** 415 unless the request says its body is `application/json`. */
export const requireJson: RequestHandler = (req, _res, next) => {
  next(
    req.is("application/json")
      ? undefined
      : new LivelineError("unsupported_media_type", "send the body as application/json"),
  );
};

/** A JSON body the route needs, on a method the app does not parse (a DELETE). */
export const jsonBody: RequestHandler[] = [requireJson, parseJsonBody];

/**
 * A body that may be left out (`DELETE …/entries/:entryId`'s `{"reason": …}`): without one (no
 * Content-Length, or 0, and no Transfer-Encoding) nothing is read; one that is sent is JSON like
 * every write's (415 otherwise, 413, 400 invalid_json).
 */
export const optionalJsonBody: RequestHandler = (req, res, next) => {
  const sendsBody = req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
  if (!sendsBody) return next();
  requireJson(req, res, (err?: unknown) => (err === undefined ? parseJsonBody(req, res, next) : next(err)));
};
