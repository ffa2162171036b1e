import { z } from "zod";
import {
  AcceptedResponse,
  Entry,
  EntryPage,
  ErrorResponse,
  EventsResponse,
  Feed,
  FeedEvent,
  LIMITS,
  MediaItem,
  OPERATIONS,
  PATH_PARAMS,
  WebhookMessage,
  needsToken,
  paramNamesOf,
  type OperationDef,
  type Reply,
} from "@liveline/protocol";

/** Response schemas published under components/schemas (zod's own JSON Schema output), by name. */
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
const COMPONENT_NAMES = new Map<z.ZodType, string>(Object.entries(COMPONENTS).map(([name, s]) => [s, name]));

const err = (description: string): Reply => ({ description, schema: ErrorResponse });

/**
 * What an operation can answer because of what it is, besides its own `responses`:
 * - every GET sent with `res.send` gets an ETag from Express and answers 304 to a matching
 *   If-None-Match (not the endless SSE stream, nor a redirect);
 * - a path parameter that is malformed, or not validly percent-encoded, is a 400;
 * - every `/v1` operation reads an Authorization header when one is sent and refuses a bad one
 *   (401) even on a public read, and needs Redis (503 while it is away) unless it says otherwise;
 * - a `/v1` operation of one feed answers 404 for an unknown feed and, without a token for it,
 *   for a private one too (no caller learns which private feeds exist); a token for it that has
 *   expired is 401 `token_expired`;
 * - writes parse a JSON body (400, 413, 415); an editor's count against the token's rate limit,
 *   a reader's (no token needed) against its address's (429).
 */
function impliedResponses(op: OperationDef): Record<number, Reply> {
  const out: Record<number, Reply> = {};
  const add = (status: number, reply: Reply) => {
    const had = out[status];
    out[status] = had === undefined ? reply : { ...had, description: `${had.description}; ${reply.description}` };
  };
  const api = op.path.startsWith("/v1/");
  const streams = Object.values(op.responses).some((r) => r.contentType === "text/event-stream");
  const hasFeed = op.path.includes(":feedId");
  const editor = needsToken(op.access);

  // A navigation that answers with a redirect (single sign-on) has nothing to revalidate.
  const redirects = Object.keys(op.responses).some((status) => /^30[1237]$/.test(status));
  if (op.method === "get" && !streams && !redirects)
    add(304, { description: "Not Modified: If-None-Match named the ETag" });
  if (/:\w/.test(op.path)) add(400, err("validation_failed: a malformed or badly percent-encoded path parameter"));
  if (op.query) add(400, err("validation_failed: a malformed query parameter (`details` names it)"));
  if (op.headers) add(400, err(`validation_failed: a malformed ${Object.keys(op.headers).join(" or ")} header`));
  if (op.body) {
    add(
      400,
      err(
        "validation_failed / invalid_json: the body (`details` names each field, also one that is not well-formed Unicode)",
      ),
    );
    add(413, err(`payload_too_large: the body is over ${LIMITS.maxBodyBytes} bytes`));
    add(415, err(`unsupported_media_type: the body is not sent as ${op.bodyType ?? "application/json"}`));
  }
  if (api) add(401, err("unauthorized / token_expired: a bearer token was sent and is not valid"));
  const write = op.method !== "get";
  if (editor) {
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
    const feed = editor ? "feed_not_found" : "feed_not_found (also a private feed, without a token for it)";
    add(404, err(op.path.includes(":entryId") ? `${feed} / entry_not_found` : feed));
  }
  if (api && op.withoutRedis !== true)
    add(503, { ...err("unavailable: Redis is unreachable; retry later"), retryAfter: true });
  add(500, err("internal: an unexpected failure (never a stack trace)"));
  return out;
}

const toOpenApiPath = (p: string) => p.replace(/:(\w+)/g, "{$1}");
function jsonSchema(s: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  // The dialect is OpenAPI 3.1's own (JSON Schema 2020-12); drop the per-schema `$schema`.
  const { $schema: _dialect, ...rest } = z.toJSONSchema(s, { io, unrepresentable: "any" });
  return rest;
}

