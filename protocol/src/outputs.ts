import { z } from "zod";
import { EntryId, FeedEvent, FeedId } from "./schemas.js";

/**
 * The contract of the outputs beyond the page (docs/outputs.md): Web Push subscriptions, FCM device
 * registrations, webhook endpoints and their deliveries, and the alert status editors see.
 */

/** Base64url of exactly `bytes` bytes, with or without padding (no Buffer: this runs in browsers too). */
const Base64Url = (bytes: number) => {
  const chars = Math.ceil((bytes * 4) / 3);
  const pad = (4 - (chars % 4)) % 4;
  return z.string().regex(new RegExp(`^[A-Za-z0-9_-]{${chars}}={0,${pad}}$`), `must be base64url of ${bytes} bytes`);
};

/** A browser's PushSubscription, as `subscription.toJSON()` gives it. */
export const WebPushSubscription = z.object({
  endpoint: z.url({ protocol: /^https?$/ }).max(2048),
  expirationTime: z.number().nullable().optional(),
  keys: z.object({
    /** The subscription's P-256 public key, uncompressed (65 bytes). */
    p256dh: Base64Url(65),
    /** The 16-byte authentication secret. */
    auth: Base64Url(16),
  }),
});
export type WebPushSubscription = z.infer<typeof WebPushSubscription>;

/** An app's registration for mobile push through FCM HTTP v1 (which also reaches iOS via APNs). */
export const DeviceRegistration = z.strictObject({
  platform: z.literal("fcm"),
  token: z
    .string()
    .min(1)
    .max(4096)
    .regex(/^[\x21-\x7e]+$/, "must be printable ASCII"),
});
export type DeviceRegistration = z.infer<typeof DeviceRegistration>;

export const FeedEventTypeName = z.enum(["entry.published", "entry.updated", "entry.deleted", "feed.updated"]);

/**
 * What a webhook endpoint can receive: every feed event, at once, and `alert.sent`, a breaking-news
 * alert that went out once its undo window was over (never one recalled, skipped or capped).
 */
export const WebhookEventType = z.enum([...FeedEventTypeName.options, "alert.sent"]);
export type WebhookEventType = z.infer<typeof WebhookEventType>;

export const CreateWebhookRequest = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).max(2048),
  /** Only these feeds; every feed when absent. */
  feeds: z.array(FeedId).min(1).max(1000).optional(),
  /** Only these event types; every type when absent. */
  events: z.array(WebhookEventType).min(1).optional(),
});
export type CreateWebhookRequest = z.infer<typeof CreateWebhookRequest>;

/** A webhook endpoint's id: `wh_` and 12 random bytes, base64url (webhook-store.ts makes them). */
export const WebhookId = z.string().regex(/^wh_[\w-]{16}$/, "must be a webhook id (wh_…)");
/** A delivery's id, its Standard Webhooks message id: `msg_` and 26 base64url characters. */
export const DeliveryId = z.string().regex(/^msg_[\w-]{26}$/, "must be a delivery id (msg_…)");

export const Webhook = z.object({
  id: WebhookId,
  url: z.string(),
  feeds: z.array(FeedId).optional(),
  events: z.array(WebhookEventType).optional(),
  createdAt: z.string(),
});
export type Webhook = z.infer<typeof Webhook>;

/** The answer to a registration: the only time the signing secret is shown. */
// A pattern rather than `startsWith`: zod writes that as `format: "starts_with"`, which no
// JSON Schema validator knows, so /openapi.json would not say what the secret looks like.
export const CreatedWebhook = Webhook.extend({ secret: z.string().regex(/^whsec_/) });

export const DeliveryAttempt = z.object({
  at: z.string(),
  /** HTTP status of the answer; absent when there was none (refused, timeout, connection error). */
  status: z.number().int().optional(),
  error: z.string().optional(),
  ms: z.number(),
});

export const Delivery = z.object({
  /** The Standard Webhooks message id (`webhook-id`), the same on every try and replay. */
  id: DeliveryId,
  endpointId: WebhookId,
  feedId: FeedId,
  /** The event's seq; for `alert.sent`, the seq of the entry's event the alert is about. */
  seq: z.number().int().positive(),
  type: WebhookEventType,
  status: z.enum(["pending", "delivered", "dead"]),
  createdAt: z.string(),
  attempts: z.array(DeliveryAttempt),
  replays: z.number().int().nonnegative(),
});
export type Delivery = z.infer<typeof Delivery>;

/** An author in a JSON Feed: 1.1's `authors` entries, and 1.0's `author`, kept for older readers. */
const JsonFeedAuthor = z.looseObject({ name: z.string().optional(), url: z.string().optional() });

