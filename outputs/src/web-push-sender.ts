import { createHash } from "node:crypto";
import webpush from "web-push";
import type { PushPayload } from "@liveline/protocol";
import type { VapidSettings } from "./config.js";
import type { Outbound } from "./outbound.js";
import type { StoredWebPush } from "./push-store.js";

/** Lifetime of a VAPID JWT: RFC 8292 allows at most 24 h. */
const VAPID_JWT_SECONDS = 12 * 3600;

export type SendOutcome = { result: "sent"; ms: number } | { result: "gone" } | { result: "failed"; error: string };

/**
 * Web Push (RFC 8030) with VAPID (RFC 8292) and aes128gcm payloads (RFC 8291). The `web-push`
 * library builds each request (encryption, VAPID JWT, TTL, Urgency, Topic); our own outbound
 * client sends it, so a push endpoint (a URL a browser handed us) goes through the address check.
 */
export class WebPushSender {
  /** VAPID headers per push-service origin: one signature serves every subscription there. */
  private readonly vapidByAudience = new Map<string, { authorization: string; renewAt: number }>();

  constructor(
    private readonly vapid: VapidSettings,
    private readonly outbound: Outbound,
    private readonly ttlSeconds: number,
  ) {}

  /**
   * The VAPID Authorization header for a push service. `web-push` would sign a fresh JWT per
   * message (an ECDSA signature each: 56% of the fan-out's CPU in bench/outputs-fanout.mjs);
   * the JWT only names the audience and an expiry, so it is signed once per push-service
   * origin for 12 h and reused.
   */
  private authorization(endpoint: string): string {
    const audience = new URL(endpoint).origin;
    const now = Date.now();
    const cached = this.vapidByAudience.get(audience);
    if (cached !== undefined && cached.renewAt > now) return cached.authorization;
    const { Authorization: authorization } = webpush.getVapidHeaders(
      audience,
      this.vapid.subject,
      this.vapid.publicKey,
      this.vapid.privateKey,
      "aes128gcm",
      Math.floor(now / 1000) + VAPID_JWT_SECONDS,
    );
    // Renewed an hour before it expires, so a slow push service never sees an expired token.
    this.vapidByAudience.set(audience, { authorization, renewAt: now + (VAPID_JWT_SECONDS - 3600) * 1000 });
    return authorization;
  }

  async send(sub: StoredWebPush, payload: PushPayload): Promise<SendOutcome> {
    const details = webpush.generateRequestDetails(
      { endpoint: sub.endpoint, keys: sub.keys },
      JSON.stringify(payload),
      {
        TTL: this.ttlSeconds,
        // Breaking news: wake the device (RFC 8030 §5.3).
        urgency: "high",
        // One alert per entry: a second copy still queued at the push service replaces the first (§5.4).
        topic: createHash("sha256").update(`${payload.feedId}/${payload.entryId}`).digest("base64url").slice(0, 32),
        contentEncoding: "aes128gcm",
      },
    );
    const headers: Record<string, string | number> = { Authorization: this.authorization(details.endpoint) };
    for (const [name, value] of Object.entries(details.headers)) {
      if (typeof value === "string" || typeof value === "number") headers[name] = value;
    }
    try {
      const res = await this.outbound.send(details.endpoint, { headers, body: details.body });
      // 404/410: the subscription expired or the user revoked it (RFC 8030 §7.3).
      if (res.status === 404 || res.status === 410) return { result: "gone" };
      if (res.status >= 200 && res.status < 300) return { result: "sent", ms: res.ms };
      return { result: "failed", error: `push service answered ${res.status}` };
    } catch (err) {
      return { result: "failed", error: (err as Error).message };
    }
  }
}
