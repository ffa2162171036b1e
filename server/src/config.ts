import { randomBytes } from "node:crypto";
import { z } from "zod";
import {
  ConfigError,
  CoreSettings,
  Int,
  SENTINEL_SCHEME,
  accepts,
  parseEnv,
  reportProblems,
  type CoreConfig,
} from "@liveline/core";
import { OutputsSettings } from "@liveline/outputs";
import { WorkerSettings, type WorkerConfig } from "@liveline/worker";
import { compileTrustProxy } from "./http/client-address.js";
import { parsePublicKey } from "./auth/token-verifier.js";
import type { S3MediaSettings } from "./media/s3-storage.js";
import { parseOembedEndpoints } from "./embeds/oembed-endpoints.js";
import { SsoSettings } from "./accounts/sso-settings.js";
import { PublicUrl } from "./public-url.js";

/**
 * One EDITOR_TOKENS entry: `token`, or `name=token` to give the token a display name (who is
 * here, in the console). The name is what comes before the first `=` when 16 or more characters
 * (a token's length) follow it; otherwise the entry is taken whole as a token, so a base64
 * token ending in `=` padding, as configured before names existed, still reads as it did.
 */
function namedToken(entry: string): { token: string; name?: string | undefined } {
  const cut = entry.indexOf("=");
  const name = entry.slice(0, cut).trim();
  const token = entry.slice(cut + 1).trim();
  if (cut <= 0 || name.length === 0 || token.length < 16) return { token: entry };
  return { token, name: name.slice(0, 200) };
}