/**
 * A feed's JSON Feed 1.1 document (https://www.jsonfeed.org/version/1.1/), as much of it as
 * Liveline writes; a reader must ignore what it does not know, so the objects are open.
 */
export const JsonFeedDocument = z.looseObject({
  version: z.literal("https://jsonfeed.org/version/1.1"),
  title: z.string(),
  home_page_url: z.string().optional(),
  feed_url: z.string().optional(),
  description: z.string().optional(),
  author: JsonFeedAuthor.optional(),
  authors: z.array(JsonFeedAuthor).optional(),
  items: z.array(
    z.looseObject({
      id: z.string(),
      url: z.string().optional(),
      title: z.string().optional(),
      content_html: z.string().optional(),
      summary: z.string().optional(),
      date_published: z.string().optional(),
      date_modified: z.string().optional(),
      author: JsonFeedAuthor.optional(),
      authors: z.array(JsonFeedAuthor).optional(),
    }),
  ),
});

export const DeliveriesQuery = z.strictObject({ status: z.enum(["dead"]).optional() });

export const AlertRecord = z.object({
  entryId: EntryId,
  seq: z.number().int().positive(),
  at: z.string(),
  /**
   * sent: fanned out; capped: over ALERTS_PER_HOUR; skipped: retracted or no longer breaking by
   * then; recalled: taken back by an editor within its undo window (ALERT_UNDO_SECONDS).
   */
  status: z.enum(["sent", "capped", "skipped", "recalled"]),
  headline: z.string().optional(),
  webPush: z.number().int().nonnegative(),
  fcm: z.number().int().nonnegative(),
  /** Webhook endpoints `alert.sent` went to (a sent alert; absent on one recorded before webhooks got alerts). */
  webhooks: z.number().int().nonnegative().optional(),
});
export type AlertRecord = z.infer<typeof AlertRecord>;

/** Who a breaking-news alert of the feed would reach now, and how long it waits before it leaves. */
export const AlertReach = z.object({
  /** Browsers subscribed to the feed's alerts (Web Push; 0 when it is not configured). */
  browsers: z.number().int().nonnegative(),
  /** App devices registered for them (FCM; 0 when it is not configured). */
  devices: z.number().int().nonnegative(),
  /**
   * Webhook endpoints that receive the alert (`alert.sent`, for this feed), after the undo window
   * like push. Every endpoint gets the entry's own event at once, alert or not.
   */
  webhooks: z.number().int().nonnegative(),
  /** ALERT_UNDO_SECONDS: the alert waits this long, recallable, before anything leaves. */
  undoSeconds: z.number().int().nonnegative(),
});
export type AlertReach = z.infer<typeof AlertReach>;

export const AlertStatus = z.object({
  sentLastHour: z.number().int().nonnegative(),
  cap: z.number().int().nonnegative(),
  last: z.array(AlertRecord),
});
export type AlertStatus = z.infer<typeof AlertStatus>;

/** What a Web Push notification carries (the service worker at /liveline-sw.js shows it). */
export const PushPayload = z.object({
  v: z.literal(1),
  feedId: FeedId,
  entryId: EntryId,
  seq: z.number().int().positive(),
  title: z.string(),
  body: z.string(),
  /** The entry's permalink, relative to the Liveline origin. */
  url: z.string(),
});
export type PushPayload = z.infer<typeof PushPayload>;

/**
 * The `data` of an `alert.sent` webhook message: the alert as push sent it (the same title and
 * text), once it left after its undo window, with whom it was handed to.
 */
export const AlertSent = z.object({
  feedId: FeedId,
  entryId: EntryId,
  /** The seq of the entry's event the alert is about (an alert is not an event of the feed log). */
  seq: z.number().int().positive(),
  /** When the alert went out: the end of its undo window. */
  at: z.string(),
  title: z.string(),
  body: z.string(),
  /** The entry's permalink, relative to the Liveline origin (as in the push payload). */
  url: z.string(),
  /** Browsers (Web Push) the alert was handed to. */
  webPush: z.number().int().nonnegative(),
  /** App devices (FCM) the alert was handed to. */
  fcm: z.number().int().nonnegative(),
  /** Webhook endpoints this message went to. */
  webhooks: z.number().int().nonnegative(),
});
export type AlertSent = z.infer<typeof AlertSent>;

/**
 * The body of every webhook request (`POST`, signed per Standard Webhooks): a feed event as it
 * happened, or an alert that went out.
 */
export const WebhookMessage = z.discriminatedUnion("type", [
  z.object({ type: FeedEventTypeName, timestamp: z.string(), data: FeedEvent }),
  z.object({ type: z.literal("alert.sent"), timestamp: z.string(), data: AlertSent }),
]);
export type WebhookMessage = z.infer<typeof WebhookMessage>;
