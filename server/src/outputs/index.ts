import type { RedisClient, RedisConnections, FeedStore } from "@liveline/core";
import { OutputsQueue, PushStore, WebhookStore, resolveVapid, type OutputsSettings } from "@liveline/outputs";
import type { FeedService } from "../feed/feed-service.js";
import { expressHandler, type Handlers } from "../http/operation-router.js";
import { pushRoutes, type PushOperation } from "./push-routes.js";
import { serviceWorker } from "./service-worker.js";
import { webhookRoutes, type WebhookOperation } from "./webhook-routes.js";

export interface OutputsRoutesOptions {
  settings: OutputsSettings;
  env: "development" | "production" | "test";
  redis: RedisConnections;
  commands: RedisClient;
  store: FeedStore;
  service: FeedService;
}

type OutputOperation = "getServiceWorker" | PushOperation | WebhookOperation;

export interface OutputsHttp {
  /** The VAPID public key browsers subscribe with, and whether it was generated for this deployment. */
  readonly vapid: { readonly publicKey: string; readonly generated: boolean } | undefined;
  /** The handlers of the outputs' operations. */
  readonly handlers: Handlers<OutputOperation>;
  close(): Promise<void>;
}

/** The outputs' HTTP side: opt-ins, alert status, webhook admin, and the service worker. */
export async function outputsHttp(o: OutputsRoutesOptions): Promise<OutputsHttp> {
  const keys = o.store.keys.outputs();
  // Generated keys (development) are printed at start by main.ts's greeting.
  const { vapid, generated } = await resolveVapid(o.settings, o.env, o.commands, keys);
  const queue = new OutputsQueue({
    connection: o.redis.open("outputs-queue", { maxRetriesPerRequest: 1, enableOfflineQueue: false }),
    prefix: o.store.keys.queuePrefix(),
    webhookAttempts: o.settings.webhookAttempts,
    webhookBackoffMs: o.settings.webhookBackoffMs,
  });
  const hooks = new WebhookStore(o.commands, keys);
  const push = pushRoutes({
    service: o.service,
    push: new PushStore(o.commands, keys),
    queue,
    hooks,
    alertUndoSeconds: o.settings.alertUndoSeconds,
    vapid,
    fcmConfigured: o.settings.fcm !== undefined,
    allowPrivateOutbound: o.settings.allowPrivateOutbound,
    alertsPerHour: o.settings.alertsPerHour,
  });
  const webhooks = webhookRoutes({
    hooks,
    queue,
    allowPrivateOutbound: o.settings.allowPrivateOutbound,
  });
  return {
    vapid: vapid === undefined ? undefined : { publicKey: vapid.publicKey, generated },
    handlers: { ...push, ...webhooks, getServiceWorker: expressHandler(serviceWorker) },
    close: () => queue.close(),
  };
}
