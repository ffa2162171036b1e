export { ServerSettings, loadConfig, type Config, type ServerConfig } from "./config.js";
export { ConfigError, type Role } from "@liveline/core";
export { startLiveline, type LivelineHandle, type StartOptions } from "./liveline.js";
export { createApp, type AppOptions } from "./http/app.js";
export { buildOpenApi } from "./http/openapi.js";
export { FeedService } from "./feed/feed-service.js";
export { FeedRelay } from "./reader/feed-relay.js";
export { LivelineError } from "./errors.js";
export { sanitizeEntryHtml } from "./feed/sanitize.js";
export { createIo, roomOf, MAX_SUBSCRIPTIONS_PER_SOCKET, type LivelineIo } from "./gateway/gateway.js";
export { startServer, type ServerHandle, type StartServerOptions } from "./start-server.js";
export { ensureDemoFeed, DEMO_FEED_ID } from "./feed/demo-feed.js";
export { TokenVerifier, type TokenVerifierOptions } from "./auth/token-verifier.js";
export { mintToken, type MintTokenOptions } from "./auth/mint-token.js";
export { SsoSettings, grantOf, parseRoleMap, type Grant, type RoleRule } from "./accounts/sso-settings.js";
export { clientAddress, compileTrustProxy, type TrustProxy } from "./http/client-address.js";
export {
  attachReader,
  detachReader,
  type Disposer,
  type ReaderContext,
  type ReaderHold,
  type ReaderSink,
} from "./reader/attach-reader.js";
export { ReaderCursor, type CursorVerdict } from "./reader/reader-cursor.js";
export { BacklogWatch, type SlowReaderPolicy } from "./reader/slow-readers.js";
export { SocketReader, type GatewayOptions } from "./gateway/gateway.js";
export {
  directSocket,
  missingTransportInternals,
  rawSocketOf,
  type EngineConnection,
} from "./gateway/transport-internals.js";
export { SseHub, SseStream, type SseRouteOptions } from "./sse/sse-stream.js";
export { AudienceStore, type AudienceSample } from "./presence/audience-store.js";
