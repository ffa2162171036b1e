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
  Feed,
  FeedEvent,
  FeedId,
  IdempotencyKey,
  ListEntriesQuery,
  SseEventId,
  PublishEntryRequest,
  RevisionsResponse,
  UpdateEntryRequest,
  UpdateFeedRequest,
} from "@liveline/protocol";

type Method = "get" | "post" | "patch" | "delete";

interface Reply {
  description: string;
  /** A named component (see COMPONENTS) or an inline schema. */
  schema?: keyof typeof COMPONENTS | z.ZodType;
  contentType?: string;
}

/** One documented operation. `path` is written the Express way (`/v1/feeds/:feedId`). */
export interface DocumentedRoute {
  method: Method;
  path: string;
  summary: string;
  editor?: boolean;
  body?: z.ZodType;
  query?: z.ZodObject;
  headers?: Record<string, { schema: z.ZodType; description: string }>;
  responses: Record<number, Reply>;
}

/** Response schemas published under components/schemas (zod's own JSON Schema output). */
const COMPONENTS = { Feed, Entry, FeedEvent, EntryPage, EventsResponse, AcceptedResponse, Error: ErrorResponse };

const PARAMS: Record<string, z.ZodType> = { feedId: FeedId, entryId: EntryId };

const err = (description: string): Reply => ({ description, schema: "Error" });
const accepted: Reply = { description: "Accepted: queued, applied within milliseconds", schema: "AcceptedResponse" };
const writeErrors = {
  400: err("validation_failed / invalid_json"),
  401: err("unauthorized / token_expired"),
  403: err("forbidden: the token's role or feeds do not cover this"),
  404: err("feed_not_found / entry_not_found"),
  409: err("conflict"),
  429: err("rate_limited (with Retry-After)"),
};
const Text = z.string();

