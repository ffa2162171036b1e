import { z } from "zod";
import {
  AlertReach,
  AlertStatus,
  CreateWebhookRequest,
  CreatedWebhook,
  DeliveriesQuery,
  Delivery,
  DeviceRegistration,
  JsonFeedDocument,
  Webhook,
  WebPushSubscription,
} from "../outputs.js";
import { defineOperation } from "./operation.js";
import { err, javascript, text } from "./replies.js";

/**
 * The outputs beyond the page: Atom and JSON Feed, readers' opt-ins to breaking-news alerts
 * (Web Push, FCM) and the alert status editors see, and the deployment's webhooks.
 */

const Registered = z.object({ id: z.string(), feedId: z.string() });
const noPublicFeed = text("no such public feed", "text/plain");

export const getServiceWorker = defineOperation({
  method: "get",
  path: "/liveline-sw.js",
  summary: "Service worker that shows breaking-news alerts and opens the entry on a click",
  access: "anyone",
  responses: { 200: javascript },
});

export const getAtomFeed = defineOperation({
  method: "get",
  path: "/feeds/:feedId/atom.xml",
  summary: "Atom 1.0 document of a public feed (corrections update `updated`; retracted entries are gone)",
  access: "anyone",
  responses: { 200: text("Atom", "application/atom+xml"), 404: noPublicFeed },
});

export const getJsonFeed = defineOperation({
  method: "get",
  path: "/feeds/:feedId/feed.json",
  summary: "JSON Feed 1.1 document of a public feed",
  access: "anyone",
  responses: {
    200: { description: "JSON Feed", schema: JsonFeedDocument, contentType: "application/feed+json" },
    404: noPublicFeed,
  },
});

export const getWebPushKey = defineOperation({
  method: "get",
  path: "/v1/push/web/key",
  summary: "The VAPID public key browsers subscribe with (applicationServerKey)",
  access: "reader",
  withoutRedis: true,
  responses: {
    200: { description: "the key", schema: z.object({ publicKey: z.string() }) },
    404: err("not_configured: Web Push is off"),
  },
});

export const subscribeWebPush = defineOperation({
  method: "post",
  path: "/v1/feeds/:feedId/push/web",
  summary: "Subscribe a browser (its PushSubscription) to the feed's breaking-news alerts",
  access: "reader",
  body: WebPushSubscription,
  responses: {
    201: { description: "subscribed (idempotent per endpoint)", schema: Registered },
    403: err("destination_not_allowed: the endpoint is not an https URL on the public internet (`details` says why)"),
    404: err("feed_not_found (also a private feed, without a token for it) / not_configured: Web Push is off"),
  },
});

export const unsubscribeWebPush = defineOperation({
  method: "delete",
  path: "/v1/feeds/:feedId/push/web",
  summary: "Unsubscribe a browser (body: the PushSubscription, or just its endpoint)",
  access: "reader",
  body: WebPushSubscription.pick({ endpoint: true }),
  responses: { 204: { description: "unsubscribed (also when it was not)" } },
});

export const registerDevice = defineOperation({
  method: "post",
  path: "/v1/feeds/:feedId/push/devices",
  summary: "Register an app's FCM device token for the feed's breaking-news alerts",
  access: "reader",
  body: DeviceRegistration,
  responses: {
    201: { description: "registered (idempotent per token)", schema: Registered },
    404: err("feed_not_found (also a private feed, without a token for it) / not_configured: FCM is off"),
  },
});

export const removeDevice = defineOperation({
  method: "delete",
  path: "/v1/feeds/:feedId/push/devices",
  summary: "Remove an app's device token",
  access: "reader",
  body: DeviceRegistration,
  responses: { 204: { description: "removed (also when it was not)" } },
});

export const getAlertStatus = defineOperation({
  method: "get",
  path: "/v1/feeds/:feedId/alerts",
  summary: "Breaking-news alerts of the feed: sent in the last hour, the hourly cap, the latest ones (editors)",
  access: "edit",
  responses: { 200: { description: "alert status", schema: AlertStatus } },
});

export const getAlertReach = defineOperation({
  method: "get",
  path: "/v1/feeds/:feedId/alerts/reach",
  summary:
    "Who a breaking-news alert of the feed would reach now (browsers, app devices, webhooks) and its undo window, for the editor's confirmation (editors)",
  access: "edit",
  responses: { 200: { description: "reach", schema: AlertReach } },
});

export const recallAlert = defineOperation({
  method: "delete",
  path: "/v1/feeds/:feedId/entries/:entryId/alert",
  summary:
    "Recall the entry's breaking-news alert within its undo window (ALERT_UNDO_SECONDS): nothing is sent, and none is sent for it later (editors)",
  access: "edit",
  responses: {
    204: { description: "recalled: no alert leaves for this entry" },
    404: err("feed_not_found / entry_not_found"),
    409: err("alert_already_sent: the undo window is over and the alert has gone out"),
  },
});

export const createWebhook = defineOperation({
  method: "post",
  path: "/v1/webhooks",
  summary: "Register a webhook endpoint (admin of every feed); the answer carries its signing secret, once",
  access: "admin-all",
  body: CreateWebhookRequest,
  responses: {
    201: { description: "registered", schema: CreatedWebhook },
    403: err(
      "forbidden: not an admin of every feed; destination_not_allowed: the URL is not https on the public internet (`details` says why)",
    ),
  },
});

export const listWebhooks = defineOperation({
  method: "get",
  path: "/v1/webhooks",
  summary: "Webhook endpoints (admin)",
  access: "admin-all",
  responses: {
    200: { description: "endpoints", schema: z.object({ webhooks: z.array(Webhook) }) },
    403: err("forbidden"),
  },
});

export const deleteWebhook = defineOperation({
  method: "delete",
  path: "/v1/webhooks/:id",
  summary: "Remove a webhook endpoint and its waiting deliveries (admin)",
  access: "admin-all",
  responses: { 204: { description: "removed" }, 403: err("forbidden"), 404: err("webhook_not_found") },
});

export const listDeliveries = defineOperation({
  method: "get",
  path: "/v1/webhooks/:id/deliveries",
  summary: "The endpoint's latest deliveries with every try, newest first; `?status=dead` for the dead letters",
  access: "admin-all",
  query: DeliveriesQuery,
  responses: {
    200: { description: "deliveries", schema: z.object({ deliveries: z.array(Delivery) }) },
    403: err("forbidden"),
    404: err("webhook_not_found"),
  },
});

export const replayDelivery = defineOperation({
  method: "post",
  path: "/v1/webhooks/:id/deliveries/:deliveryId/replay",
  summary: "Send a delivery again (same webhook-id), after the endpoint's waiting deliveries",
  access: "admin-all",
  responses: {
    202: { description: "queued again", schema: Delivery },
    403: err("forbidden"),
    404: err("webhook_not_found / delivery_not_found"),
  },
});
