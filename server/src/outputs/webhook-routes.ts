import { Router, type Request, type RequestHandler } from "express";
import { CreateWebhookRequest, DeliveriesQuery, DeliveryId, WebhookId, type Webhook } from "@liveline/protocol";
import { replayDelivery, type OutputsQueue, type StoredWebhook, type WebhookStore } from "@liveline/worker";
import { LivelineError, parseOr400 } from "../errors.js";
import type { RateLimits } from "../http/rate-limits.js";
import { requireJson } from "../http/json-body.js";
import { checkEndpoint } from "./push-routes.js";

export interface WebhookRoutesOptions {
  hooks: WebhookStore;
  queue: OutputsQueue;
  limits: RateLimits;
  allowPrivateOutbound: boolean;
}

/**
 * Webhooks are the deployment's, not one feed's: only an admin of every feed manages them —
 * a static EDITOR_TOKENS token, or a signed token with `role: "admin"` and `feeds: "*"`.
 */
const requireGlobalAdmin: RequestHandler = (req, _res, next) => {
  const p = req.principal;
  if (p === undefined) return next(new LivelineError("unauthorized", "a bearer token is required"));
  if (p.role !== "admin" || p.feeds !== "*") {
    return next(
      new LivelineError("forbidden", 'webhooks need an admin token for every feed (role "admin", feeds "*")'),
    );
  }
  next();
};

function publicView(h: StoredWebhook): Webhook {
  const { secret: _secret, ...view } = h;
  return view;
}

export function webhookRoutes(o: WebhookRoutesOptions): Router {
  const r = Router();
  r.use("/webhooks", requireGlobalAdmin, (_req, res, next) => {
    res.setHeader("Cache-Control", "private, no-store");
    next();
  });
  // Writes count against the admin token's limit, as every other write with a token does.
  const throttle: RequestHandler = (req, _res, next) => {
    o.limits.consume("publish", req.principal?.sub ?? "unknown").then(() => next(), next);
  };

  const hookOf = async (req: Request): Promise<StoredWebhook> => {
    const id = parseOr400(WebhookId, req.params.id, "webhook id");
    const hook = await o.hooks.get(id);
    if (hook === undefined) throw new LivelineError("webhook_not_found", `webhook '${id}' does not exist`);
    return hook;
  };

  r.post("/webhooks", throttle, requireJson, async (req, res) => {
    const body = parseOr400(CreateWebhookRequest, req.body, "request body");
    await checkEndpoint(body.url, o.allowPrivateOutbound);
    const hook = await o.hooks.create(body, new Date());
    // The only time the secret is shown: the receiver keeps it to check signatures.
    res
      .status(201)
      .location(`/v1/webhooks/${hook.id}`)
      .json({ ...publicView(hook), secret: hook.secret });
  });

  r.get("/webhooks", async (_req, res) => {
    res.json({ webhooks: (await o.hooks.list()).map(publicView) });
  });

  r.delete("/webhooks/:id", throttle, async (req, res) => {
    const hook = await hookOf(req);
    await o.hooks.remove(hook.id);
    res.status(204).end();
  });

  r.get("/webhooks/:id/deliveries", async (req, res) => {
    const hook = await hookOf(req);
    const q = parseOr400(DeliveriesQuery, req.query, "query");
    res.json({ deliveries: await o.hooks.deliveries(hook.id, q.status === "dead" ? "dead" : "recent") });
  });

  r.post("/webhooks/:id/deliveries/:deliveryId/replay", throttle, async (req, res) => {
    const hook = await hookOf(req);
    const record = await o.hooks.delivery(hook.id, parseOr400(DeliveryId, req.params.deliveryId, "delivery id"));
    if (record === undefined) throw new LivelineError("delivery_not_found", "no such delivery (or it has expired)");
    const { body: _body, ...again } = await replayDelivery(o.hooks, o.queue, record);
    res.status(202).json(again);
  });

  return r;
}
