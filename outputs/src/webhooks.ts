import type { AlertSent, FeedEvent } from "@liveline/protocol";
import type { Logger } from "@liveline/core";
import { OutboundRefused, type Outbound } from "./outbound.js";
import type { OutputsMetrics } from "./outputs-metrics.js";
import type { OutputJob, OutputsQueue } from "./outputs-queue.js";
import { webhookHeaders } from "./webhook-signing.js";
import {
  alertMessage,
  eventMessage,
  wants,
  type Outgoing,
  type StoredDelivery,
  type StoredWebhook,
  type WebhookStore,
} from "./webhook-store.js";

export interface WebhooksDeps {
  hooks: WebhookStore;
  queue: OutputsQueue;
  outbound: Outbound;
  metrics: OutputsMetrics;
  logger: Logger;
  /** Tries per delivery (WEBHOOK_ATTEMPTS). */
  attempts: number;
}

type DeliverJob = Extract<OutputJob, { kind: "deliver" }>;

/**
 * Webhook deliveries, in seq order per (endpoint, feed): only the head of an outbox has a job;
 * it is retried with backoff by the queue, and after its last try set aside as a dead letter,
 * so that the deliveries behind it move on. Other endpoints and feeds never wait for it.
 */
export class Webhooks {
  constructor(private readonly d: WebhooksDeps) {}

  /** Queue a feed event for every endpoint that wants it: at once, whatever the event. */
  async fanIn(event: FeedEvent): Promise<void> {
    const message = eventMessage(event);
    await this.send(message, await this.recipients(message));
  }

  /**
   * Queue `alert.sent` for every endpoint that wants it, once the alert went out (its undo window
   * over); the message says how many endpoints it went to, which this returns.
   */
  async alertSent(alert: Omit<AlertSent, "webhooks">): Promise<number> {
    const probe = alertMessage({ ...alert, webhooks: 0 });
    const hooks = await this.recipients(probe);
    await this.send(alertMessage({ ...alert, webhooks: hooks.length }), hooks);
    return hooks.length;
  }

  private async recipients(message: Outgoing): Promise<StoredWebhook[]> {
    return (await this.d.hooks.list()).filter((hook) => wants(hook, message));
  }

  /** Every message goes the same way: an outbox per (endpoint, feed), signed, retried, replayable. */
  private async send(message: Outgoing, hooks: StoredWebhook[]): Promise<void> {
    for (const hook of hooks) {
      await this.d.hooks.enqueue(hook, message, new Date());
      // New or not, make sure the outbox's head is being worked on (a retried pass heals a lost job).
      await this.kick(hook.id, message.feedId);
    }
  }

  kick(endpointId: string, feedId: string): Promise<void> {
    return kickOutbox(this.d.hooks, this.d.queue, endpointId, feedId);
  }

  /** The delivery job. `attemptsMade` is how many tries the queue already made. */
  async deliver(job: DeliverJob, attemptsMade: number): Promise<string> {
    const { endpointId, feedId, deliveryId } = job;
    const head = await this.d.hooks.head(endpointId, feedId);
    if (head !== deliveryId) {
      // Delivered already (a stale duplicate job): just make sure the real head moves.
      await this.kick(endpointId, feedId);
      return "not-head";
    }
    const [hook, record] = await Promise.all([this.d.hooks.get(endpointId), this.d.hooks.delivery(endpointId, head)]);
    if (hook === undefined) return "endpoint-gone";
    if (record === undefined || record.status !== "pending") return this.next(endpointId, feedId, head, "skipped");

    const now = new Date();
    const ts = Math.floor(now.getTime() / 1000);
    let failure: string | undefined;
    let permanent = false;
    let status: number | undefined;
    let ms = 0;
    try {
      const res = await this.d.outbound.send(hook.url, {
        headers: webhookHeaders(hook.secret, record.id, ts, record.body),
        body: record.body,
      });
      status = res.status;
      ms = Math.round(res.ms);
      if (res.status < 200 || res.status >= 300) failure = `answered ${res.status}`;
    } catch (err) {
      failure = (err as Error).message;
      permanent = err instanceof OutboundRefused;
    }
    const attempt = {
      at: now.toISOString(),
      ms,
      ...(status === undefined ? {} : { status }),
      ...(failure === undefined ? {} : { error: failure }),
    };
    const updated: StoredDelivery = { ...record, attempts: [...record.attempts, attempt].slice(-50) };
    if (failure === undefined) {
      await this.d.hooks.save({ ...updated, status: "delivered" });
      this.d.metrics.delivered("webhook", eventAt(record));
      return this.next(endpointId, feedId, head, "delivered");
    }
    this.d.metrics.failure("webhook");
    if (permanent || attemptsMade + 1 >= this.d.attempts) {
      await this.d.hooks.save({ ...updated, status: "dead" });
      this.d.metrics.deadLetter();
      this.d.logger.warn({ endpointId, feedId, deliveryId, err: failure }, "webhook delivery dead-lettered");
      return this.next(endpointId, feedId, head, "dead");
    }
    await this.d.hooks.save(updated);
    // The queue retries this job with exponential backoff; the outbox waits behind it.
    throw new Error(`webhook delivery ${deliveryId} failed: ${failure}`);
  }

  private async next(endpointId: string, feedId: string, id: string, outcome: string): Promise<string> {
    const next = await this.d.hooks.pop(endpointId, feedId, id);
    if (next !== undefined) await this.kick(endpointId, feedId);
    return outcome;
  }
}

/** Give an outbox's head a job (a no-op while it has one). */
export async function kickOutbox(
  hooks: WebhookStore,
  queue: OutputsQueue,
  endpointId: string,
  feedId: string,
): Promise<void> {
  const head = await hooks.head(endpointId, feedId);
  if (head === undefined) return;
  const record = await hooks.delivery(endpointId, head);
  await queue.deliver(endpointId, feedId, head, record?.replays ?? 0);
}

/** Re-send a delivery (dead or not) with the same message id. */
export async function replayDelivery(
  hooks: WebhookStore,
  queue: OutputsQueue,
  record: StoredDelivery,
): Promise<StoredDelivery> {
  const again = await hooks.requeue(record);
  await kickOutbox(hooks, queue, record.endpointId, record.feedId);
  return again;
}

/** When the change was accepted (or the alert went out), read back from the body we built (`data.at`). */
function eventAt(record: StoredDelivery): string {
  try {
    const parsed: unknown = JSON.parse(record.body);
    if (typeof parsed === "object" && parsed !== null && "data" in parsed) {
      const data: unknown = parsed.data;
      if (typeof data === "object" && data !== null && "at" in data && typeof data.at === "string") return data.at;
    }
  } catch {
    // fall through
  }
  return record.createdAt;
}
