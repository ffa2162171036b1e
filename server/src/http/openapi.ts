import { z } from "zod";
import {
  AcceptedResponse,
  CreateFeedRequest,
  Entry,
  EntryId,
  EntryPage,
  ErrorResponse,
  EventsQuery,
  EventsResponse,
  FailedChangesResponse,
  Feed,
  FeedEvent,
  FeedId,
  FeedStats,
  IdempotencyKey,
  IfMatch,
  DraftsResponse,
  LIMITS,
  ListEntriesQuery,
  MediaFields,
  MediaId,
  MediaItem,
  DeliveryId,
  PresenceRequest,
  SseEventId,
  PublishEntryRequest,
  RetractEntryRequest,
  RevisionsResponse,
  UpdateEntryRequest,
  UpdateFeedRequest,
  WebhookId,
} from "@liveline/protocol";
import { OUTPUT_ROUTES } from "../outputs/openapi-routes.js";

type Method = "get" | "post" | "patch" | "delete";

interface Reply {
  description: string;
  /** A named component (see COMPONENTS) or an inline schema. */
  schema?: keyof typeof COMPONENTS | z.ZodType;
  contentType?: string;
  /** The answer carries `Retry-After` (seconds). */
  retryAfter?: boolean;
  /** The answer carries the entry's `ETag` (`"r<accepted revision>"`). */
  etag?: boolean;
}

/**
 * One documented operation. `path` is written the Express way (`/v1/feeds/:feedId`).
 *
 * `responses` holds what is particular to the route (its success, its 409s, a page's HTML 404);
 * the statuses every route of its kind can answer are added by `impliedResponses`, so a new
 * route states only what is its own and cannot forget a 401, a 304 or a 503.
 */
export interface DocumentedRoute {
  method: Method;
  path: string;
  /** Unique, stable name of the operation (client generators name methods after it). */
  operationId: string;
  summary: string;
  /** Needs an editor (or admin) token; otherwise `/v1` reads take an optional subscriber token. */
  editor?: boolean;
  body?: z.ZodType;
  /** The body may be left out (a retraction's reason). @default true */
  bodyRequired?: boolean;
  /** @default "application/json" */
  bodyType?: string;
  query?: z.ZodObject;
  /**
   * Answers without Redis (a file on disk, the configuration): no 503 while Redis is away.
   * @default true for `/v1` routes
   */
  needsRedis?: boolean;
  /**
   * `asSent`: document the header's text (its pattern), not what it is parsed into — for a
   * header that denotes a structure (Last-Event-ID's `<epoch>:<seq>`) rather than one value.
   */
  headers?: Record<string, { schema: z.ZodType; description: string; asSent?: boolean }>;
  responses: Record<number, Reply>;
}

/** Response schemas published under components/schemas (zod's own JSON Schema output). */
const COMPONENTS = {
  Feed,
  Entry,
  FeedEvent,
  EntryPage,
  EventsResponse,
  AcceptedResponse,
  Error: ErrorResponse,
  Media: MediaItem,
};

const PARAMS: Record<string, z.ZodType> = {
  feedId: FeedId,
  entryId: EntryId,
  mediaId: MediaId,
  file: z.string().regex(/^\d{1,5}\.webp$/),
  id: WebhookId,
  deliveryId: DeliveryId,
};

const err = (description: string): Reply => ({ description, schema: "Error" });
const accepted: Reply = { description: "Accepted: queued, applied within milliseconds", schema: "AcceptedResponse" };
const ifMatch = {
  "If-Match": {
    schema: IfMatch,
    asSent: true,
    description:
      'the ETag of GET …/entries/:entryId ("r<revision>"): refused with 412 revision_conflict when the entry\'s accepted revision is another',
  },
};
const conflict = err(
  "revision_conflict: If-Match names a revision the entry has moved past; `details` holds `revision`, `etag` and the current `entry`",
);
const Text = z.string();
/** Probe bodies are diagnostics: checks may be added, so other fields are allowed. */
const Health = z.looseObject({ status: z.enum(["ok", "degraded"]), redis: z.enum(["ok", "unreachable"]) });
const Readiness = z.looseObject({
  status: z.enum(["ready", "unavailable", "draining"]),
  redis: z.enum(["ok", "unreachable"]).optional(),
  queue: z.enum(["ok", "unusable"]).optional(),
});

