import type { Registry } from "prom-client";
import type { Logger, ReadinessReport, RedisClient } from "@liveline/core";
import type { OperationId } from "@liveline/protocol";
import type { ServerConfig } from "./config.js";
import type { Handlers } from "./http/operation-router.js";
import { httpRoutes } from "./http/http-routes.js";
import type { RateLimits } from "./http/rate-limits.js";
import type { FeedService } from "./feed/feed-service.js";
import { opsRoutes } from "./ops/ops-routes.js";
import type { MediaService } from "./media/media-service.js";
import { mediaRoutes } from "./media/media-routes.js";
import { pagesRouter } from "./pages/index.js";
import { sseRoutes, type SseHub } from "./sse/sse-stream.js";
import type { ReaderContext } from "./reader/attach-reader.js";
import { BacklogWatch, type SlowReaderPolicy } from "./reader/slow-readers.js";
import type { PresenceStore } from "./presence/presence-store.js";
import type { AudienceStore } from "./presence/audience-store.js";
import { presenceRoutes } from "./presence/presence-routes.js";
import type { OutputsHttp } from "./outputs/index.js";
import type { AccountStore } from "./accounts/account-store.js";
import { accountRoutes } from "./accounts/account-routes.js";
import type { SsoClient } from "./accounts/sso-client.js";
import { ssoRoutes } from "./accounts/sso-routes.js";

/** What a server node's operations are answered with (start-server.ts builds each once). */
export interface ServerRoutesDeps {
  config: ServerConfig;
  service: FeedService;
  media: MediaService;
  readers: ReaderContext;
  hub: SseHub;
  slowReaders: SlowReaderPolicy;
  presence: PresenceStore;
  audience: AudienceStore;
  outputs: OutputsHttp;
  accounts: AccountStore;
  sso: SsoClient | undefined;
  limits: RateLimits;
  registry: Registry;
  /** The process's readiness (core/src/parts.ts). */
  readiness: () => Promise<ReadinessReport>;
  commands: RedisClient;
  logger: Logger;
}

/**
 * The handler of every operation a server node answers: the API, the probes, media, the feed
 * pages, SSE, presence, the outputs, accounts and sign-in.
 */
export function serverRoutes(d: ServerRoutesDeps): Handlers<OperationId> {
  const { config, service, accounts, limits } = d;
  return {
    ...httpRoutes({ service }),
    ...opsRoutes({
      readiness: d.readiness,
      registry: d.registry,
      ping: async () => (await d.commands.ping().catch(() => "")) === "PONG",
    }),
    ...mediaRoutes({ media: d.media, maxBytes: config.mediaMaxBytes, publicUrl: config.publicUrl }),
    ...pagesRouter({
      service,
      publisherName: config.publisherName,
      publicUrl: config.publicUrl,
      publisherLogoUrl: config.publisherLogoUrl,
      language: config.feedLanguage,
    }),
    ...sseRoutes({
      hub: d.hub,
      readers: d.readers,
      logger: d.logger,
      heartbeatMs: config.sseHeartbeatMs,
      slowReaders: new BacklogWatch(d.slowReaders),
    }),
    ...presenceRoutes({ presence: d.presence, audience: d.audience, service }),
    ...d.outputs.handlers,
    ...accountRoutes({
      accounts,
      limits,
      sessionTtlSeconds: config.accounts.sessionTtlSeconds,
      resetTtlSeconds: config.accounts.resetTtlSeconds,
      publicUrl: config.publicUrl,
    }),
    ...ssoRoutes({ accounts, limits, sessionTtlSeconds: config.accounts.sessionTtlSeconds, sso: d.sso }),
  };
}
