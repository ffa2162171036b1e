import { randomUUID } from "node:crypto";
import { Router, type Request, type RequestHandler } from "express";
import {
  CreateFeedRequest,
  EntryId,
  EventsQuery,
  FeedId,
  IdempotencyKey,
  IfMatch,
  LIMITS,
  ListEntriesQuery,
  PublishEntryRequest,
  RetractEntryRequest,
  UpdateEntryRequest,
  UpdateFeedRequest,
} from "@liveline/protocol";
import { optionalJsonBody, requireJson } from "./json-body.js";
import type { Feed } from "@liveline/protocol";
import type { Logger } from "@liveline/core";
import { assertAccess, assertCanRead, authenticate, can, canRead, isContributor, requireAccess } from "../auth/auth.js";
import { parseOr400 } from "../errors.js";
import type { FeedService, WriteOptions } from "../feed/feed-service.js";
import type { RateLimits } from "./rate-limits.js";
import type { TokenVerifier } from "../auth/token-verifier.js";

export interface HttpRoutesOptions {
  service: FeedService;
  verifier: TokenVerifier;
  limits: RateLimits;
  logger: Logger;
}

/** Writes carry JSON; anything else is refused before it reaches a handler (a DELETE's body is optional). */
const requireJsonBody: RequestHandler = (req, res, next) =>
  req.method === "DELETE" ? next() : requireJson(req, res, next);

function feedIdOf(req: Request): string {
  return parseOr400(FeedId, req.params.feedId, "feed id");
}

function entryIdOf(req: Request): string {
  return parseOr400(EntryId, req.params.entryId, "entry id");
}

function requestIdOf(req: Request): string {
  return String(req.res?.getHeader("x-request-id") ?? randomUUID());
}

/** The token subject recorded as the author of a change. */
function byOf(req: Request): string {
  return req.principal?.sub ?? "unknown";
}

/** Who writes, and the If-Match they sent. */
function writeOptionsOf(req: Request): WriteOptions {
  const header = req.get("if-match");
  const ifMatch = header === undefined ? undefined : parseOr400(IfMatch, header, "If-Match header");
  return {
    contributor: isContributor(req.principal),
    ...(ifMatch === undefined ? {} : { ifMatch }),
  };
}

/** An entry's ETag: its accepted revision (see "Conflicts" in the README). */
const etagOf = (revision: number) => `"r${revision}"`;

