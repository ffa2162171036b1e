import { Router, type Request, type RequestHandler } from "express";
import { DeviceRegistration, FeedId, WebPushSubscription } from "@liveline/protocol";
import { OutboundRefused, assertPublicUrl, type PushStore, type VapidSettings } from "@liveline/worker";
import { assertCanRead, requireAccess } from "../auth/auth.js";
import { LivelineError, parseOr400 } from "../errors.js";
import type { FeedService } from "../feed/feed-service.js";
import type { RateLimits } from "../http/rate-limits.js";
import { jsonBody } from "../http/json-body.js";

export interface PushRoutesOptions {
  service: FeedService;
  push: PushStore;
  limits: RateLimits;
  vapid: VapidSettings | undefined;
  fcmConfigured: boolean;
  allowPrivateOutbound: boolean;
  alertsPerHour: number;
}

/**
 * Readers' opt-ins (Web Push subscriptions, app device tokens) and the alert status editors
 * see. Opting in or out needs no token on a public feed (a reader has none), so it counts
 * against the per-address connection limit (RATE_LIMIT_CONNECTIONS) instead of a token's.
 */
export function pushRoutes(o: PushRoutesOptions): Router {
  const r = Router();
  const perAddress: RequestHandler = (req, _res, next) => {
    // The app trusts TRUST_PROXY for req.ip.
    o.limits.consume("connect", req.ip ?? "unknown").then(() => next(), next);
  };
  // Each opt-in route reads a JSON body, the DELETEs too (the app parses only POST and PATCH
  // bodies): anything else is 415, as on every other write.
  const optIn = [perAddress, ...jsonBody];
  const readableFeed = async (req: Request): Promise<string> => {
    const feed = await o.service.getFeed(parseOr400(FeedId, req.params.feedId, "feed id"));
    assertCanRead(req.principal, feed);
    return feed.id;
  };
  const webPushOn = (): void => {
    if (o.vapid === undefined) throw new LivelineError("not_configured", "Web Push is not configured (VAPID_*)");
  };

  r.get("/push/web/key", (_req, res) => {
    webPushOn();
    res.setHeader("Cache-Control", "public, max-age=300");
    res.json({ publicKey: o.vapid?.publicKey });
  });

  r.post("/feeds/:feedId/push/web", ...optIn, async (req, res) => {
    const feedId = await readableFeed(req);
    webPushOn();
    const sub = parseOr400(WebPushSubscription, req.body, "push subscription");
    await checkEndpoint(sub.endpoint, o.allowPrivateOutbound);
    const id = await o.push.addWebPush(feedId, sub, new Date());
    res.status(201).json({ id, feedId });
  });

  r.delete("/feeds/:feedId/push/web", ...optIn, async (req, res) => {
    const feedId = await readableFeed(req);
    const sub = parseOr400(WebPushSubscription.pick({ endpoint: true }), req.body, "push subscription");
    await o.push.removeWebPush(feedId, sub.endpoint);
    res.status(204).end();
  });

  r.post("/feeds/:feedId/push/devices", ...optIn, async (req, res) => {
    const feedId = await readableFeed(req);
    if (!o.fcmConfigured) throw new LivelineError("not_configured", "mobile push is not configured (FCM_*)");
    const device = parseOr400(DeviceRegistration, req.body, "device registration");
    const id = await o.push.addDevice(feedId, device, new Date());
    res.status(201).json({ id, feedId });
  });

  r.delete("/feeds/:feedId/push/devices", ...optIn, async (req, res) => {
    const feedId = await readableFeed(req);
    const device = parseOr400(DeviceRegistration, req.body, "device registration");
    await o.push.removeDevice(feedId, device.token);
    res.status(204).end();
  });

  r.get("/feeds/:feedId/alerts", requireAccess("edit"), async (req, res) => {
    const feedId = parseOr400(FeedId, req.params.feedId, "feed id");
    await o.service.getFeed(feedId);
    res.setHeader("Cache-Control", "private, no-store");
    res.json(await o.push.alertStatus(feedId, o.alertsPerHour, Date.now()));
  });

  return r;
}

/** A push endpoint must lead to the public internet; refused at once rather than at the first alert. */
export async function checkEndpoint(url: string, allowPrivate: boolean): Promise<void> {
  try {
    await assertPublicUrl(new URL(url), allowPrivate);
    if (!allowPrivate && !url.startsWith("https://")) throw new OutboundRefused("must be an https URL");
  } catch (err) {
    if (!(err instanceof OutboundRefused)) throw err;
    throw new LivelineError("validation_failed", "the URL is not allowed", [{ path: "url", message: err.message }]);
  }
}
