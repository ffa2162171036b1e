import { z } from "zod";
import {
  AlertStatus,
  CreateWebhookRequest,
  CreatedWebhook,
  DeliveriesQuery,
  Delivery,
  DeviceRegistration,
  ErrorResponse,
  Webhook,
  WebPushSubscription,
} from "@liveline/protocol";

const err = (description: string) => ({ description, schema: ErrorResponse });
const Text = z.string();
const Registered = z.object({ id: z.string(), feedId: z.string() });

/**
 * The shape of a row of http/openapi.ts's route table, restated (inline schemas only) so
 * that this file need not import the table that imports it; the spread there checks it.
 */
interface OutputRoute {
  method: "get" | "post" | "delete";
  path: string;
  operationId: string;
  summary: string;
  editor?: boolean;
  body?: z.ZodType;
  query?: z.ZodObject;
  needsRedis?: boolean;
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
}

/** The outputs' routes (issue 17), for /openapi.json; the route table spreads them in. */
export const OUTPUT_ROUTES: OutputRoute[] = [
  {
    method: "get",
    path: "/liveline-sw.js",
    operationId: "getServiceWorker",
    summary: "Service worker that shows breaking-news alerts and opens the entry on a click",
    responses: { 200: { description: "JavaScript", schema: Text, contentType: "text/javascript" } },
  },
  {
    method: "get",
    path: "/feeds/:feedId/atom.xml",
    operationId: "getAtomFeed",
    summary: "Atom 1.0 document of a public feed (corrections update `updated`; retracted entries are gone)",
    responses: {
      200: { description: "Atom", schema: Text, contentType: "application/atom+xml" },
      404: { description: "no such public feed", schema: Text, contentType: "text/plain" },
    },
  },
  {
    method: "get",
    path: "/feeds/:feedId/feed.json",
    operationId: "getJsonFeed",
    summary: "JSON Feed 1.1 document of a public feed",
    responses: {
      200: { description: "JSON Feed", schema: Text, contentType: "application/feed+json" },
      404: { description: "no such public feed", schema: Text, contentType: "text/plain" },
    },
  },
  {
    method: "get",
    path: "/v1/push/web/key",
    operationId: "getWebPushKey",
    summary: "The VAPID public key browsers subscribe with (applicationServerKey)",
    needsRedis: false,
    responses: {
      200: { description: "the key", schema: z.object({ publicKey: z.string() }) },
      404: err("not_configured: Web Push is off"),
    },
  },
  {
    method: "post",
    path: "/v1/feeds/:feedId/push/web",
    operationId: "subscribeWebPush",
    summary: "Subscribe a browser (its PushSubscription) to the feed's breaking-news alerts",
    body: WebPushSubscription,
    responses: {
      201: { description: "subscribed (idempotent per endpoint)", schema: Registered },
      400: err("validation_failed (also: an endpoint on a private address) / invalid_json"),
      404: err("feed_not_found (also a private feed, without a token for it) / not_configured: Web Push is off"),
    },
  },
  {
    method: "delete",
    path: "/v1/feeds/:feedId/push/web",
    operationId: "unsubscribeWebPush",
    summary: "Unsubscribe a browser (body: the PushSubscription, or just its endpoint)",
    body: WebPushSubscription.pick({ endpoint: true }),
    responses: { 204: { description: "unsubscribed (also when it was not)" } },
  },
  {
    method: "post",
    path: "/v1/feeds/:feedId/push/devices",
    operationId: "registerDevice",
    summary: "Register an app's FCM device token for the feed's breaking-news alerts",
    body: DeviceRegistration,
    responses: {
      201: { description: "registered (idempotent per token)", schema: Registered },
      404: err("feed_not_found (also a private feed, without a token for it) / not_configured: FCM is off"),
    },
  },
  {
    method: "delete",
    path: "/v1/feeds/:feedId/push/devices",
    operationId: "removeDevice",
    summary: "Remove an app's device token",
    body: DeviceRegistration,
    responses: { 204: { description: "removed (also when it was not)" } },
  },
  {
    method: "get",
    path: "/v1/feeds/:feedId/alerts",
    operationId: "getAlertStatus",
    summary: "Breaking-news alerts of the feed: sent in the last hour, the hourly cap, the latest ones (editors)",
    editor: true,
    responses: {
      200: { description: "alert status", schema: AlertStatus },
    },
  },
  {
    method: "post",
    path: "/v1/webhooks",
    operationId: "createWebhook",
    summary: "Register a webhook endpoint (admin of every feed); the answer carries its signing secret, once",
    editor: true,
    body: CreateWebhookRequest,
    responses: {
      201: { description: "registered", schema: CreatedWebhook },
      400: err("validation_failed (also: a URL on a private address) / invalid_json"),
      403: err("forbidden: not an admin of every feed"),
    },
  },
  {
    method: "get",
    path: "/v1/webhooks",
    operationId: "listWebhooks",
    summary: "Webhook endpoints (admin)",
    editor: true,
    responses: {
      200: { description: "endpoints", schema: z.object({ webhooks: z.array(Webhook) }) },
      403: err("forbidden"),
    },
  },
  {
    method: "delete",
    path: "/v1/webhooks/:id",
    operationId: "deleteWebhook",
    summary: "Remove a webhook endpoint and its waiting deliveries (admin)",
    editor: true,
    responses: { 204: { description: "removed" }, 403: err("forbidden"), 404: err("webhook_not_found") },
  },
  {
    method: "get",
    path: "/v1/webhooks/:id/deliveries",
    operationId: "listDeliveries",
    summary: "The endpoint's latest deliveries with every try, newest first; `?status=dead` for the dead letters",
    editor: true,
    query: DeliveriesQuery,
    responses: {
      200: { description: "deliveries", schema: z.object({ deliveries: z.array(Delivery) }) },
      403: err("forbidden"),
      404: err("webhook_not_found"),
    },
  },
  {
    method: "post",
    path: "/v1/webhooks/:id/deliveries/:deliveryId/replay",
    operationId: "replayDelivery",
    summary: "Send a delivery again (same webhook-id), after the endpoint's waiting deliveries",
    editor: true,
    responses: {
      202: { description: "queued again", schema: Delivery },
      403: err("forbidden"),
      404: err("webhook_not_found / delivery_not_found"),
    },
  },
];
