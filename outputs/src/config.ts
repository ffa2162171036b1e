import { z } from "zod";
import { ConfigError, Int } from "@liveline/core";

/** The output pipeline's section of the environment (read by the worker and the server roles). */
export const OutputsEnv = {
  OUTPUTS_CONCURRENCY: Int(4, 1, 256),
  ALERTS_PER_HOUR: Int(10, 0, 10_000),
  /** An event older than this when the pipeline reaches it sends no alert (a backlog after an outage). */
  ALERT_MAX_AGE_SECONDS: Int(900, 1, 7 * 86_400),
  /** How long a breaking-news alert waits before it goes out, so an editor can recall it (0 = none). */
  ALERT_UNDO_SECONDS: Int(30, 0, 3600),
  PUSH_TTL_SECONDS: Int(3600, 0, 2_419_200),
  WEBHOOK_ATTEMPTS: Int(8, 1, 30),
  WEBHOOK_BACKOFF_MS: Int(1000, 1, 3_600_000),
  OUTBOUND_TIMEOUT_MS: Int(10_000, 100, 120_000),
  ALLOW_PRIVATE_OUTBOUND: z.enum(["true", "false"]).default("false"),
  VAPID_PUBLIC_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{87}$/, "must be the base64url P-256 public key (65 bytes)")
    .optional(),
  VAPID_PRIVATE_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43}$/, "must be the base64url P-256 private key (32 bytes)")
    .optional(),
  VAPID_SUBJECT: z
    .string()
    .regex(/^(mailto:|https:\/\/)\S+$/, "must be a mailto: or https: URL")
    .optional(),
  FCM_SERVICE_ACCOUNT_FILE: z.string().min(1).optional(),
  FCM_ENDPOINT: z.url({ protocol: /^https?$/ }).default("https://fcm.googleapis.com"),
  FCM_TOKEN_URL: z.url({ protocol: /^https?$/ }).optional(),
} satisfies z.ZodRawShape;

export interface VapidSettings {
  readonly publicKey: string;
  readonly privateKey: string;
  readonly subject: string;
}

export interface OutputsSettings {
  /** Output jobs (advance, alert fan-out chunks, webhook deliveries) run at once in this process. */
  readonly concurrency: number;
  /** Most breaking-news alerts per feed in any hour; 0 = no alerts. */
  readonly alertsPerHour: number;
  readonly alertMaxAgeSeconds: number;
  /** How long an alert waits (a delayed job) before anything leaves; it may be recalled meanwhile. */
  readonly alertUndoSeconds: number;
  /** Web Push `TTL` header: how long a push service keeps an undelivered alert. */
  readonly pushTtlSeconds: number;
  readonly webhookAttempts: number;
  /** First retry delay of a webhook delivery; doubles with each try. */
  readonly webhookBackoffMs: number;
  readonly outboundTimeoutMs: number;
  /** Let outbound requests reach private, loopback and link-local addresses (tests, closed networks). */
  readonly allowPrivateOutbound: boolean;
  /** Configured VAPID keys; unset: generated and shared through Redis outside production. */
  readonly vapid: VapidSettings | undefined;
  readonly vapidSubject: string | undefined;
  readonly fcm:
    | { readonly serviceAccountFile: string; readonly endpoint: string; readonly tokenUrl: string | undefined }
    | undefined;
}

export function outputsSettings(c: z.infer<z.ZodObject<typeof OutputsEnv>>): OutputsSettings {
  const { VAPID_PUBLIC_KEY: pub, VAPID_PRIVATE_KEY: priv, VAPID_SUBJECT: subject } = c;
  if ((pub === undefined) !== (priv === undefined)) {
    throw new ConfigError(["VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY: set both or neither"]);
  }
  return Object.freeze({
    concurrency: c.OUTPUTS_CONCURRENCY,
    alertsPerHour: c.ALERTS_PER_HOUR,
    alertMaxAgeSeconds: c.ALERT_MAX_AGE_SECONDS,
    alertUndoSeconds: c.ALERT_UNDO_SECONDS,
    pushTtlSeconds: c.PUSH_TTL_SECONDS,
    webhookAttempts: c.WEBHOOK_ATTEMPTS,
    webhookBackoffMs: c.WEBHOOK_BACKOFF_MS,
    outboundTimeoutMs: c.OUTBOUND_TIMEOUT_MS,
    allowPrivateOutbound: c.ALLOW_PRIVATE_OUTBOUND === "true",
    vapid:
      pub !== undefined && priv !== undefined
        ? { publicKey: pub, privateKey: priv, subject: subject ?? "mailto:liveline@example.com" }
        : undefined,
    vapidSubject: subject,
    fcm:
      c.FCM_SERVICE_ACCOUNT_FILE === undefined
        ? undefined
        : { serviceAccountFile: c.FCM_SERVICE_ACCOUNT_FILE, endpoint: c.FCM_ENDPOINT, tokenUrl: c.FCM_TOKEN_URL },
  });
}
