import { Router, type Express } from "express";
import type { Logger, RedisClient, RedisConnections, FeedStore } from "@liveline/core";
import { OutputsQueue, PushStore, WebhookStore, resolveVapid, type OutputsSettings } from "@liveline/worker";
import { authenticate } from "../auth/auth.js";
import type { TokenVerifier } from "../auth/token-verifier.js";
import type { FeedService } from "../feed/feed-service.js";
import type { RateLimits } from "../http/rate-limits.js";
import { pushRoutes } from "./push-routes.js";
import { serviceWorker } from "./service-worker.js";
import { webhookRoutes } from "./webhook-routes.js";

export { OUTPUT_ROUTES } from "./openapi-routes.js";

export interface OutputsRoutesOptions {
  settings: OutputsSettings;
  env: "development" | "production" | "test";
  redis: RedisConnections;
  commands: RedisClient;
  store: FeedStore;
  service: FeedService;
  verifier: TokenVerifier;
  limits: RateLimits;
  logger: Logger;
}

export interface OutputsHttp {
  /** The VAPID public key browsers subscribe with, and whether it was generated for this deployment. */
  readonly vapid: { readonly publicKey: string; readonly generated: boolean } | undefined;
  /** Mount the routes (before the app's 404 handler). */
  mount(app: Express): void;
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
  const v1 = Router();
  v1.use(authenticate(o.verifier, o.logger));
  v1.use(
    pushRoutes({
      service: o.service,
      push: new PushStore(o.commands, keys),
      limits: o.limits,
      vapid,
      fcmConfigured: o.settings.fcm !== undefined,
      allowPrivateOutbound: o.settings.allowPrivateOutbound,
      alertsPerHour: o.settings.alertsPerHour,
    }),
  );
  v1.use(
    webhookRoutes({
      hooks: new WebhookStore(o.commands, keys),
      queue,
      limits: o.limits,
      allowPrivateOutbound: o.settings.allowPrivateOutbound,
    }),
  );
  return {
    vapid: vapid === undefined ? undefined : { publicKey: vapid.publicKey, generated },
    mount(app) {
      app.use("/v1", v1);
      app.get("/liveline-sw.js", serviceWorker);
    },
    close: () => queue.close(),
  };
}
