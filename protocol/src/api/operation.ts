import { z } from "zod";
import { DeliveryId, WebhookId } from "../outputs.js";
import { MediaId } from "../media.js";
import { EntryId, FeedId } from "../schemas.js";
import { UserId } from "../accounts.js";

/**
 * One operation of the HTTP API, defined once: from this object the server builds its route
 * (access check, rate limit, validation, `405`/`Allow`), `/openapi.json` its operation, and the
 * SDK's `LivelineApi` its types. Handlers live with the server; this is the public contract.
 */

export type Method = "get" | "post" | "patch" | "delete";

/**
 * Who may call an operation:
 * - `anyone`: outside the API (probes, this document, pages, scripts, media files); no token is read;
 * - `reader`: an API read, or a reader's opt-in: public feeds need no token, a private feed a
 *   subscriber (or editor) token for it; a token that is sent must be valid, even here;
 * - `contribute`, `edit`, `admin`: a token whose role reaches this on the route's feed
 *   (contributor: its own drafts; editor: entries; admin: the feed itself);
 * - `admin-all`: an admin token for every feed (the deployment's webhooks).
 */
export type Access = "anyone" | "reader" | "contribute" | "edit" | "admin" | "admin-all";

/** The access levels that need a token (an editor's, contributor's or admin's). */
export const TOKEN_ACCESS = ["contribute", "edit", "admin", "admin-all"] as const satisfies readonly Access[];
export type TokenAccess = (typeof TOKEN_ACCESS)[number];

export function needsToken(access: Access): access is TokenAccess {
  return (TOKEN_ACCESS as readonly Access[]).includes(access);
}

/** One status an operation answers. */
export interface Reply {
  description: string;
  /** The body's schema (JSON unless `contentType` says otherwise); none: an empty answer. */
  schema?: z.ZodType;
  /** @default "application/json" */
  contentType?: string;
  /** The answer carries `Retry-After` (seconds). */
  retryAfter?: true;
  /** The answer carries the entry's `ETag` (`"r<accepted revision>"`). */
  etag?: true;
}

export interface HeaderParam {
  schema: z.ZodType;
  description: string;
  /**
   * Document the header's text (its pattern), not what it is parsed into: for a header that
   * denotes a structure (Last-Event-ID's `<epoch>:<seq>`) rather than one value.
   */
  asSent?: true;
}

export interface OperationDef {
  method: Method;
  /** Written the Express way (`/v1/feeds/:feedId`); each `:name` is one of PATH_PARAMS. */
  path: string;
  summary: string;
  access: Access;
  query?: z.ZodObject;
  headers?: Record<string, HeaderParam>;
  body?: z.ZodType;
  /** @default "application/json" */
  bodyType?: "application/json" | "multipart/form-data";
  /** The body may be left out (a retraction's reason). */
  bodyOptional?: true;
  /**
   * Answers without Redis (a file on disk, the configuration): no 503 while Redis is away.
   * Every other `/v1` operation needs it.
   */
  withoutRedis?: true;
  /**
   * What is particular to the operation (its success, its 409s, a page's HTML 404); the statuses
   * every operation of its kind answers (401, 403, 304, 503 …) are implied by the rest of the
   * definition (see server/src/http/openapi.ts), so a new operation cannot forget one.
   */
  responses: Record<number, Reply>;
}

/** Defines an operation, keeping its literal types (paths, statuses, schemas) for the handlers and the client. */
export function defineOperation<const O extends OperationDef>(operation: O): O {
  return operation;
}

/**
 * The path parameters, by name: what a `:name` in a path may be. An API operation answers 400
 * for a value these refuse; a page or file answers 404 (it is simply not there).
 */
export const PATH_PARAMS = {
  feedId: FeedId,
  entryId: EntryId,
  mediaId: MediaId,
  /** A variant file of an uploaded image: `<width>.webp`. */
  file: z.string().regex(/^\d{1,5}\.webp$/),
  id: WebhookId,
  deliveryId: DeliveryId,
  userId: UserId,
} satisfies Record<string, z.ZodType<string>>;
export type PathParamName = keyof typeof PATH_PARAMS;

/** The `:name`s of an Express-style path. */
export type ParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | ParamNames<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;

export type PathParams<P extends string> = { [K in ParamNames<P>]: string };

/** The names in `path`, checked against PATH_PARAMS (a typo in a path fails at start, not in production). */
export function paramNamesOf(path: string): PathParamName[] {
  return [...path.matchAll(/:(\w+)/g)].map(([, name]) => {
    if (name === undefined || !(name in PATH_PARAMS)) throw new Error(`${path}: no PATH_PARAMS entry for :${name}`);
    return name as PathParamName;
  });
}