/** The server role's own section of the environment. */
const ServerEnv = {
  /** HTTP and Socket.IO port. */
  PORT: Int(3000, 0, 65_535),
  /**
   * Connections the kernel may hold waiting for accept (capped by net.core.somaxconn). Node's
   * 511 overflows when thousands of readers come back at once, and each dropped SYN costs its
   * reader a retransmit 1, 3, 7, 15 or 31 s later.
   */
  LISTEN_BACKLOG: Int(4096, 1, 1_000_000),
  /**
   * Bearer tokens allowed to write, comma-separated, each `token` or `name=token` (namedToken).
   * Unset in development: one is generated for the run and printed at start.
   */
  EDITOR_TOKENS: z
    .string()
    .transform((s) =>
      s
        .split(",")
        .map((t) => t.trim())
        .filter((t) => t.length > 0)
        .map(namedToken),
    )
    .pipe(
      z
        .array(
          z.object({
            token: z.string().min(16, "each editor token must be at least 16 characters"),
            name: z.string().optional(),
          }),
        )
        .min(1),
    )
    .optional(),
  /** Who is here (server/src/presence): how often a node reports its readers. */
  PRESENCE_INTERVAL_MS: Int(1500, 100, 60_000),
  /** How long an editor stays "here" without a sign of life. */
  PRESENCE_EDITOR_TTL_MS: Int(15_000, 1000, 600_000),
  /** Readers over time (server/src/presence/audience-*): one sample per feed every this many ms. */
  AUDIENCE_SAMPLE_MS: Int(60_000, 100, 3_600_000),
  /** How long the audience samples are kept. */
  AUDIENCE_KEEP_HOURS: Int(24, 1, 168),
  /** How often a server checks the head of a feed it relays, to repair a lost pub/sub message. */
  HEAD_CHECK_MS: Int(5000, 100, 600_000),
  /** The most periodic head checks a server makes per second (FeedRelay): many feeds take turns. */
  HEAD_CHECKS_PER_SECOND: Int(500, 1, 1_000_000),
  /** Over how long a stopping server spreads the disconnection of its readers. */
  DRAIN_SPREAD_MS: Int(5000, 0, 120_000),
  /**
   * The nudge (FeedStoreOptions.nudgeQuietMs): a change that asks for a drain job where its slot
   * asked for none in this long is applied by a worker at once. 0: off.
   */
  NUDGE_QUIET_MS: Int(30, 0, 60_000),
  /** The public base URL: canonical links of the feed pages, media URLs, the SSO callback. */
  PUBLIC_URL: PublicUrl,
  EDITOR_JWT_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  EDITOR_JWT_PUBLIC_KEY: z
    .string()
    .refine(accepts(parsePublicKey), "must be an RSA or P-256 public key in PEM (SPKI) form")
    .optional(),
  EDITOR_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Trusted proxies, whose X-Forwarded-For is believed (compiled by compileTrustProxy). */
  TRUST_PROXY: z
    .string()
    .refine(
      accepts(compileTrustProxy),
      "must be a comma-separated list of addresses, CIDR ranges, or loopback / linklocal / uniquelocal",
    )
    .default("loopback"),
  /** Allowed browser origins: unset or "*", any origin may read; else an exact list. */
  CORS_ORIGINS: z
    .string()
    .transform((s) =>
      s
        .split(",")
        .map((o) => o.trim().toLowerCase().replace(/\/$/, ""))
        .filter((o) => o.length > 0),
    )
    .pipe(
      z.array(
        z.union([
          z.literal("*"),
          z.string().regex(/^https?:\/\/[^/\s]+$/, "must be an origin such as https://news.example"),
        ]),
      ),
    )
    .optional(),
  RATE_LIMIT_PUBLISHES: Int(3000, 0, 1_000_000),
  RATE_LIMIT_SUBSCRIBES: Int(300, 0, 1_000_000),
  RATE_LIMIT_CONNECTIONS: Int(6000, 0, 10_000_000),
  RATE_LIMIT_WINDOW_SECONDS: Int(60, 1, 86_400),
  RATE_LIMIT_SIGN_INS: Int(10, 0, 1_000_000),
  RATE_LIMIT_SIGN_IN_WINDOW_SECONDS: Int(900, 1, 86_400),
  /** How long a person's session lasts (server/src/accounts). */
  SESSION_TTL_HOURS: Int(12, 1, 24 * 90),
  /** How long a password-reset link lasts. */
  PASSWORD_RESET_TTL_HOURS: Int(24, 1, 24 * 30),
  /** Publisher named in the feed pages' structured data. */
  PUBLISHER_NAME: z.string().trim().min(1).max(200).default("Liveline"),
  /** The publisher's logo (https), for the feed pages' structured data and link previews. */
  PUBLISHER_LOGO_URL: z.url({ protocol: /^https$/, error: "must be an https URL" }).optional(),
  /** The language the feeds are written in (BCP 47), for the feed pages' `lang` and inLanguage. */
  FEED_LANGUAGE: z
    .string()
    .trim()
    .refine(accepts(canonicalLanguage), "must be a BCP 47 language tag such as en, de-AT or ar")
    .transform(canonicalLanguage)
    .default("en"),
  SSE_HEARTBEAT_MS: Int(15_000, 50, 300_000),
  /** Most bytes waiting on a node for one reader (socket or SSE) before it is disconnected. */
  MAX_READER_BACKLOG_BYTES: Int(1024 * 1024, 16 * 1024, 64 * 1024 * 1024),
  /** How long a reader may stay above that before it is disconnected. */
  READER_BACKLOG_GRACE_MS: Int(5000, 0, 600_000),
  /**
   * Replicas that must have a change (WAIT) before it is answered 202. Unset: 1 on Redis
   * Sentinel (a 202 survives the primary's loss), 0 otherwise.
   */
  REDIS_WAIT_REPLICAS: z
    .string()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(0).max(16))
    .optional(),
  /** How long a write waits for those replicas. */
  REDIS_WAIT_TIMEOUT_MS: Int(1000, 1, 60_000),
  /** Largest accepted media upload, in bytes. */
  MEDIA_MAX_BYTES: Int(20 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
  /** S3-compatible media storage when set (else `<DATA_DIR>/media`); the other MEDIA_S3_* only with it (checkMediaS3). */
  MEDIA_S3_BUCKET: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
      "must be an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)",
    )
    .optional(),
  MEDIA_S3_ENDPOINT: z
    .url({ protocol: /^https?$/, error: "must be an http(s) URL such as http://minio:9000" })
    .optional(),
  MEDIA_S3_REGION: z
    .string()
    .regex(/^[a-z0-9-]{1,32}$/, "must be a region such as eu-west-1 (us-east-1 for MinIO, auto for R2)")
    .optional(),
  MEDIA_S3_ACCESS_KEY_ID: z.string().trim().min(1).optional(),
  MEDIA_S3_SECRET_ACCESS_KEY: z.string().trim().min(1).optional(),
  MEDIA_S3_FORCE_PATH_STYLE: z
    .enum(["true", "false"], { error: "must be true or false" })
    .transform((v) => v === "true")
    .optional(),
  // `off`, or `<provider>=<URL>` / `<provider>=off` entries over the defaults (embeds/oembed-endpoints.ts).
  OEMBED_ENDPOINTS: z
    .string()
    .transform((value, ctx) => {
      try {
        return parseOembedEndpoints(value);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: err instanceof Error ? err.message : String(err) });
        return z.NEVER;
      }
    })
    .optional(),
  /** The longest a write waits for an oEmbed lookup. */
  OEMBED_TIMEOUT_MS: Int(2000, 100, 10_000),
  /** Longest a client may take to send a request's headers (`server.headersTimeout`). */
  HTTP_HEADERS_TIMEOUT_MS: Int(10_000, 100, 600_000),
  /** Longest a client may take to send a whole request, body included (`server.requestTimeout`). */
  HTTP_REQUEST_TIMEOUT_MS: Int(30_000, 100, 3_600_000),
  /** How long a keep-alive connection may wait for its next request (`server.keepAliveTimeout`). */
  HTTP_KEEP_ALIVE_TIMEOUT_MS: Int(5000, 0, 600_000),
  /** A connection on which nothing moves either way this long is closed (`server.timeout`; 0 = off). */
  HTTP_IDLE_TIMEOUT_MS: Int(120_000, 0, 3_600_000),
} satisfies z.ZodRawShape;

