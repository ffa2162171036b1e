import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import {
  Delivery,
  Webhook,
  type AlertSent,
  type CreateWebhookRequest,
  type FeedEvent,
  type WebhookEventType,
  type WebhookMessage,
} from "@liveline/protocol";
import type { OutputKeys, RedisClient } from "@liveline/core";
import { newWebhookSecret } from "./webhook-signing.js";

const StoredWebhook = Webhook.extend({ secret: z.string() });
export type StoredWebhook = z.infer<typeof StoredWebhook>;

/** A delivery as kept: its record and the exact body sent (a replay sends the same bytes). */
const StoredDelivery = Delivery.extend({ body: z.string() });
export type StoredDelivery = z.infer<typeof StoredDelivery>;

/** Delivery records expire; dead ones are kept longer so they can be inspected and replayed. */
const DELIVERY_TTL_SECONDS = 7 * 86_400;
const DEAD_TTL_SECONDS = 30 * 86_400;
const RECENT_KEPT = 500;
const DEAD_KEPT = 1000;

/**
 * What goes into an outbox: a message and where it stands. `about` names what the message is
 * about (a seq, or an entry's alert), so that its id is the same on every pass; `score` is its
 * place in the outbox.
 */
export interface Outgoing {
  type: WebhookEventType;
  feedId: string;
  /** The seq in the Delivery record: the event's, or for an alert the seq of its entry's event. */
  seq: number;
  /** When it happened: an endpoint receives what happened after it was registered. */
  at: string;
  about: string;
  score: number;
  data: WebhookMessage["data"];
}

/** A feed event, at its own seq. */
export function eventMessage(event: FeedEvent): Outgoing {
  return {
    type: event.type,
    feedId: event.feedId,
    seq: event.seq,
    at: event.at,
    about: `${event.seq}`,
    score: event.seq,
    data: event,
  };
}

/**
 * An alert that went out. It stands just after its entry's event (`seq` + ½): in an outbox
 * still holding later events it goes before them, as it is about the entry, never before the
 * entry's event itself.
 */
export function alertMessage(alert: AlertSent): Outgoing {
  const score = alertScore(alert.seq);
  return {
    type: "alert.sent",
    feedId: alert.feedId,
    seq: alert.seq,
    at: alert.at,
    about: `alert/${alert.entryId}`,
    score,
    data: alert,
  };
}

const alertScore = (seq: number) => seq + 0.5;

/** A delivery's place in its outbox, for a replay. */
function scoreOf(record: StoredDelivery): number {
  return record.type === "alert.sent" ? alertScore(record.seq) : record.seq;
}

/**
 * The Standard Webhooks message id of (endpoint, feed, what it is about): the same on every try.
 * A feed event's is made of its seq (ids of events delivered before alerts existed stay as they were).
 */
export function deliveryId(endpointId: string, feedId: string, about: string): string {
  return `msg_${createHash("sha256").update(`${endpointId}/${feedId}/${about}`).digest("base64url").slice(0, 26)}`;
}

/**
 * Whether an endpoint subscribed to messages of `type` about `feedId` (its feed and type
 * filters): the endpoints an alert of the feed would reach are counted with this too.
 */
export function subscribes(hook: StoredWebhook, feedId: string, type: WebhookEventType): boolean {
  if (hook.feeds !== undefined && !hook.feeds.includes(feedId)) return false;
  return hook.events === undefined || hook.events.includes(type);
}

/** Whether an endpoint wants a message: subscribed to it, and registered before it happened. */
export function wants(hook: StoredWebhook, message: Outgoing): boolean {
  return subscribes(hook, message.feedId, message.type) && message.at >= hook.createdAt;
}

/**
 * Webhook endpoints and their deliveries in Redis. Per (endpoint, feed) an outbox (a sorted set
 * scored by seq, so a delivery is in it once and always in seq order) holds what waits; only
 * its head is ever being delivered, which keeps the order.
 */
