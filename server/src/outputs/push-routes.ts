import {
  OutboundRefused,
  assertPublicUrl,
  subscribes,
  type OutputsQueue,
  type PushStore,
  type VapidSettings,
  type WebhookStore,
} from "@liveline/outputs";
import { assertCanRead } from "../auth/auth.js";
import { LivelineError } from "../errors.js";
import type { FeedService } from "../feed/feed-service.js";
import type { Handlers } from "../http/operation-router.js";
import type { Principal } from "../auth/principal.js";

export interface PushRoutesOptions {
  service: FeedService;
  push: PushStore;
  vapid: VapidSettings | undefined;
  fcmConfigured: boolean;
  allowPrivateOutbound: boolean;
  alertsPerHour: number;
  /** ALERT_UNDO_SECONDS: how long an alert waits, recallable, before it leaves. */
  alertUndoSeconds: number;
  queue: OutputsQueue;
  hooks: WebhookStore;
}

export type PushOperation =
  | "getWebPushKey"
  | "subscribeWebPush"
  | "unsubscribeWebPush"
  | "registerDevice"
  | "removeDevice"
  | "getAlertStatus"
  | "getAlertReach"
  | "recallAlert";

/**
 * Readers' opt-ins (Web Push subscriptions, app device tokens) and the alert status editors
 * see. Opting in or out needs no token on a public feed (a reader has none), so it counts
 * against the per-address connection limit (RATE_LIMIT_CONNECTIONS) instead of a token's.
 */
export function pushRoutes(o: PushRoutesOptions): Handlers<PushOperation> {
  const readableFeed = async (feedId: string, principal: Principal | undefined): Promise<string> => {
    const feed = await o.service.getFeed(feedId);
    assertCanRead(principal, feed);
    return feed.id;
  };
  const webPushOn = (): VapidSettings => {
    if (o.vapid === undefined) throw new LivelineError("not_configured", "Web Push is not configured (VAPID_*)");
    return o.vapid;
  };

  return {
    getWebPushKey: () => ({
      status: 200,
      body: { publicKey: webPushOn().publicKey },
      headers: { "Cache-Control": "public, max-age=300" },
    }),

    subscribeWebPush: async ({ params, body, principal }) => {
      const feedId = await readableFeed(params.feedId, principal);
      webPushOn();
      await checkEndpoint(body.endpoint, o.allowPrivateOutbound);
      const id = await o.push.addWebPush(feedId, body, new Date());
      return { status: 201, body: { id, feedId } };
    },

    unsubscribeWebPush: async ({ params, body, principal }) => {
      const feedId = await readableFeed(params.feedId, principal);
      await o.push.removeWebPush(feedId, body.endpoint);
      return { status: 204 };
    },

    registerDevice: async ({ params, body, principal }) => {
      const feedId = await readableFeed(params.feedId, principal);
      if (!o.fcmConfigured) throw new LivelineError("not_configured", "mobile push is not configured (FCM_*)");
      const id = await o.push.addDevice(feedId, body, new Date());
      return { status: 201, body: { id, feedId } };
    },

    removeDevice: async ({ params, body, principal }) => {
      const feedId = await readableFeed(params.feedId, principal);
      await o.push.removeDevice(feedId, body.token);
      return { status: 204 };
    },

    getAlertStatus: async ({ params }) => {
      await o.service.getFeed(params.feedId);
      return {
        status: 200,
        body: await o.push.alertStatus(params.feedId, o.alertsPerHour, Date.now()),
        headers: { "Cache-Control": "private, no-store" },
      };
    },

    // What the console's confirmation says before an entry is marked breaking.
    getAlertReach: async ({ params }) => {
      const feedId = (await o.service.getFeed(params.feedId)).id;
      const [recipients, hooks] = await Promise.all([o.push.recipientCounts(feedId), o.hooks.list()]);
      // The endpoints the alert itself reaches (after the window); the entry's event goes to others at once.
      const webhooks = hooks.filter((h) => subscribes(h, feedId, "alert.sent")).length;
      return {
        status: 200,
        body: {
          browsers: o.vapid === undefined ? 0 : recipients.webPush,
          devices: o.fcmConfigured ? recipients.devices : 0,
          webhooks,
          undoSeconds: o.alertUndoSeconds,
        },
        headers: { "Cache-Control": "private, no-store" },
      };
    },

    /**
     * The mark goes first, then the job: an alert queued between the two finds the mark when it
     * runs (see Alerts.fanOut), one queued before is removed here, and none is queued after.
     */
    recallAlert: async ({ params }) => {
      const { feedId, entryId } = params;
      // The editor may undo at once: the entry need only have been accepted.
      await o.service.assertAccepted(feedId, entryId);
      await o.push.markRecalled(feedId, entryId);
      const recall = await o.queue.recallAlert(feedId, entryId);
      if (recall.outcome === "sent") {
        await o.push.alertQueued(feedId, entryId, { over: "recalled" }); // it went: the mark says so again
        throw new LivelineError("alert_already_sent", `the alert of entry '${entryId}' has gone out`);
      }
      if (recall.outcome === "recalled") {
        const at = new Date().toISOString();
        await o.push.recordAlert(feedId, { entryId, seq: recall.seq, at, status: "recalled", webPush: 0, fcm: 0 });
      }
      return { status: 204 };
    },
  };
}

/**
 * A push or webhook endpoint must lead to the public internet over https; refused at once rather
 * than at the first alert. The URL is well formed (its schema said so): this is the deployment's
 * rule about where it sends, so the answer is 403 `destination_not_allowed`, not a 400.
 */
export async function checkEndpoint(url: string, allowPrivate: boolean): Promise<void> {
  try {
    await assertPublicUrl(new URL(url), allowPrivate);
    if (!allowPrivate && !url.toLowerCase().startsWith("https://")) throw new OutboundRefused("must be an https URL");
  } catch (err) {
    if (!(err instanceof OutboundRefused)) throw err;
    throw new LivelineError("destination_not_allowed", "this service does not send to that URL", [
      { path: "url", message: err.message },
    ]);
  }
}