/** A BCP 47 tag in its canonical form ("en-gb" → "en-GB"); throws on anything else. */
function canonicalLanguage(tag: string): string {
  const [canonical] = Intl.getCanonicalLocales(tag);
  if (canonical === undefined) throw new RangeError("no language tag");
  return canonical;
}

/**
 * Socket.IO's ping interval: a long-polling GET is held open up to this long without a byte, so
 * the idle socket timeout must be longer (gateway.ts uses it).
 */
export const SOCKET_PING_INTERVAL_MS = 25_000;
/** How much longer than the quietest long-lived response the idle socket timeout must be. */
const IDLE_MARGIN_MS = 5000;

/**
 * The server role's section of the environment, and the shared variables its rules need. The
 * settings type is inferred from the transform. (Single sign-on's OIDC_* are a section of their
 * own, accounts/sso-settings.ts.)
 */
export const ServerSettings = z
  .object({
    ...ServerEnv,
    NODE_ENV: CoreSettings.in.shape.NODE_ENV,
    REDIS_URL: CoreSettings.in.shape.REDIS_URL,
  })
  .transform((c, ctx) => {
    const signed =
      c.EDITOR_JWT_SECRET !== undefined || c.EDITOR_JWT_PUBLIC_KEY !== undefined || c.EDITOR_JWKS_URL !== undefined;
    const production = c.NODE_ENV === "production";
    const problems = [
      ...(c.EDITOR_TOKENS === undefined && !signed && production
        ? [
            "EDITOR_TOKENS: required in production (comma-separated bearer tokens), unless EDITOR_JWT_SECRET, EDITOR_JWT_PUBLIC_KEY or EDITOR_JWKS_URL is set",
          ]
        : []),
      ...httpTimeoutProblems(c),
      ...mediaS3Problems(c),
    ];
    if (reportProblems(ctx, problems)) return z.NEVER;
    // Without tokens, development generates one for the run (printed at start).
    const generate = c.EDITOR_TOKENS === undefined && !(production && signed);
    const entries = c.EDITOR_TOKENS ?? (generate ? [{ token: `dev-${randomBytes(18).toString("base64url")}` }] : []);
    // Unset CORS_ORIGINS: any origin may read (widgets embed anywhere); cross-origin writes need
    // the origin listed.
    const origins = c.CORS_ORIGINS ?? ["*"];
    return {
      port: c.PORT,
      listenBacklog: c.LISTEN_BACKLOG,
      editorTokens: Object.freeze(entries.map((e) => e.token)),
      /** The display name of each of `editorTokens`, by position, when EDITOR_TOKENS gave one. */
      editorNames: Object.freeze(entries.map((e) => e.name)),
      /** True when no tokens were configured and one was generated for this run. */
      generatedToken: generate,
      headCheckMs: c.HEAD_CHECK_MS,
      headChecksPerSecond: c.HEAD_CHECKS_PER_SECOND,
      drainSpreadMs: c.DRAIN_SPREAD_MS,
      nudgeQuietMs: c.NUDGE_QUIET_MS,
      publicUrl: c.PUBLIC_URL,
      jwtSecret: c.EDITOR_JWT_SECRET,
      jwtPublicKey: c.EDITOR_JWT_PUBLIC_KEY,
      jwksUrl: c.EDITOR_JWKS_URL,
      corsOrigins: origins.includes("*") ? ("*" as const) : Object.freeze(origins),
      trustProxy: compileTrustProxy(c.TRUST_PROXY),
      rateLimits: Object.freeze({
        publishes: c.RATE_LIMIT_PUBLISHES,
        subscribes: c.RATE_LIMIT_SUBSCRIBES,
        connections: c.RATE_LIMIT_CONNECTIONS,
        windowSeconds: c.RATE_LIMIT_WINDOW_SECONDS,
        signIns: c.RATE_LIMIT_SIGN_INS,
        signInWindowSeconds: c.RATE_LIMIT_SIGN_IN_WINDOW_SECONDS,
      }),
      accounts: Object.freeze({
        sessionTtlSeconds: c.SESSION_TTL_HOURS * 3600,
        resetTtlSeconds: c.PASSWORD_RESET_TTL_HOURS * 3600,
      }),
      publisherName: c.PUBLISHER_NAME,
      publisherLogoUrl: c.PUBLISHER_LOGO_URL,
      feedLanguage: c.FEED_LANGUAGE,
      sseHeartbeatMs: c.SSE_HEARTBEAT_MS,
      maxReaderBacklogBytes: c.MAX_READER_BACKLOG_BYTES,
      readerBacklogGraceMs: c.READER_BACKLOG_GRACE_MS,
      replicaAcks: Object.freeze({
        replicas: c.REDIS_WAIT_REPLICAS ?? (c.REDIS_URL?.startsWith(SENTINEL_SCHEME) === true ? 1 : 0),
        timeoutMs: c.REDIS_WAIT_TIMEOUT_MS,
      }),
      mediaMaxBytes: c.MEDIA_MAX_BYTES,
      /** Where media live: an S3-compatible bucket when MEDIA_S3_BUCKET is set, else `<dataDir>/media`. */
      mediaS3: mediaS3Settings(c),
      /** node:http's timeouts, in ms (0 turns one off); see the HTTP_*_TIMEOUT_MS variables. */
      httpTimeouts: Object.freeze({
        headersMs: c.HTTP_HEADERS_TIMEOUT_MS,
        requestMs: c.HTTP_REQUEST_TIMEOUT_MS,
        keepAliveMs: c.HTTP_KEEP_ALIVE_TIMEOUT_MS,
        idleMs: c.HTTP_IDLE_TIMEOUT_MS,
      }),
      presence: Object.freeze({ intervalMs: c.PRESENCE_INTERVAL_MS, editorTtlMs: c.PRESENCE_EDITOR_TTL_MS }),
      audience: Object.freeze({ sampleMs: c.AUDIENCE_SAMPLE_MS, keepHours: c.AUDIENCE_KEEP_HOURS }),
      oembed: Object.freeze({
        endpoints: c.OEMBED_ENDPOINTS ?? parseOembedEndpoints(undefined),
        timeoutMs: c.OEMBED_TIMEOUT_MS,
      }),
    };
  });

