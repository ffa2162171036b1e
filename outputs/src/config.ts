import { z } from "zod";
import { Int, reportProblems } from "@liveline/core";

/**
 * The output pipeline's section of the environment (push, alerts, webhooks; docs/outputs.md),
 * read by the worker role, which runs the pipeline, and the server role, which serves its
 * routes. The settings type is inferred from the transform.
 */
export const OutputsSettings = z
  .object({
    /** Output jobs (advance, alert fan-out chunks, webhook deliveries) run at once in a worker process. */
    OUTPUTS_CONCURRENCY: Int(4, 1, 256),
    /** Most breaking-news alerts per feed in any hour; 0 = no alerts. */
    ALERTS_PER_HOUR: Int(10, 0, 10_000),
    /** An event older than this when the pipeline reaches it sends no alert (a backlog after an outage). */
    ALERT_MAX_AGE_SECONDS: Int(900, 1, 7 * 86_400),
    /** How long a breaking-news alert waits (a delayed job) before it goes out, so an editor can recall it (0 = none). */
    ALERT_UNDO_SECONDS: Int(30, 0, 3600),
    /** Web Push `TTL` header: how long a push service keeps an undelivered alert. */
    PUSH_TTL_SECONDS: Int(3600, 0, 2_419_200),
    WEBHOOK_ATTEMPTS: Int(8, 1, 30),
    /** First retry delay of a webhook delivery; doubles with each try. */
    WEBHOOK_BACKOFF_MS: Int(1000, 1, 3_600_000),
    OUTBOUND_TIMEOUT_MS: Int(10_000, 100, 120_000),
    /** Let outbound requests reach private, loopback and link-local addresses (tests, closed networks). */
    ALLOW_PRIVATE_OUTBOUND: z.enum(["true", "false"]).default("false"),
    /** Configured VAPID keys (both or neither); unset: generated and shared through Redis outside production. */
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
  })
  .transform((c, ctx) => {
    const { VAPID_PUBLIC_KEY: pub, VAPID_PRIVATE_KEY: priv, VAPID_SUBJECT: subject } = c;
    if ((pub === undefined) !== (priv === undefined)) {
      reportProblems(ctx, ["VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY: set both or neither"]);
      return z.NEVER;
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
  });

export type OutputsSettings = z.output<typeof OutputsSettings>;
export type VapidSettings = NonNullable<OutputsSettings["vapid"]>;