/**
 * What a route can answer because of what it is, besides its own `responses`:
 * - every GET sent with `res.send` gets an ETag from Express and answers 304 to a matching
 *   If-None-Match (not the endless SSE stream);
 * - a path parameter that is malformed, or not validly percent-encoded, is a 400;
 * - every `/v1` route reads an Authorization header when one is sent and refuses a bad one (401)
 *   even on a public read, and needs Redis (503 while it is away) unless it says otherwise;
 * - a `/v1` route of one feed answers 404 for an unknown feed and, without a token for it, for
 *   a private one too (no caller learns which private feeds exist); a token for it that has
 *   expired is 401 `token_expired`;
 * - writes parse a JSON body (400, 413, 415); an editor's count against the token's rate limit,
 *   a reader's (no token needed) against its address's (429).
 */
function impliedResponses(route: DocumentedRoute): Record<number, Reply> {
  const out: Record<number, Reply> = {};
  const add = (status: number, reply: Reply) => {
    const had = out[status];
    out[status] = had === undefined ? reply : { ...had, description: `${had.description}; ${reply.description}` };
  };
  const api = route.path.startsWith("/v1/");
  const streams = Object.values(route.responses).some((r) => r.contentType === "text/event-stream");
  const hasFeed = route.path.includes(":feedId");

  if (route.method === "get" && !streams) add(304, { description: "Not Modified: If-None-Match named the ETag" });
  if (/:\w/.test(route.path)) add(400, err("validation_failed: a malformed or badly percent-encoded path parameter"));
  if (route.query) add(400, err("validation_failed: a malformed query parameter (`details` names it)"));
  if (route.headers) add(400, err(`validation_failed: a malformed ${Object.keys(route.headers).join(" or ")} header`));
  if (route.body) {
    add(
      400,
      err(
        "validation_failed / invalid_json: the body (`details` names each field, also one that is not well-formed Unicode)",
      ),
    );
    add(413, err(`payload_too_large: the body is over ${LIMITS.maxBodyBytes} bytes`));
    add(415, err(`unsupported_media_type: the body is not sent as ${route.bodyType ?? "application/json"}`));
  }
  if (api) add(401, err("unauthorized / token_expired: a bearer token was sent and is not valid"));
  const write = route.method !== "get";
  if (route.editor) {
    add(401, err("unauthorized: no bearer token"));
    add(403, err("forbidden: the token's role or feeds do not cover this"));
    if (write) add(429, { ...err("rate_limited: too many writes with this token"), retryAfter: true });
  } else if (api && write) {
    add(429, {
      ...err("rate_limited: too many requests from this address (RATE_LIMIT_CONNECTIONS)"),
      retryAfter: true,
    });
  }
  if (api && hasFeed) {
    const feed = route.editor ? "feed_not_found" : "feed_not_found (also a private feed, without a token for it)";
    add(404, err(route.path.includes(":entryId") ? `${feed} / entry_not_found` : feed));
  }
  if (api && route.needsRedis !== false)
    add(503, { ...err("unavailable: Redis is unreachable; retry later"), retryAfter: true });
  add(500, err("internal: an unexpected failure (never a stack trace)"));
  return out;
}