export type ServerSettings = Readonly<z.output<typeof ServerSettings>>;

/** node:http's timeouts, in ms (0 turns one off). */
export type HttpTimeouts = ServerSettings["httpTimeouts"];

/**
 * What the server role runs on: the shared section, its own, single sign-on's (`sso`, undefined
 * when OIDC_ISSUER is unset) and the outputs' (it serves their routes).
 */
export type ServerConfig = CoreConfig &
  ServerSettings & { readonly sso: SsoSettings | undefined; readonly outputs: OutputsSettings };

/**
 * The server entry point's configuration: ROLE=server, or ROLE=all, which runs a worker beside
 * the server and so reads the worker's section too. (ROLE=worker reads `loadWorkerConfig`'s.)
 */
export type Config =
  (ServerConfig & { readonly role: "server" }) | (ServerConfig & WorkerConfig & { readonly role: "all" });

/**
 * Read the configuration of a process with the server role from the environment: each role
 * parses only its own section. Every bad value is reported at once; the result is frozen.
 * Without EDITOR_TOKENS, development generates a token (printed at start) and production
 * refuses to start.
 */
export function loadConfig(env: NodeJS.ProcessEnv | Record<string, string | undefined>): Config {
  const sections = { core: CoreSettings, server: ServerSettings, sso: SsoSettings, outputs: OutputsSettings };
  if (env.ROLE === "server") {
    const s = parseEnv(sections, env);
    return Object.freeze({ ...s.core, ...s.server, sso: s.sso, outputs: s.outputs, role: "server" });
  }
  // ROLE=all (or a bad ROLE, reported with every other problem): the worker's section too.
  const s = parseEnv({ ...sections, worker: WorkerSettings }, env);
  if (s.core.role === "worker")
    throw new ConfigError(["ROLE: worker has no server role (read it with loadWorkerConfig)"]);
  return Object.freeze({ ...s.core, ...s.server, sso: s.sso, outputs: s.outputs, ...s.worker, role: "all" });
}