function replySchema(s: Reply["schema"]): unknown {
  if (s === undefined) return undefined;
  const name = COMPONENT_NAMES.get(s);
  return name === undefined ? jsonSchema(s, "output") : { $ref: `#/components/schemas/${name}` };
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
function security(op: OperationDef): unknown[] {
  if (needsToken(op.access)) return [{ editorToken: [] }];
  if (op.access === "reader") return [{}, { subscriberToken: [] }];
  return []; // probes, the document, pages and scripts: open to anyone
}

function operation(operationId: string, op: OperationDef): Record<string, unknown> {
  const parameters: unknown[] = paramNamesOf(op.path).map((name) => ({
    name,
    in: "path",
    required: true,
    schema: jsonSchema(PATH_PARAMS[name], "input"),
  }));
  // Query and header values arrive as text; their schema is the value they denote once parsed
  // (zod's output: `limit` is an integer 1-100, not a string of digits).
  for (const [name, schema] of Object.entries(op.query?.shape ?? {})) {
    const s = schema as z.ZodType;
    parameters.push({ name, in: "query", required: !s.safeParse(undefined).success, schema: jsonSchema(s, "output") });
  }
  for (const [name, h] of Object.entries(op.headers ?? {})) {
    const schema = jsonSchema(h.schema, h.asSent === true ? "input" : "output");
    parameters.push({ name, in: "header", required: false, description: h.description, schema });
  }
  const replies = { ...impliedResponses(op), ...op.responses };
  const responses = Object.fromEntries(
    Object.entries(replies)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([status, r]) => [status, response(r)]),
  );
  return {
    operationId,
    summary: op.summary,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(op.body ? { requestBody: requestBody(op.body, op) } : {}),
    security: security(op),
    responses,
  };
}

/**
 * An operation's request body. A multipart part whose schema names its `contentMediaType` (an
 * upload's `file`) is declared with that Content-Type in `encoding`, so that clients send it as a
 * file part rather than as a text field.
 */
function requestBody(body: z.ZodType, op: OperationDef): Record<string, unknown> {
  const schema = jsonSchema(body, "input");
  const type = op.bodyType ?? "application/json";
  const media: Record<string, unknown> = { schema };
  if (type === "multipart/form-data") {
    const properties = (schema.properties ?? {}) as Record<string, { contentMediaType?: unknown }>;
    const encoding = Object.fromEntries(
      Object.entries(properties).flatMap(([name, p]) =>
        typeof p.contentMediaType === "string" ? [[name, { contentType: p.contentMediaType }]] : [],
      ),
    );
    if (Object.keys(encoding).length > 0) media.encoding = encoding;
  }
  return { required: op.bodyOptional !== true, content: { [type]: media } };
}

/** The Standard Webhooks headers every delivery carries (docs/outputs.md#webhooks). */
const WEBHOOK_HEADERS = [
  ["webhook-id", "the message id (`msg_…`), the same on every try and replay"],
  ["webhook-timestamp", "seconds since the Unix epoch when this try was signed"],
  ["webhook-signature", '`v1,<base64 HMAC-SHA256 of "id.timestamp.body" keyed by the endpoint\'s secret>`'],
].map(([name, description]) => ({ name, in: "header", required: true, description, schema: { type: "string" } }));

/**
 * What Liveline POSTs to a registered endpoint (OpenAPI 3.1 `webhooks`), one entry per kind of
 * message, from the same schema as the bodies the worker builds.
 */
function webhookMessages(): Record<string, unknown> {
  const [feedEvent, alertSent] = WebhookMessage.options;
  const message = (operationId: string, summary: string, body: z.ZodType) => ({
    post: {
      operationId,
      summary,
      security: [],
      parameters: WEBHOOK_HEADERS,
      requestBody: { required: true, content: { "application/json": { schema: jsonSchema(body, "output") } } },
      responses: {
        "2XX": { description: "received; any other answer, or none within OUTBOUND_TIMEOUT_MS, is tried again" },
      },
    },
  });
  return {
    feedEvent: message(
      "feedEventWebhook",
      "A feed event (entry.published, entry.updated, entry.deleted, feed.updated), sent at once, in seq order per feed",
      feedEvent,
    ),
    alertSent: message(
      "alertSentWebhook",
      "alert.sent: a breaking-news alert that went out once its undo window was over (never one recalled, skipped or capped)",
      alertSent,
    ),
  };
}

/** The OpenAPI 3.1 document, built from the operation definitions in `protocol/`. */
export function buildOpenApi(serverUrl?: string): { openapi: string } & Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [operationId, op] of Object.entries(OPERATIONS) as [string, OperationDef][]) {
    const p = toOpenApiPath(op.path);
    paths[p] = { ...paths[p], [op.method]: operation(operationId, op) };
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
    webhooks: webhookMessages(),
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