/** The v1 HTTP API; every handler is a thin shell over the feed service. */
export function httpRoutes({ service, verifier, limits, logger }: HttpRoutesOptions): Router {
  const r = Router();
  r.use(authenticate(verifier, logger));
  // Writes count against the token's limit before anything else is looked at.
  const throttle: RequestHandler = (req, _res, next) => {
    limits.consume("publish", byOf(req)).then(() => next(), next);
  };
  // Entry writes: editors, and contributors too (their own drafts; the service checks the rest).
  const writer = [requireAccess("contribute"), throttle, requireJsonBody];
  const admin = [requireAccess("admin"), throttle, requireJsonBody];

  /** The feed, when the request may read it (a private feed needs a token for it). */
  const readable = async (req: Request): Promise<Feed> => {
    const feed = await service.getFeed(feedIdOf(req));
    assertCanRead(req.principal, feed);
    if (feed.visibility === "private") req.res?.setHeader("Cache-Control", "private, no-store");
    return feed;
  };

  r.get("/feeds", async (req, res) => {
    const feeds = await service.listFeeds();
    res.json({ feeds: feeds.filter((f) => canRead(req.principal, f)) });
  });

  r.post("/feeds", ...admin, async (req, res) => {
    const body = parseOr400(CreateFeedRequest, req.body, "request body");
    assertAccess(req.principal, body.id, "admin");
    const feed = await service.createFeed(body);
    res.status(201).location(`/v1/feeds/${feed.id}`).json(feed);
  });

  r.get("/feeds/:feedId", async (req, res) => {
    const feed = await readable(req);
    if (!can(req.principal, feed.id, "edit")) {
      res.json(feed);
      return;
    }
    // Editors also see how many changes were set aside (never cached: it is theirs alone).
    res.setHeader("Cache-Control", "private, no-store");
    res.json(await service.withFailedCount(feed));
  });

  r.get("/feeds/:feedId/failed", requireAccess("edit"), async (req, res) => {
    res.setHeader("Cache-Control", "private, no-store");
    res.json(await service.failedChanges(feedIdOf(req)));
  });

  r.patch("/feeds/:feedId", ...admin, async (req, res) => {
    const feedId = feedIdOf(req);
    const body = parseOr400(UpdateFeedRequest, req.body, "request body");
    res.status(202).json(await service.updateFeed(feedId, body, requestIdOf(req), byOf(req)));
  });

  r.post("/feeds/:feedId/entries", ...writer, async (req, res) => {
    const feedId = feedIdOf(req);
    const body = parseOr400(PublishEntryRequest, req.body, "request body");
    const rawKey = req.get("idempotency-key");
    const key = rawKey === undefined ? undefined : parseOr400(IdempotencyKey, rawKey, "Idempotency-Key header");
    res.status(202).json(await service.publish(feedId, body, key, requestIdOf(req), byOf(req), writeOptionsOf(req)));
  });

  r.patch("/feeds/:feedId/entries/:entryId", ...writer, async (req, res) => {
    const feedId = feedIdOf(req);
    const entryId = entryIdOf(req);
    const body = parseOr400(UpdateEntryRequest, req.body, "request body");
    const opts = writeOptionsOf(req);
    res.status(202).json(await service.updateEntry(feedId, entryId, body, requestIdOf(req), byOf(req), opts));
  });

  r.delete("/feeds/:feedId/entries/:entryId", ...writer, optionalJsonBody, async (req, res) => {
    const feedId = feedIdOf(req);
    const entryId = entryIdOf(req);
    const { reason } = parseOr400(RetractEntryRequest, req.body ?? {}, "request body");
    const opts = writeOptionsOf(req);
    res.status(202).json(await service.deleteEntry(feedId, entryId, requestIdOf(req), byOf(req), opts, reason));
  });

  // Publishing a draft or scheduled entry now: editors only (never a contributor).
  r.post("/feeds/:feedId/entries/:entryId/publish", requireAccess("edit"), throttle, async (req, res) => {
    const feedId = feedIdOf(req);
    const entryId = entryIdOf(req);
    res.status(202).json(await service.releaseEntry(feedId, entryId, requestIdOf(req), byOf(req)));
  });

  // Drafts and scheduled entries: every one for editors, a contributor's own for a contributor.
  r.get("/feeds/:feedId/drafts", requireAccess("contribute"), async (req, res) => {
    const feedId = feedIdOf(req);
    res.setHeader("Cache-Control", "private, no-store");
    const onlyBy = isContributor(req.principal) ? byOf(req) : undefined;
    res.json({ entries: await service.listDrafts(feedId, onlyBy) });
  });

  r.get("/feeds/:feedId/entries", async (req, res) => {
    const { id: feedId } = await readable(req);
    const q = parseOr400(ListEntriesQuery, req.query, "query");
    res.json(await service.listEntries(feedId, q.limit ?? LIMITS.defaultPageSize, q.before));
  });

  r.get("/feeds/:feedId/entries/:entryId", async (req, res) => {
    const { id: feedId } = await readable(req);
    const entryId = entryIdOf(req);
    // Its writers also find a draft here (with private caching); readers only published entries.
    if (can(req.principal, feedId, "contribute")) {
      const onlyBy = isContributor(req.principal) ? byOf(req) : undefined;
      const { entry, revision } = await service.getEntryForEditor(feedId, entryId, onlyBy);
      res.setHeader("Cache-Control", "private, no-store");
      res.setHeader("ETag", etagOf(revision));
      res.json(entry);
      return;
    }
    const entry = await service.getEntry(feedId, entryId);
    res.setHeader("ETag", etagOf(await service.acceptedRevision(feedId, entry)));
    res.json(entry);
  });

  r.get("/feeds/:feedId/entries/:entryId/revisions", requireAccess("edit"), async (req, res) => {
    const feedId = feedIdOf(req);
    const entryId = entryIdOf(req);
    res.setHeader("Cache-Control", "private, no-store");
    res.json({ entryId, revisions: await service.revisions(feedId, entryId) });
  });

  r.get("/feeds/:feedId/events", async (req, res) => {
    const feed = await readable(req);
    const feedId = feed.id;
    const { since, epoch } = parseOr400(EventsQuery, req.query, "query");
    const answer = await service.catchUp(feedId, since, epoch);
    // A page that ends before the feed's head will never change: a CDN may keep it. Only a URL
    // that names the epoch names one history: `?since=` alone may mean another after a loss.
    const complete =
      epoch !== undefined &&
      "events" in answer &&
      answer.events.length > 0 &&
      answer.seq > since + answer.events.length;
    // A private feed's pages are never for a shared cache.
    const cache = complete ? "public, max-age=31536000, immutable" : "no-cache";
    res.setHeader("Cache-Control", feed.visibility === "private" ? "private, no-store" : cache);
    // The answer for `since` is fixed by the log's epoch and head seq (the log is append-only
    // within an epoch), so they name it: a revalidation while nothing was published is a 304.
    const etag = `W/"${feedId}-${since}-${answer.epoch}-${answer.seq}${"reset" in answer ? "-r" : ""}"`;
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