/**
 * The timeouts must fit together: node:http refuses a request timeout shorter than the headers
 * timeout, and an idle timeout shorter than the quietest long-lived response (an SSE stream
 * between heartbeats, a Socket.IO long-polling GET between pings) would cut healthy readers.
 */
function httpTimeoutProblems(c: {
  HTTP_HEADERS_TIMEOUT_MS: number;
  HTTP_REQUEST_TIMEOUT_MS: number;
  HTTP_IDLE_TIMEOUT_MS: number;
  SSE_HEARTBEAT_MS: number;
}): string[] {
  const problems: string[] = [];
  if (c.HTTP_REQUEST_TIMEOUT_MS < c.HTTP_HEADERS_TIMEOUT_MS)
    problems.push("HTTP_REQUEST_TIMEOUT_MS: must be at least HTTP_HEADERS_TIMEOUT_MS");
  const quietest = Math.max(c.SSE_HEARTBEAT_MS, SOCKET_PING_INTERVAL_MS) + IDLE_MARGIN_MS;
  if (c.HTTP_IDLE_TIMEOUT_MS !== 0 && c.HTTP_IDLE_TIMEOUT_MS < quietest)
    problems.push(
      `HTTP_IDLE_TIMEOUT_MS: must be 0 (off) or at least ${quietest} (SSE_HEARTBEAT_MS or the Socket.IO ping interval, plus ${IDLE_MARGIN_MS})`,
    );
  return problems;
}

/** The MEDIA_S3_* variables, as parsed. */
interface MediaS3Env {
  MEDIA_S3_BUCKET?: string | undefined;
  MEDIA_S3_ENDPOINT?: string | undefined;
  MEDIA_S3_REGION?: string | undefined;
  MEDIA_S3_ACCESS_KEY_ID?: string | undefined;
  MEDIA_S3_SECRET_ACCESS_KEY?: string | undefined;
  MEDIA_S3_FORCE_PATH_STYLE?: boolean | undefined;
}

/**
 * S3 media storage is all or nothing: a bucket needs its region, a key id needs its secret, and
 * any MEDIA_S3_* without a bucket is a typo or a half-finished setup that would otherwise store
 * media on the local disk unnoticed (lost with the container).
 */
function mediaS3Problems(c: MediaS3Env): string[] {
  const problems: string[] = [];
  const { MEDIA_S3_BUCKET: bucket, MEDIA_S3_REGION: region } = c;
  const { MEDIA_S3_ACCESS_KEY_ID: keyId, MEDIA_S3_SECRET_ACCESS_KEY: secret } = c;
  if (bucket === undefined) {
    const stray = Object.entries(c).filter(([k, v]) => k.startsWith("MEDIA_S3_") && v !== undefined);
    for (const [k] of stray)
      problems.push(`${k}: only with MEDIA_S3_BUCKET (media are stored in S3 only when it is set)`);
  } else if (region === undefined) {
    problems.push("MEDIA_S3_REGION: required with MEDIA_S3_BUCKET (us-east-1 for MinIO, auto for R2)");
  }
  if ((keyId === undefined) !== (secret === undefined))
    problems.push(
      "MEDIA_S3_ACCESS_KEY_ID and MEDIA_S3_SECRET_ACCESS_KEY: set both, or neither (the default AWS credential chain)",
    );
  return problems;
}

/** The S3 media settings, once mediaS3Problems found none; undefined: media stay on the local disk. */
function mediaS3Settings(c: MediaS3Env): S3MediaSettings | undefined {
  const { MEDIA_S3_BUCKET: bucket, MEDIA_S3_REGION: region } = c;
  const { MEDIA_S3_ACCESS_KEY_ID: keyId, MEDIA_S3_SECRET_ACCESS_KEY: secret } = c;
  if (bucket === undefined || region === undefined) return undefined;
  return Object.freeze({
    bucket,
    endpoint: c.MEDIA_S3_ENDPOINT,
    region,
    credentials:
      keyId === undefined || secret === undefined
        ? undefined
        : Object.freeze({ accessKeyId: keyId, secretAccessKey: secret }),
    forcePathStyle: c.MEDIA_S3_FORCE_PATH_STYLE ?? false,
  });
}