/** Every route the service answers. A test checks this table against the Express router. */
export const ROUTES: DocumentedRoute[] = [
  {
    method: "get",
    path: "/healthz",
    operationId: "getHealth",
    summary: "Liveness and Redis reachability",
    responses: {
      200: { description: "alive", schema: Health },
      503: { description: "Redis unreachable", schema: Health },
    },
  },
  {
    method: "get",
    path: "/readyz",
    operationId: "getReadiness",
    summary: "Readiness: Redis reachable, queue usable, not draining",
    responses: {
      200: { description: "ready", schema: Readiness },
      503: { description: "not ready (or draining after SIGTERM)", schema: Readiness },
    },
  },
  {
    method: "get",
    path: "/metrics",
    operationId: "getMetrics",
    summary: "Prometheus metrics of this process",
    responses: { 200: { description: "Prometheus text format", schema: Text, contentType: "text/plain" } },
  },
  {
    method: "get",
    path: "/openapi.json",
    operationId: "getOpenApi",
    summary: "This document",
    responses: { 200: { description: "OpenAPI 3.1 document", schema: z.looseObject({ openapi: z.string() }) } },
  },
  {
    method: "get",
    path: "/widget.js",
    operationId: "getWidgetScript",
    summary: "The embeddable reader widget (script tag bundle)",
    responses: {
      200: { description: "JavaScript", schema: Text, contentType: "text/javascript" },
      503: err("unavailable: the client bundle is not built"),
    },
  },
  {
    method: "get",
    path: "/widget-embeds.js",
    operationId: "getWidgetEmbedsScript",
    summary: "The video players of the widget's embed cards, fetched on a reader's first click on one",
    responses: {
      200: { description: "JavaScript", schema: Text, contentType: "text/javascript" },
      503: err("unavailable: the client bundle is not built"),
    },
  },
  {
    method: "get",
    path: "/console.js",
    operationId: "getConsoleScript",
    summary: "Script of the editor console",
    responses: {
      200: { description: "JavaScript", schema: Text, contentType: "text/javascript" },
      503: err("unavailable: the client bundle is not built"),
    },
  },
  {
    method: "get",
    path: "/console",
    operationId: "getConsolePage",
    summary: "The editor console page",
    responses: { 200: { description: "HTML", schema: Text, contentType: "text/html" } },
  },
  {
    method: "get",
    path: "/feeds/:feedId",
    operationId: "getFeedPage",
    summary: "Server-rendered reader page of a feed, with LiveBlogPosting JSON-LD",
    responses: {
      200: { description: "HTML", schema: Text, contentType: "text/html" },
      404: { description: "no such feed, or a private one", schema: Text, contentType: "text/html" },
      503: { ...err("unavailable: Redis is unreachable; retry later"), retryAfter: true },
    },
  },
  {
    method: "get",
    path: "/v1/feeds",
    operationId: "listFeeds",
    summary: "List feeds (private ones only for a token that may read them)",
    responses: { 200: { description: "feeds", schema: z.object({ feeds: z.array(Feed) }) } },
  },
  {
    method: "post",
    path: "/v1/feeds",
    operationId: "createFeed",
    summary: "Create a feed (admin)",
    editor: true,
    body: CreateFeedRequest,
    responses: { 201: { description: "created", schema: "Feed" }, 409: err("feed_exists") },
  },
  {
    method: "get",
    path: "/v1/feeds/:feedId",
    operationId: "getFeed",
    summary: "A feed with its current seq (for its editors, also `failedChanges`: changes set aside)",
    responses: { 200: { description: "the feed", schema: "Feed" } },
  },
  {
    method: "get",
    path: "/v1/feeds/:feedId/failed",
    operationId: "listFailedChanges",
    summary:
      "Changes that were accepted (202) but could not be applied, set aside so the feed goes on: newest first (editors of the feed)",
    editor: true,
    responses: { 200: { description: "the set-aside changes", schema: FailedChangesResponse } },
  },
  {
    method: "get",
    path: "/v1/feeds/:feedId/stats",
    operationId: "getFeedStats",
    summary:
      "Who is here (editors of the feed): readers connected to every server node by transport, and the editors present with what they are editing; at most a few seconds behind",
    editor: true,
    responses: { 200: { description: "readers and editors now", schema: FeedStats } },
  },
  {
    method: "post",
    path: "/v1/feeds/:feedId/presence",
    operationId: "heartbeatPresence",
    summary:
      "An editor's heartbeat: present in the feed (and editing `editing`, an entry id) until PRESENCE_EDITOR_TTL_MS (15 s) passes without another",
    editor: true,
    body: PresenceRequest,
    responses: { 204: { description: "present" } },
  },
  {
    method: "delete",
    path: "/v1/feeds/:feedId/presence",
    operationId: "leavePresence",
    summary: "The editor leaves the feed (no longer listed in its stats)",
    editor: true,
    responses: { 204: { description: "gone" } },
  },
  {
    method: "patch",
    path: "/v1/feeds/:feedId",
    operationId: "updateFeed",
    summary: "Change title, description, status or visibility (admin)",
    editor: true,
    body: UpdateFeedRequest,
    responses: { 202: accepted },
  },
  {
    method: "post",
    path: "/v1/feeds/:feedId/entries",
    operationId: "publishEntry",
    summary:
      'Publish an entry, or keep it as a draft (`"status": "draft"`) or schedule it (`publishAt`, a future time). Contributors: drafts only (else 403)',
    editor: true,
    body: PublishEntryRequest,
    headers: { "Idempotency-Key": { schema: IdempotencyKey, description: "repeat-safe publish (kept 24 h)" } },
    responses: {
      202: accepted,
      409: err(
        "entry_exists / idempotency_key_reused: the id or key was used for other content; entry_retracted: the id was retracted; feed_ended",
      ),
    },
  },
  {
    method: "get",
    path: "/v1/feeds/:feedId/entries",
    operationId: "listEntries",
    summary: "Entries newest first, paged with `before`",
    query: ListEntriesQuery,
    responses: { 200: { description: "a page", schema: "EntryPage" } },
  },
  {
    method: "patch",
    path: "/v1/feeds/:feedId/entries/:entryId",
    operationId: "updateEntry",
    summary:
      "Edit an entry (content, media, embeds, correction, pin, key event); a draft's publishAt schedules, reschedules or (null) cancels it. Contributors: their own drafts only",
    editor: true,
    body: UpdateEntryRequest,
    headers: ifMatch,
    responses: {
      202: accepted,
      409: err("entry_published: publishAt sent for a published entry"),
      412: conflict,
    },
  },
  {
    method: "delete",
    path: "/v1/feeds/:feedId/entries/:entryId",
    operationId: "retractEntry",
    summary:
      "Retract an entry (a draft is discarded, with no event); the optional `reason` is kept on its `entry.deleted` revision, never shown to readers",
    editor: true,
    body: RetractEntryRequest,
    bodyRequired: false,
    headers: ifMatch,
    responses: { 202: accepted, 412: conflict },
  },
  {
    method: "post",
    path: "/v1/feeds/:feedId/entries/:entryId/publish",
    operationId: "publishDraft",
    summary: "Publish a draft or scheduled entry now: it gets its seq when applied (editors, never contributors)",
    editor: true,
    responses: { 202: accepted, 409: err("entry_published: it is published already; feed_ended") },
  },
  {
    method: "get",
    path: "/v1/feeds/:feedId/drafts",
    operationId: "listDrafts",
    summary:
      "Drafts and scheduled entries (scheduled first, soonest first), each with `by`, the token subject that wrote it; a contributor sees their own",
    editor: true,
    responses: { 200: { description: "drafts", schema: DraftsResponse } },
  },
  {
    method: "get",
    path: "/v1/feeds/:feedId/entries/:entryId",
    operationId: "getEntry",
    summary:
      "One entry, with an ETag of its accepted revision for If-Match (its writers also get a draft here; readers only published entries)",
    responses: { 200: { description: "the entry", schema: "Entry", etag: true } },
  },
  {
    method: "get",
    path: "/v1/feeds/:feedId/entries/:entryId/revisions",
    operationId: "listRevisions",
    summary: "Revision history: who changed the entry, when and how (editors of the feed)",
    editor: true,
    responses: { 200: { description: "revisions, oldest first", schema: RevisionsResponse } },
  },
  {
    method: "get",
    path: "/v1/feeds/:feedId/events",
    operationId: "listEvents",
    summary:
      "Catch-up: events after `since` (of `epoch`), or a snapshot with reset (log trimmed, or another epoch: history lost)",
    query: EventsQuery,
    responses: { 200: { description: "events or snapshot", schema: "EventsResponse" } },
  },
  {
    method: "get",
    path: "/v1/feeds/:feedId/stream",
    operationId: "streamEvents",
    summary: "Server-Sent Events: `id: <epoch>:<seq>`, `event: <type>`, JSON data; resume with Last-Event-ID",
    query: z.object({ since: EventsQuery.shape.since.optional(), epoch: EventsQuery.shape.epoch }),
    headers: {
      "Last-Event-ID": {
        schema: SseEventId,
        asSent: true,
        description:
          "resume after `<epoch>:<seq>` (or a plain `<seq>`), wins over ?since=&epoch=; another epoch answers `event: reset`",
      },
    },
    responses: {
      200: { description: "an endless text/event-stream", schema: Text, contentType: "text/event-stream" },
    },
  },
  {
    method: "post",
    path: "/v1/media",
    operationId: "uploadMedia",
    summary:
      "Upload an image (JPEG, PNG, WebP, GIF or AVIF, judged by its bytes); it is re-encoded as WebP at 480/960/1600 px wide (never enlarged) with all metadata removed",
    editor: true,
    bodyType: "multipart/form-data",
    body: MediaFields.extend({
      file: z.string().meta({ contentMediaType: "application/octet-stream", description: "the image" }),
    }),
    responses: {
      201: { description: "stored", schema: "Media" },
      413: err("payload_too_large: over MEDIA_MAX_BYTES"),
      415: err("unsupported_media_type: not multipart, or not a JPEG, PNG, WebP, GIF or AVIF image"),
      422: err("image_too_large (over 16384 px a side or 50 megapixels) / image_unreadable"),
    },
  },
  {
    method: "get",
    path: "/v1/media/:mediaId",
    operationId: "getMedia",
    summary:
      "An uploaded image's record: its variants, alt, caption and credit (URLs on PUBLIC_URL, else root-relative)",
    needsRedis: false,
    responses: { 200: { description: "the media", schema: "Media" }, 404: err("media_not_found") },
  },
  {
    method: "get",
    path: "/media/:mediaId/:file",
    operationId: "getMediaFile",
    summary: "One variant of an uploaded image (Cache-Control: public, max-age=31536000, immutable)",
    responses: {
      200: { description: "the image", schema: Text, contentType: "image/webp" },
      // Served like static files: a name that is no variant's is simply not there.
      400: err("validation_failed: the path is not validly percent-encoded"),
      404: err("media_not_found: no such item, or a name that is not one of its variants (`<width>.webp`)"),
    },
  },
  ...OUTPUT_ROUTES,
];

