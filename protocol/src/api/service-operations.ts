import { z } from "zod";
import { defineOperation } from "./operation.js";
import { err, javascript, text } from "./replies.js";

/** Probes, this document, the service's pages and scripts: outside the API, open to anyone. */

/** Probe bodies are diagnostics: checks may be added, so other fields are allowed. */
const Health = z.looseObject({ status: z.enum(["ok", "degraded"]), redis: z.enum(["ok", "unreachable"]) });
const Readiness = z.looseObject({
  status: z.enum(["ready", "unavailable", "draining"]),
  redis: z.enum(["ok", "unreachable"]).optional(),
  queue: z.enum(["ok", "unusable"]).optional(),
});

const notBuilt = err("unavailable: the script is not built");

export const getHealth = defineOperation({
  method: "get",
  path: "/healthz",
  summary: "Liveness and Redis reachability",
  access: "anyone",
  responses: {
    200: { description: "alive", schema: Health },
    503: { description: "Redis unreachable", schema: Health },
  },
});

export const getReadiness = defineOperation({
  method: "get",
  path: "/readyz",
  summary: "Readiness: Redis reachable, queue usable, not draining",
  access: "anyone",
  responses: {
    200: { description: "ready", schema: Readiness },
    503: { description: "not ready (or draining after SIGTERM)", schema: Readiness },
  },
});

export const getMetrics = defineOperation({
  method: "get",
  path: "/metrics",
  summary: "Prometheus metrics of this process",
  access: "anyone",
  responses: { 200: text("Prometheus text format", "text/plain") },
});

export const getOpenApi = defineOperation({
  method: "get",
  path: "/openapi.json",
  summary: "This document",
  access: "anyone",
  responses: { 200: { description: "OpenAPI 3.1 document", schema: z.looseObject({ openapi: z.string() }) } },
});

export const getWidgetScript = defineOperation({
  method: "get",
  path: "/widget.js",
  summary: "The embeddable reader widget (script tag bundle)",
  access: "anyone",
  responses: { 200: javascript, 503: notBuilt },
});

export const getWidgetEmbedsScript = defineOperation({
  method: "get",
  path: "/widget-embeds.js",
  summary: "The video players of the widget's embed cards, fetched on a reader's first click on one",
  access: "anyone",
  responses: { 200: javascript, 503: notBuilt },
});

export const getConsoleScript = defineOperation({
  method: "get",
  path: "/console.js",
  summary: "Script of the editor console",
  access: "anyone",
  responses: { 200: javascript, 503: notBuilt },
});

export const getConsolePage = defineOperation({
  method: "get",
  path: "/console",
  summary: "The editor console page",
  access: "anyone",
  responses: { 200: text("HTML", "text/html") },
});

export const getFeedPage = defineOperation({
  method: "get",
  path: "/feeds/:feedId",
  summary: "Server-rendered reader page of a feed, with LiveBlogPosting JSON-LD",
  access: "anyone",
  responses: {
    200: text("HTML", "text/html"),
    404: text("no such feed, or a private one", "text/html"),
    503: { ...err("unavailable: Redis is unreachable; retry later"), retryAfter: true },
  },
});