export class WebhookStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: OutputKeys,
  ) {}

  async create(req: CreateWebhookRequest, now: Date): Promise<StoredWebhook> {
    const hook: StoredWebhook = {
      id: `wh_${randomBytes(12).toString("base64url")}`,
      url: req.url,
      ...(req.feeds === undefined ? {} : { feeds: req.feeds }),
      ...(req.events === undefined ? {} : { events: req.events }),
      createdAt: now.toISOString(),
      secret: newWebhookSecret(),
    };
    await this.redis.hset(this.keys.webhooks, hook.id, JSON.stringify(hook));
    return hook;
  }

  /** How many endpoints are registered (one command, for the pipeline's quiet-feed check). */
  async count(): Promise<number> {
    return this.redis.hlen(this.keys.webhooks);
  }

  /**
   * Every endpoint, oldest first. Read afresh for each event (one HGETALL): a cache could miss
   * an endpoint registered in another process just before an event it must receive.
   */
  async list(): Promise<StoredWebhook[]> {
    const all = await this.redis.hgetall(this.keys.webhooks);
    const hooks = Object.values(all).flatMap((raw) => {
      const p = StoredWebhook.safeParse(JSON.parse(raw));
      return p.success ? [p.data] : [];
    });
    hooks.sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1));
    return hooks;
  }

  async get(id: string): Promise<StoredWebhook | undefined> {
    const raw = await this.redis.hget(this.keys.webhooks, id);
    if (raw === null) return undefined;
    const p = StoredWebhook.safeParse(JSON.parse(raw));
    return p.success ? p.data : undefined;
  }

  /** Remove an endpoint and its waiting deliveries; its delivery records expire on their own. */
  async remove(id: string): Promise<boolean> {
    const k = this.keys.webhook(id);
    const feeds = await this.redis.smembers(k.outboxFeeds);
    const removed = await this.redis.hdel(this.keys.webhooks, id);
    if (feeds.length > 0) await this.redis.del(...feeds.map((f) => k.outbox(f)));
    await this.redis.del(k.outboxFeeds);
    return removed > 0;
  }

  /**
   * Queue the message for the endpoint, once: the record is written with SET NX. Returns the
   * delivery id when the outbox's head may need a job (new delivery or a retried pass).
   */
  async enqueue(hook: StoredWebhook, message: Outgoing, now: Date): Promise<{ id: string; created: boolean }> {
    const k = this.keys.webhook(hook.id);
    const id = deliveryId(hook.id, message.feedId, message.about);
    if ((await this.redis.exists(k.delivery(id))) === 1) return { id, created: false };
    const timestamp = Math.floor(now.getTime() / 1000);
    const body = JSON.stringify({
      type: message.type,
      timestamp: new Date(timestamp * 1000).toISOString(),
      data: message.data,
    });
    const record: StoredDelivery = {
      id,
      endpointId: hook.id,
      feedId: message.feedId,
      seq: message.seq,
      type: message.type,
      status: "pending",
      createdAt: now.toISOString(),
      attempts: [],
      replays: 0,
      body,
    };
    // Record and outbox move together (one slot, one MULTI); the outbox is keyed by the id, so
    // a second pass over the same event cannot queue it twice.
    const replies = await this.redis
      .multi()
      .set(k.delivery(id), JSON.stringify(record), "EX", DELIVERY_TTL_SECONDS, "NX")
      .zadd(k.outbox(message.feedId), "NX", message.score, id)
      .sadd(k.outboxFeeds, message.feedId)
      .lpush(k.recent, id)
      .ltrim(k.recent, 0, RECENT_KEPT - 1)
      .exec();
    return { id, created: replies?.[0]?.[1] === "OK" };
  }

  async head(endpointId: string, feedId: string): Promise<string | undefined> {
    const [first] = await this.redis.zrange(this.keys.webhook(endpointId).outbox(feedId), 0, 0);
    return first;
  }

  /** Take `id` out of the outbox; returns the next head. */
  async pop(endpointId: string, feedId: string, id: string): Promise<string | undefined> {
    const outbox = this.keys.webhook(endpointId).outbox(feedId);
    const replies = await this.redis.multi().zrem(outbox, id).zrange(outbox, 0, 0).exec();
    const next: unknown = replies?.[1]?.[1];
    return Array.isArray(next) && typeof next[0] === "string" ? next[0] : undefined;
  }

  async delivery(endpointId: string, id: string): Promise<StoredDelivery | undefined> {
    const raw = await this.redis.get(this.keys.webhook(endpointId).delivery(id));
    if (raw === null) return undefined;
    const p = StoredDelivery.safeParse(JSON.parse(raw));
    return p.success ? p.data : undefined;
  }

  async save(record: StoredDelivery): Promise<void> {
    const k = this.keys.webhook(record.endpointId);
    const ttl = record.status === "dead" ? DEAD_TTL_SECONDS : DELIVERY_TTL_SECONDS;
    const m = this.redis.multi().set(k.delivery(record.id), JSON.stringify(record), "EX", ttl);
    if (record.status === "dead")
      m.lrem(k.dead, 0, record.id)
        .lpush(k.dead, record.id)
        .ltrim(k.dead, 0, DEAD_KEPT - 1);
    await m.exec();
  }

  /** The endpoint's latest deliveries (or its dead letters), newest first, without their bodies. */
  async deliveries(endpointId: string, which: "recent" | "dead", limit = 100): Promise<Delivery[]> {
    const k = this.keys.webhook(endpointId);
    const ids = await this.redis.lrange(which === "dead" ? k.dead : k.recent, 0, limit - 1);
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(...ids.map((id) => k.delivery(id)));
    return raws.flatMap((raw) => {
      const p = raw === null ? undefined : StoredDelivery.safeParse(JSON.parse(raw));
      if (!p?.success) return [];
      const { body: _body, ...delivery } = p.data;
      return [delivery];
    });
  }

  /**
   * Put a delivery back in its outbox, at its own place (a replay keeps its message id): it is
   * the next one sent unless older deliveries of the feed are still waiting.
   */
  async requeue(record: StoredDelivery): Promise<StoredDelivery> {
    const k = this.keys.webhook(record.endpointId);
    const again: StoredDelivery = { ...record, status: "pending", replays: record.replays + 1 };
    await this.redis
      .multi()
      .set(k.delivery(record.id), JSON.stringify(again), "EX", DELIVERY_TTL_SECONDS)
      .lrem(k.dead, 0, record.id)
      .zadd(k.outbox(record.feedId), scoreOf(record), record.id)
      .sadd(k.outboxFeeds, record.feedId)
      .exec();
    return again;
  }

  /** Every (endpoint, feed) outbox that exists, for the sweep. */
  async outboxes(): Promise<{ endpointId: string; feedId: string }[]> {
    const hooks = await this.list();
    const out: { endpointId: string; feedId: string }[] = [];
    for (const h of hooks) {
      for (const feedId of await this.redis.smembers(this.keys.webhook(h.id).outboxFeeds)) {
        out.push({ endpointId: h.id, feedId });
      }
    }
    return out;
  }
}
