import { Router, type Request, type RequestHandler } from "express";
import { FeedId, PresenceRequest, type FeedStats } from "@liveline/protocol";
import type { Logger } from "@liveline/core";
import { authenticate, requireAccess } from "../auth/auth.js";
import type { TokenVerifier } from "../auth/token-verifier.js";
import { LivelineError, parseOr400 } from "../errors.js";
import type { FeedService } from "../feed/feed-service.js";
import type { RateLimits } from "../http/rate-limits.js";
import { requireJson } from "../http/json-body.js";
import type { PresenceStore } from "./presence-store.js";

export interface PresenceRoutesOptions {
  presence: PresenceStore;
  service: FeedService;
  verifier: TokenVerifier;
  limits: RateLimits;
  logger: Logger;
}

/** The principal the access check let through (requireAccess ran first). */
function whoOf(req: Request): { sub: string; name: string } {
  const p = req.principal;
  if (p === undefined) throw new LivelineError("unauthorized", "a bearer token is required");
  return { sub: p.sub, name: p.name ?? p.sub };
}

/**
 * Who is here, for a feed's editors: `GET /v1/feeds/:feedId/stats` (readers on every node, the
 * editors present), and the console's heartbeat `POST`/`DELETE /v1/feeds/:feedId/presence`.
 */
export function presenceRoutes({ presence, service, verifier, limits, logger }: PresenceRoutesOptions): Router {
  const r = Router();
  // A heartbeat is a write like any other: it counts against the token's limit (every few
  // seconds per open console is far below it).
  const throttle: RequestHandler = (req, _res, next) => {
    limits.consume("publish", whoOf(req).sub).then(() => next(), next);
  };
  /** The route's feed id, once the feed is known to exist (404 otherwise). */
  const feedOf = async (req: Request): Promise<string> => {
    const feed = await service.getFeed(parseOr400(FeedId, req.params.feedId, "feed id"));
    return feed.id;
  };
  const editor = [authenticate(verifier, logger), requireAccess("edit")];

  r.get("/v1/feeds/:feedId/stats", ...editor, async (req, res) => {
    const feedId = await feedOf(req);
    const [readers, editors] = await Promise.all([presence.readers(feedId), presence.editors(feedId)]);
    const stats: FeedStats = { readers, editors };
    res.setHeader("Cache-Control", "private, no-store");
    res.json(stats);
  });

  r.post("/v1/feeds/:feedId/presence", ...editor, throttle, requireJson, async (req, res) => {
    const feedId = await feedOf(req);
    const body = parseOr400(PresenceRequest, req.body, "request body");
    await presence.heartbeat(feedId, whoOf(req), body.editing ?? null);
    res.status(204).end();
  });

  r.delete("/v1/feeds/:feedId/presence", ...editor, throttle, async (req, res) => {
    const feedId = await feedOf(req);
    await presence.leave(feedId, whoOf(req).sub);
    res.status(204).end();
  });

  return r;
}