const toOpenApiPath = (p: string) => p.replace(/:(\w+)/g, "{$1}");
function jsonSchema(s: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  // The dialect is OpenAPI 3.1's own (JSON Schema 2020-12); drop the per-schema `$schema`.
  const { $schema: _dialect, ...rest } = z.toJSONSchema(s, { io, unrepresentable: "any" });
  return rest;
}

function replySchema(s: Reply["schema"]): unknown {
  if (s === undefined) return undefined;
  if (typeof s === "string") return { $ref: `#/components/schemas/${s}` };
  return jsonSchema(s, "output");
}

const RETRY_AFTER = {
  "Retry-After": {
    description: "seconds to wait before retrying",
    required: true,
    schema: { type: "integer", minimum: 1 },
  },
};

const ETAG = {
  ETag: {
    description: 'the entry\'s accepted revision, `"r<n>"`: send it back as If-Match',
    required: true,
    schema: { type: "string", pattern: '^"r\\d+"$' },
  },
};

function response(r: Reply): Record<string, unknown> {
  const schema = replySchema(r.schema);
  return {
    description: r.description,
    ...(r.retryAfter ? { headers: RETRY_AFTER } : {}),
    ...(r.etag ? { headers: ETAG } : {}),
    ...(schema === undefined ? {} : { content: { [r.contentType ?? "application/json"]: { schema } } }),
  };
}