/** Every route the service answers. A test checks this table against the Express router. */
export const ROUTES: DocumentedRoute[] = [
  {
    method: "get",
    path: "/healthz",
    summary: "Liveness and Redis reachability",
    responses: { 200: { description: "alive" }, 503: { description: "Redis unreachable" } },
  },
  {
    method: "get",
    path: "/readyz",
    summary: "Readiness: Redis reachable, queue usable, not draining",
    responses: { 200: { description: "ready" }, 503: { description: "not ready (or draining after SIGTERM)" } },
  },
  {
    method: "get",
    path: "/metrics",
    summary: "Prometheus metrics of this process",
    responses: { 200: { description: "Prometheus text format", schema: Text, contentType: "text/plain" } },
  },
  {
    method: "get",
    path: "/openapi.json",
    summary: "This document",
    responses: { 200: { description: "OpenAPI 3.1 document" } },
  },
  {
    method: "get",
    path: "/widget.js",
    summary: "The embeddable reader widget (script tag bundle)",
    responses: { 200: { description: "JavaScript", schema: Text, contentType: "text/javascript" } },
  },
  {
    method: "get",
    path: "/console.js",
    summary: "Script of the editor console",
    responses: { 200: { description: "JavaScript", schema: Text, contentType: "text/javascript" } },
  },
  {
    method: "get",
    path: "/console",
    summary: "The editor console page",
    responses: { 200: { description: "HTML", schema: Text, contentType: "text/html" } },
  },
  {
    method: "get",
    path: "/feeds/:feedId",
    summary: "Server-rendered reader page of a feed, with LiveBlogPosting JSON-LD",
    responses: {
      200: { description: "HTML", schema: Text, contentType: "text/html" },
      404: { description: "no such feed", schema: Text, contentType: "text/html" },
    },
  },
  {
    method: "get",
    path: "/v1/feeds",
    summary: "List feeds",
    responses: { 200: { description: "feeds", schema: z.object({ feeds: z.array(Feed) }) } },
  },
  {
    method: "post",
    path: "/v1/feeds",
    summary: "Create a feed",
    editor: true,
    body: CreateFeedRequest,
    responses: { 201: { description: "created", schema: "Feed" }, ...writeErrors },
  },
  {
    method: "get",
    path: "/v1/feeds/:feedId",
    summary: "A feed with its current seq",
    responses: { 200: { description: "the feed", schema: "Feed" }, 404: err("feed_not_found") },
  },
  {
    method: "patch",
    path: "/v1/feeds/:feedId",
    summary: "Change title, description, status or visibility (admin)",
    editor: true,
    body: UpdateFeedRequest,
    responses: { 202: accepted, ...writeErrors },
  },
  {
    method: "post",
    path: "/v1/feeds/:feedId/entries",
    summary: "Publish an entry",
    editor: true,
    body: PublishEntryRequest,
    headers: { "Idempotency-Key": { schema: IdempotencyKey, description: "repeat-safe publish (kept 24 h)" } },
    responses: { 202: accepted, ...writeErrors },
  },
  {
    method: "get",
    path: "/v1/feeds/:feedId/entries",
    summary: "Entries newest first, paged with `before`",
    query: ListEntriesQuery,
    responses: { 200: { description: "a page", schema: "EntryPage" }, 404: err("feed_not_found") },
  },
  {
    method: "patch",
    path: "/v1/feeds/:feedId/entries/:entryId",
    summary: "Edit an entry (correction, pin, key event)",
    editor: true,
    body: UpdateEntryRequest,
    responses: { 202: accepted, ...writeErrors },
  },
  {
    method: "delete",
    path: "/v1/feeds/:feedId/entries/:entryId",
    summary: "Retract an entry",
    editor: true,
    responses: { 202: accepted, ...writeErrors },
  },
  {
    method: "get",
    path: "/v1/feeds/:feedId/entries/:entryId",
    summary: "One entry",
    responses: { 200: { description: "the entry", schema: "Entry" }, 404: err("entry_not_found") },
  },
  {
    method: "get",
    path: "/v1/feeds/:feedId/entries/:entryId/revisions",
    summary: "Revision history: who changed the entry, when and how (editors of the feed)",
    editor: true,
    responses: {
      200: { description: "revisions, oldest first", schema: RevisionsResponse },
      401: err("unauthorized / token_expired"),
      403: err("forbidden"),
      404: err("entry_not_found"),
    },
  },
  {
    method: "get",
    path: "/v1/feeds/:feedId/events",
    summary:
      "Catch-up: events after `since` (of `epoch`), or a snapshot with reset (log trimmed, or another epoch: history lost)",
    query: EventsQuery,
    responses: { 200: { description: "events or snapshot", schema: "EventsResponse" }, 404: err("feed_not_found") },
  },
  {
    method: "get",
    path: "/v1/feeds/:feedId/stream",
    summary: "Server-Sent Events: `id: <epoch>:<seq>`, `event: <type>`, JSON data; resume with Last-Event-ID",
    query: z.object({ since: EventsQuery.shape.since.optional(), epoch: EventsQuery.shape.epoch }),
    headers: {
      "Last-Event-ID": {
        schema: SseEventId,
        description:
          "resume after `<epoch>:<seq>` (or a plain `<seq>`), wins over ?since=&epoch=; another epoch answers `event: reset`",
      },
    },
    responses: {
      200: { description: "an endless text/event-stream", schema: Text, contentType: "text/event-stream" },
      404: err("feed_not_found"),
    },
  },
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

function operation(route: DocumentedRoute): Record<string, unknown> {
  const parameters: unknown[] = [];
  for (const [, name] of route.path.matchAll(/:(\w+)/g)) {
    const schema = name === undefined ? undefined : PARAMS[name];
    if (name && schema) parameters.push({ name, in: "path", required: true, schema: jsonSchema(schema, "input") });
  }
  for (const [name, schema] of Object.entries(route.query?.shape ?? {})) {
    const s = schema as z.ZodType;
    parameters.push({ name, in: "query", required: !s.safeParse(undefined).success, schema: jsonSchema(s, "input") });
  }
  for (const [name, h] of Object.entries(route.headers ?? {})) {
    parameters.push({
      name,
      in: "header",
      required: false,
      description: h.description,
      schema: jsonSchema(h.schema, "input"),
    });
  }
  const responses = Object.fromEntries(
    Object.entries(route.responses).map(([status, r]) => {
      const schema = replySchema(r.schema);
      const content = schema === undefined ? undefined : { [r.contentType ?? "application/json"]: { schema } };
      return [status, content ? { description: r.description, content } : { description: r.description }];
    }),
  );
  return {
    summary: route.summary,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.body
      ? {
          requestBody: { required: true, content: { "application/json": { schema: jsonSchema(route.body, "input") } } },
        }
      : {}),
    ...(route.editor ? { security: [{ editorToken: [] }] } : {}),
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
    info: { title: "Liveline", version: "1.0.0", description: "Realtime live-blog push service: HTTP API v1" },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    paths,
    components: {
      schemas,
      securitySchemes: { editorToken: { type: "http", scheme: "bearer", description: "an EDITOR_TOKENS entry" } },
    },
  };
}
