import webpush from "web-push";
import { z } from "zod";
import type { OutputKeys, RedisClient } from "@liveline/core";
import type { OutputsSettings, VapidSettings } from "./config.js";

const Stored = z.object({ publicKey: z.string(), privateKey: z.string() });

export interface ResolvedVapid {
  vapid: VapidSettings | undefined;
  /** True when the keys were generated for this deployment (development/test only). */
  generated: boolean;
}

/**
 * The VAPID key pair: the configured one, or, outside production, one generated once and kept
 * in Redis (SET NX) so that every process of the deployment signs with the same key the
 * browsers subscribed with. In production without keys, Web Push is off.
 */
export async function resolveVapid(
  settings: OutputsSettings,
  env: "development" | "production" | "test",
  redis: RedisClient,
  keys: OutputKeys,
): Promise<ResolvedVapid> {
  if (settings.vapid !== undefined) return { vapid: settings.vapid, generated: false };
  if (env === "production") return { vapid: undefined, generated: false };
  const fresh = webpush.generateVAPIDKeys();
  await redis.set(keys.vapid, JSON.stringify(fresh), "NX");
  const stored = Stored.parse(JSON.parse((await redis.get(keys.vapid)) ?? JSON.stringify(fresh)));
  return {
    vapid: { ...stored, subject: settings.vapidSubject ?? "mailto:liveline@example.com" },
    generated: true,
  };
}