/**
 * Editors send their token; a `/v1` read takes a subscriber token when it has one (`{}` first:
 * public feeds need none), so generated clients offer it without requiring it.
 */
function security(route: DocumentedRoute): unknown[] {
  if (route.editor) return [{ editorToken: [] }];
  if (route.path.startsWith("/v1/")) return [{}, { subscriberToken: [] }];
  return []; // probes, the document, pages and scripts: open to anyone
}

function operation(route: DocumentedRoute): Record<string, unknown> {
  const parameters: unknown[] = [];
  for (const [, name] of route.path.matchAll(/:(\w+)/g)) {
    const schema = name === undefined ? undefined : PARAMS[name];
    if (name && schema) parameters.push({ name, in: "path", required: true, schema: jsonSchema(schema, "input") });
  }
  // Query and header values arrive as text; their schema is the value they denote once parsed
  // (zod's output: `limit` is an integer 1-100, not a string of digits).
  for (const [name, schema] of Object.entries(route.query?.shape ?? {})) {
    const s = schema as z.ZodType;
    parameters.push({ name, in: "query", required: !s.safeParse(undefined).success, schema: jsonSchema(s, "output") });
  }
  for (const [name, h] of Object.entries(route.headers ?? {})) {
    const schema = jsonSchema(h.schema, h.asSent === true ? "input" : "output");
    parameters.push({ name, in: "header", required: false, description: h.description, schema });
  }
  const replies = { ...impliedResponses(route), ...route.responses };
  const responses = Object.fromEntries(
    Object.entries(replies)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([status, r]) => [status, response(r)]),
  );
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: route.bodyRequired ?? true,
            content: { [route.bodyType ?? "application/json"]: { schema: jsonSchema(route.body, "input") } },
          },
        }
      : {}),
    security: security(route),
    responses,
  };
}

/** The OpenAPI 3.1 document, built from the zod schemas in `protocol/` and the route table. */
export function buildOpenApi(serverUrl?: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    const p = toOpenApiPath(route.path);
    paths[p] = { ...paths[p], [route.method]: operation(route) };
  }
  const schemas = Object.fromEntries(Object.entries(COMPONENTS).map(([name, s]) => [name, jsonSchema(s, "output")]));
  return {
    openapi: "3.1.0",
    info: {
      title: "Liveline",
      version: "1.0.0",
      description: "Realtime live-blog push service: HTTP API v1",
      license: { name: "MIT", identifier: "MIT" },
    },
    // "/" is the origin that serves this document: each deployment is its own server.
    servers: [{ url: serverUrl ?? "/" }],
    paths,
    components: {
      schemas,
      securitySchemes: {
        editorToken: {
          type: "http",
          scheme: "bearer",
          description: "an EDITOR_TOKENS entry, or a signed token (JWT) with role editor or admin",
        },
        subscriberToken: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description: "a signed token with role reader and the private feeds it may read (`npm run mint-token`)",
        },
      },
    },
  };
}
