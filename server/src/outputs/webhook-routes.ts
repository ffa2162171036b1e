import type { Webhook } from "@liveline/protocol";
import { replayDelivery, type OutputsQueue, type StoredWebhook, type WebhookStore } from "@liveline/outputs";
import { LivelineError } from "../errors.js";
import type { Handlers } from "../http/operation-router.js";
import { checkEndpoint } from "./push-routes.js";

export interface WebhookRoutesOptions {
  hooks: WebhookStore;
  queue: OutputsQueue;
  allowPrivateOutbound: boolean;
}

function publicView(h: StoredWebhook): Webhook {
  const { secret: _secret, ...view } = h;
  return view;
}

export type WebhookOperation = "createWebhook" | "listWebhooks" | "deleteWebhook" | "listDeliveries" | "replayDelivery";

/** Never cached: webhooks are the deployment's, managed by an admin of every feed. */
const PRIVATE = { "Cache-Control": "private, no-store" };

export function webhookRoutes(o: WebhookRoutesOptions): Handlers<WebhookOperation> {
  const hookOf = async (id: string): Promise<StoredWebhook> => {
    const hook = await o.hooks.get(id);
    if (hook === undefined) throw new LivelineError("webhook_not_found", `webhook '${id}' does not exist`);
    return hook;
  };

  return {
    createWebhook: async ({ body }) => {
      await checkEndpoint(body.url, o.allowPrivateOutbound);
      const hook = await o.hooks.create(body, new Date());
      // The only time the secret is shown: the receiver keeps it to check signatures.
      return {
        status: 201,
        body: { ...publicView(hook), secret: hook.secret },
        headers: { ...PRIVATE, Location: `/v1/webhooks/${hook.id}` },
      };
    },

    listWebhooks: async () => ({
      status: 200,
      body: { webhooks: (await o.hooks.list()).map(publicView) },
      headers: PRIVATE,
    }),

    deleteWebhook: async ({ params }) => {
      const hook = await hookOf(params.id);
      await o.hooks.remove(hook.id);
      return { status: 204, headers: PRIVATE };
    },

    listDeliveries: async ({ params, query }) => {
      const hook = await hookOf(params.id);
      const deliveries = await o.hooks.deliveries(hook.id, query.status === "dead" ? "dead" : "recent");
      return { status: 200, body: { deliveries }, headers: PRIVATE };
    },

    replayDelivery: async ({ params }) => {
      const hook = await hookOf(params.id);
      const record = await o.hooks.delivery(hook.id, params.deliveryId);
      if (record === undefined) throw new LivelineError("delivery_not_found", "no such delivery (or it has expired)");
      const { body: _body, ...again } = await replayDelivery(o.hooks, o.queue, record);
      return { status: 202, body: again, headers: PRIVATE };
    },
  };
}
