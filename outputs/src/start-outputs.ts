import type { Registry } from "prom-client";
import type { FeedStore, Logger, RedisConnections } from "@liveline/core";
import { Alerts } from "./alerts.js";
import type { OutputsSettings } from "./config.js";
import { FcmSender, loadServiceAccount } from "./fcm-sender.js";
import { Outbound } from "./outbound.js";
import { OutputsMetrics } from "./outputs-metrics.js";
import { OutputsQueue } from "./outputs-queue.js";
import { OutputsWorker } from "./outputs-worker.js";
import { PushStore } from "./push-store.js";
import { resolveVapid } from "./vapid.js";
import { WebPushSender } from "./web-push-sender.js";
import { WebhookStore } from "./webhook-store.js";
import { Webhooks } from "./webhooks.js";

export interface OutputsHandle {
  readonly worker: OutputsWorker;
  readonly queue: OutputsQueue;
  /**
   * "Feed F was applied up to seq S": queue the pipeline's walk (a no-op if already queued), or,
   * when nothing up to S needs an output, just move the feed's cursor (OutputsWorker.passQuietly).
   * `quietFrom`: the seq after which the applier vouches that no event up to S may alert.
   */
  advance(feedId: string, seq: number, quietFrom?: number): Promise<void>;
  close(): Promise<void>;
}

export interface StartOutputsOptions {
  settings: OutputsSettings;
  env: "development" | "production" | "test";
  redis: RedisConnections;
  store: FeedStore;
  registry: Registry;
  logger: Logger;
  sweepIntervalMs: number;
}

/** The output pipeline of a worker process: its queue, its worker, its senders. */
export async function startOutputs(o: StartOutputsOptions): Promise<OutputsHandle> {
  const { settings, logger } = o;
  const commands = o.redis.open("outputs", { maxRetriesPerRequest: null });
  const keys = o.store.keys.outputs();
  const push = new PushStore(commands, keys);
  const hooks = new WebhookStore(commands, keys);
  const queue = new OutputsQueue({
    connection: o.redis.open("outputs-queue", { maxRetriesPerRequest: 1, enableOfflineQueue: false }),
    prefix: o.store.keys.queuePrefix(),
    webhookAttempts: settings.webhookAttempts,
    webhookBackoffMs: settings.webhookBackoffMs,
  });
  await queue.ready();
  const outbound = new Outbound({ allowPrivate: settings.allowPrivateOutbound, timeoutMs: settings.outboundTimeoutMs });
  const metrics = new OutputsMetrics(o.registry);
  const { vapid } = await resolveVapid(settings, o.env, commands, keys);
  if (vapid === undefined) logger.info("Web Push is off: set VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY and VAPID_SUBJECT");
  const fcm =
    settings.fcm === undefined
      ? undefined
      : new FcmSender(
          loadServiceAccount(settings.fcm.serviceAccountFile),
          settings.fcm.endpoint,
          settings.fcm.tokenUrl,
          outbound,
        );
  const outputsLogger = logger.child({ part: "outputs" });
  const webhooks = new Webhooks({
    hooks,
    queue,
    outbound,
    metrics,
    logger: outputsLogger,
    attempts: settings.webhookAttempts,
  });
  const alerts = new Alerts({
    store: o.store,
    push,
    queue,
    webhooks,
    settings,
    metrics,
    logger: outputsLogger,
    webPush: vapid === undefined ? undefined : new WebPushSender(vapid, outbound, settings.pushTtlSeconds),
    fcm,
  });
  const worker = new OutputsWorker({
    connection: o.redis.open("outputs-worker", { maxRetriesPerRequest: null }),
    prefix: o.store.keys.queuePrefix(),
    store: o.store,
    push,
    hooks,
    queue,
    alerts,
    webhooks,
    logger: outputsLogger,
    concurrency: settings.concurrency,
    sweepIntervalMs: o.sweepIntervalMs,
  });
  return {
    worker,
    queue,
    async advance(feedId, seq, quietFrom) {
      if (!(await worker.passQuietly(feedId, seq, quietFrom))) await queue.advance(feedId, seq);
    },
    async close() {
      await worker.close();
      await queue.close();
      outbound.close();
    },
  };
}
