import type { RequestHandler } from "express";
import type { Feed } from "@liveline/protocol";
import type { Logger } from "@liveline/core";
import { LivelineError, feedNotFound } from "../errors.js";
import type { Principal } from "./principal.js";
import type { TokenVerifier } from "./token-verifier.js";
import { assertSameOrigin, sessionCookieOf } from "../accounts/session-cookie.js";

/** Finds the person a session cookie is for (accounts/account-store.ts). */
export interface SessionLookup {
  sessionPrincipal(token: string): Promise<Principal | undefined>;
}

export type { Principal };

declare module "express-serve-static-core" {
  interface Request {
    principal?: Principal;
  }
}

/**
 * What a request or a subscription needs: reading a private feed, writing drafts of one's own
 * (`contribute`: what a contributor token may, docs/editorial.md#contributors), writing entries, or admin.
 */
export type Access = "read" | "contribute" | "edit" | "admin";

const RANK = { reader: 0, contributor: 1, editor: 2, admin: 3 } as const;
const NEEDS = { read: 0, contribute: 1, edit: 2, admin: 3 } as const;

/** A contributor token: its drafts only, never a publish (the service enforces the rest). */
export function isContributor(p: Principal | undefined): boolean {
  return p?.role === "contributor";
}

/** The token of an `Authorization: Bearer <token>` header, if there is one. */
export function bearerOf(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

function inScope(p: Principal, feedId: string): boolean {
  return p.feeds === "*" || p.feeds.includes(feedId);
}

/**
 * Throws 401 when there is no (or an expired) principal, 403 when it is valid but its role or
 * its feeds do not cover `feedId`.
 */
export function assertAccess(p: Principal | undefined, feedId: string, need: Access): void {
  if (p === undefined) throw new LivelineError("unauthorized", "a token is required for this feed");
  if (p.exp !== undefined && p.exp * 1000 < Date.now())
    throw new LivelineError("token_expired", "the token has expired");
  if (RANK[p.role] < NEEDS[need]) {
    throw new LivelineError("forbidden", `this token's role (${p.role}) may not ${need} here`);
  }
  if (!inScope(p, feedId)) throw new LivelineError("forbidden", `this token is not valid for feed '${feedId}'`);
}

/**
 * Throws unless `p` may read `feed`: public feeds are open, private ones need a token for them.
 * A caller without a token for the feed (none, or one whose `feeds` do not name it) is told
 * what an unknown feed answers, 404 `feed_not_found`, so feed ids cannot be probed; subscriber
 * tokens are handed to every paying reader, so holding one is no reason to learn more. Only a
 * token that names the feed but has expired hears 401 `token_expired` (it knew of the feed).
 */
export function assertCanRead(p: Principal | undefined, feed: Pick<Feed, "id" | "visibility">): void {
  if (feed.visibility !== "private") return;
  if (p === undefined || !inScope(p, feed.id)) throw feedNotFound(feed.id);
  assertAccess(p, feed.id, "read");
}

/**
 * Until when (ms since the epoch) `p` may go on reading `feed`, once let in: a private feed's
 * right ends with the token's `exp`; public feeds and tokens without `exp` (static tokens) never
 * end (Infinity).
 */
export function readableUntil(p: Principal | undefined, feed: Pick<Feed, "visibility">): number {
  return feed.visibility === "private" && p?.exp !== undefined ? p.exp * 1000 : Infinity;
}

export function canRead(p: Principal | undefined, feed: Pick<Feed, "id" | "visibility">): boolean {
  try {
    assertCanRead(p, feed);
    return true;
  } catch {
    return false;
  }
}

/** Whether `p` has at least `need` on `feedId` (the boolean face of `assertAccess`). */
export function can(p: Principal | undefined, feedId: string, need: Access): boolean {
  try {
    assertAccess(p, feedId, need);
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads the bearer token when there is one and puts its principal on the request. A token that
 * is present but invalid is refused (401) even on a public read, so a client learns at once.
 * The token itself is never logged. Without a token, the session cookie of a signed-in person
 * stands for them (a stale one is ignored: the request is anonymous); a write it authenticates
 * must come from this service's own pages (403 `cross_site_request`).
 */
export function authenticate(verifier: TokenVerifier, logger: Logger, sessions?: SessionLookup): RequestHandler {
  return (req, _res, next) => {
    // Routers that authenticate for themselves (presence, outputs, media) may sit behind the v1
    // router, which has already verified this request's token: verify it once.
    if (req.principal !== undefined) return next();
    const header = req.get("authorization");
    if (header === undefined) {
      const cookie = sessions === undefined ? undefined : sessionCookieOf(req);
      if (cookie === undefined || sessions === undefined) return next();
      sessions
        .sessionPrincipal(cookie)
        .then((p) => {
          if (p !== undefined) {
            assertSameOrigin(req);
            req.principal = p;
          }
        })
        .then(() => next(), next);
      return;
    }
    const token = bearerOf(header);
    if (token === undefined) {
      next(new LivelineError("unauthorized", "use Authorization: Bearer <token>"));
      return;
    }
    verifier.verify(token).then(
      (p) => {
        req.principal = p;
        next();
      },
      (err: unknown) => {
        const code = err instanceof LivelineError ? err.code : "unauthorized";
        logger.info({ path: req.path, method: req.method, code }, "token refused");
        next(err instanceof LivelineError ? err : new LivelineError("unauthorized", "the token could not be verified"));
      },
    );
  };
}

/**
 * Requires a principal with at least `need` for the route's `:feedId` (when the route has one;
 * routes without, such as POST /feeds, check the feed id themselves with `assertAccess`).
 */
export function requireAccess(need: Exclude<Access, "read">): RequestHandler {
  return (req, _res, next) => {
    const p = req.principal;
    if (p === undefined) {
      next(new LivelineError("unauthorized", "a bearer token is required (Authorization: Bearer <token>)"));
      return;
    }
    const feedId: unknown = req.params.feedId;
    try {
      if (typeof feedId !== "string") {
        if (RANK[p.role] < NEEDS[need])
          throw new LivelineError("forbidden", `this token's role (${p.role}) may not ${need}`);
      } else assertAccess(p, feedId, need);
      next();
    } catch (err) {
      next(err);
    }
  };
}

/**
 * Requires an admin token for every feed: what manages the deployment's own resources (its
 * webhooks), which belong to no one feed — a static EDITOR_TOKENS token, or a signed token with
 * `role: "admin"` and `feeds: "*"`.
 */
export const requireGlobalAdmin: RequestHandler = (req, _res, next) => {
  const p = req.principal;
  if (p === undefined) return next(new LivelineError("unauthorized", "a bearer token is required"));
  if (p.role !== "admin" || p.feeds !== "*") {
    return next(
      new LivelineError("forbidden", 'webhooks need an admin token for every feed (role "admin", feeds "*")'),
    );
  }
  next();
};
