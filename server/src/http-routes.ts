import { randomUUID } from "node:crypto";
import { Router, type Request, type RequestHandler } from "express";
import {
  CreateFeedRequest,
  EntryId,
  EventsQuery,
  FeedId,
  IdempotencyKey,
  LIMITS,
  ListEntriesQuery,
  PublishEntryRequest,
  UpdateEntryRequest,
  UpdateFeedRequest,
} from "@liveline/protocol";
import { requireEditor } from "./auth.js";
import { LivelineError, parseOr400 } from "./errors.js";
import type { FeedService } from "./feed-service.js";

export interface HttpRoutesOptions {
  service: FeedService;
  editorTokens: readonly string[];
}

/** Writes carry JSON; anything else is refused before it reaches a handler. */
const requireJsonBody: RequestHandler = (req, _res, next) => {
  if (req.method === "DELETE") return next();
  if (!req.is("application/json")) {
    return next(new LivelineError("unsupported_media_type", "send the body as application/json"));
  }
  next();
};

function feedIdOf(req: Request): string {
  return parseOr400(FeedId, req.params.feedId, "feed id");
}

function entryIdOf(req: Request): string {
  return parseOr400(EntryId, req.params.entryId, "entry id");
}

function requestIdOf(req: Request): string {
  return String(req.res?.getHeader("x-request-id") ?? randomUUID());
}

/** The v1 HTTP API; every handler is a thin shell over the feed service. */
export function httpRoutes({ service, editorTokens }: HttpRoutesOptions): Router {
  const r = Router();
  const editor = [requireEditor(editorTokens), requireJsonBody];

  r.get("/feeds", async (_req, res) => {
    res.json({ feeds: await service.listFeeds() });
  });

  r.post("/feeds", ...editor, async (req, res) => {
    const body = parseOr400(CreateFeedRequest, req.body, "request body");
    const feed = await service.createFeed(body);
    res.status(201).location(`/v1/feeds/${feed.id}`).json(feed);
  });

  r.get("/feeds/:feedId", async (req, res) => {
    res.json(await service.getFeed(feedIdOf(req)));
  });

  r.patch("/feeds/:feedId", ...editor, async (req, res) => {
    const feedId = feedIdOf(req);
    const body = parseOr400(UpdateFeedRequest, req.body, "request body");
    res.status(202).json(await service.updateFeed(feedId, body, requestIdOf(req)));
  });

  r.post("/feeds/:feedId/entries", ...editor, async (req, res) => {
    const feedId = feedIdOf(req);
    const body = parseOr400(PublishEntryRequest, req.body, "request body");
    const rawKey = req.get("idempotency-key");
    const key = rawKey === undefined ? undefined : parseOr400(IdempotencyKey, rawKey, "Idempotency-Key header");
    res.status(202).json(await service.publish(feedId, body, key, requestIdOf(req)));
  });

  r.patch("/feeds/:feedId/entries/:entryId", ...editor, async (req, res) => {
    const feedId = feedIdOf(req);
    const entryId = entryIdOf(req);
    const body = parseOr400(UpdateEntryRequest, req.body, "request body");
    res.status(202).json(await service.updateEntry(feedId, entryId, body, requestIdOf(req)));
  });

  r.delete("/feeds/:feedId/entries/:entryId", ...editor, async (req, res) => {
    const feedId = feedIdOf(req);
    const entryId = entryIdOf(req);
    res.status(202).json(await service.deleteEntry(feedId, entryId, requestIdOf(req)));
  });

  r.get("/feeds/:feedId/entries", async (req, res) => {
    const feedId = feedIdOf(req);
    const q = parseOr400(ListEntriesQuery, req.query, "query");
    res.json(await service.listEntries(feedId, q.limit ?? LIMITS.defaultPageSize, q.before));
  });

  r.get("/feeds/:feedId/entries/:entryId", async (req, res) => {
    res.json(await service.getEntry(feedIdOf(req), entryIdOf(req)));
  });

  r.get("/feeds/:feedId/events", async (req, res) => {
    const feedId = feedIdOf(req);
    const { since } = parseOr400(EventsQuery, req.query, "query");
    const answer = await service.eventsSince(feedId, since);
    // A page that ends before the feed's head will never change: a CDN may keep it.
    const complete = "events" in answer && answer.events.length > 0 && answer.seq > since + answer.events.length;
    res.setHeader("Cache-Control", complete ? "public, max-age=31536000, immutable" : "no-cache");
    // The answer for `since` is fixed by the feed's head seq (the log is append-only), so the
    // head names it: a revalidation while nothing was published is a bodyless 304.
    const etag = `W/"${feedId}-${since}-${answer.seq}${"reset" in answer ? "-r" : ""}"`;
    res.setHeader("ETag", etag);
    const asked = req.get("if-none-match");
    if (asked !== undefined && asked.split(/\s*,\s*/).includes(etag)) {
      res.status(304).end();
      return;
    }
    res.json(answer);
  });

  return r;
}
