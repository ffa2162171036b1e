import { randomUUID } from "node:crypto";
import type { Request } from "express";
import { LIMITS, type Actor, type Feed } from "@liveline/protocol";
import { assertAccess, assertCanRead, can, canRead, isContributor } from "../auth/auth.js";
import type { FeedService, WriteContext, WriteLimit } from "../feed/feed-service.js";
import { limitAtAccept, type Handlers } from "./operation-router.js";

export interface HttpRoutesOptions {
  service: FeedService;
}

/**
 * The writer a change records: a signed-in person's account id and name, or a token's subject
 * and label (its subject when it has none).
 */
function writerOf(req: Request): Actor {
  const p = req.principal;
  return p === undefined ? { id: "unknown", name: "unknown" } : { id: p.sub, name: p.name ?? p.sub };
}

/**
 * The terms of a write from this request: its writer, the request's id, whether they write as a
 * contributor, what If-Match or Idempotency-Key said, and the token's write limit when the store's
 * accept is to count it.
 */
function writeContextOf(
  { req, limit }: { req: Request; limit: WriteLimit | undefined },
  extra: Pick<WriteContext, "ifMatch" | "idempotencyKey"> = {},
): WriteContext {
  return {
    by: writerOf(req),
    requestId: String(req.res?.getHeader("x-request-id") ?? randomUUID()),
    contributor: isContributor(req.principal),
    ...(limit === undefined ? {} : { limit }),
    ...extra,
  };
}

/** An entry's ETag: its accepted revision (see "Conflicts" in the README). */
const etagOf = (revision: number) => `"r${revision}"`;

/** Never cached: what an editor sees is theirs alone. */
const PRIVATE = { "Cache-Control": "private, no-store" };

type FeedOperation =
  | "listFeeds"
  | "createFeed"
  | "getFeed"
  | "listFailedChanges"
  | "updateFeed"
  | "publishEntry"
  | "updateEntry"
  | "retractEntry"
  | "publishDraft"
  | "listDrafts"
  | "listEntries"
  | "getEntry"
  | "listRevisions"
  | "listEvents";

/** The v1 API of feeds and entries; every handler is a thin shell over the feed service. */
export function httpRoutes({ service }: HttpRoutesOptions): Handlers<FeedOperation> {
  /** The feed, when the request may read it (a private feed needs a token for it). */
  const readable = async (req: Request, feedId: string): Promise<Feed> => {
    const feed = await service.getFeed(feedId);
    assertCanRead(req.principal, feed);
    if (feed.visibility === "private") req.res?.setHeader("Cache-Control", "private, no-store");
    return feed;
  };

  return {
    listFeeds: async ({ principal }) => {
      const feeds = await service.listFeeds();
      return { status: 200, body: { feeds: feeds.filter((f) => canRead(principal, f)) } };
    },

    createFeed: async ({ body, principal }) => {
      assertAccess(principal, body.id, "admin");
      const feed = await service.createFeed(body);
      return { status: 201, body: feed, headers: { Location: `/v1/feeds/${feed.id}` } };
    },

    getFeed: async ({ params, req, principal }) => {
      const feed = await readable(req, params.feedId);
      if (!can(principal, feed.id, "edit")) return { status: 200, body: feed };
      // Editors also see how many changes were set aside.
      return { status: 200, body: await service.withFailedCount(feed), headers: PRIVATE };
    },

    listFailedChanges: async ({ params }) => ({
      status: 200,
      body: await service.failedChanges(params.feedId),
      headers: PRIVATE,
    }),

    // The writes that go to the store's accept: it counts the token's write limit (limitAtAccept).
    updateFeed: limitAtAccept(async (call) => ({
      status: 202,
      body: await service.updateFeed(call.params.feedId, call.body, writeContextOf(call)),
    })),

    publishEntry: limitAtAccept(async (call) => ({
      status: 202,
      body: await service.publish(
        call.params.feedId,
        call.body,
        writeContextOf(call, { idempotencyKey: call.headers["Idempotency-Key"] }),
      ),
    })),

    updateEntry: limitAtAccept(async (call) => ({
      status: 202,
      body: await service.updateEntry(
        call.params.feedId,
        call.params.entryId,
        call.body,
        writeContextOf(call, { ifMatch: call.headers["If-Match"] }),
      ),
    })),

    retractEntry: limitAtAccept(async (call) => ({
      status: 202,
      body: await service.deleteEntry(
        call.params.feedId,
        call.params.entryId,
        writeContextOf(call, { ifMatch: call.headers["If-Match"] }),
        call.body?.reason,
      ),
    })),

    // Publishing a draft or scheduled entry now: editors only (never a contributor).
    publishDraft: limitAtAccept(async (call) => ({
      status: 202,
      body: await service.releaseEntry(call.params.feedId, call.params.entryId, writeContextOf(call)),
    })),

    // Drafts and scheduled entries: every one for editors, a contributor's own for a contributor.
    listDrafts: async ({ params, req, principal }) => {
      const onlyBy = isContributor(principal) ? writerOf(req).id : undefined;
      return { status: 200, body: { entries: await service.listDrafts(params.feedId, onlyBy) }, headers: PRIVATE };
    },

    listEntries: async ({ params, query, req }) => {
      const { id: feedId } = await readable(req, params.feedId);
      return {
        status: 200,
        body: await service.listEntries(feedId, query.limit ?? LIMITS.defaultPageSize, query.before),
      };
    },

    getEntry: async ({ params, req, principal }) => {
      const { id: feedId } = await readable(req, params.feedId);
      const entryId = params.entryId;
      // Its writers also find a draft here (with private caching); readers only published entries.
      if (can(principal, feedId, "contribute")) {
        const onlyBy = isContributor(principal) ? writerOf(req).id : undefined;
        const { entry, revision } = await service.getEntryForEditor(feedId, entryId, onlyBy);
        return { status: 200, body: entry, headers: { ...PRIVATE, ETag: etagOf(revision) } };
      }
      const entry = await service.getEntry(feedId, entryId);
      return { status: 200, body: entry, headers: { ETag: etagOf(await service.acceptedRevision(feedId, entry)) } };
    },

    listRevisions: async ({ params }) => ({
      status: 200,
      body: { entryId: params.entryId, revisions: await service.revisions(params.feedId, params.entryId) },
      headers: PRIVATE,
    }),

    listEvents: async ({ params, query, req, res }) => {
      const feed = await readable(req, params.feedId);
      const feedId = feed.id;
      const { since, epoch } = query;
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
      // The answer for `since` is fixed by the log's epoch and head seq (the log is append-only
      // within an epoch), so they name it: a revalidation while nothing was published is a 304.
      const etag = `W/"${feedId}-${since}-${answer.epoch}-${answer.seq}${"reset" in answer ? "-r" : ""}"`;
      const headers = { "Cache-Control": feed.visibility === "private" ? "private, no-store" : cache, ETag: etag };
      const asked = req.get("if-none-match");
      if (asked !== undefined && asked.split(/\s*,\s*/).includes(etag)) {
        res.set(headers).status(304).end();
        return undefined;
      }
      return { status: 200, body: answer, headers };
    },
  };
}
