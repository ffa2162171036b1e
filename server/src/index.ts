export { loadConfig, ConfigError, type Config, type Role } from "./config.js";
export { startLiveline, type LivelineHandle, type StartOptions } from "./liveline.js";
export { createApp, type AppOptions } from "./app.js";
export { FeedService } from "./feed-service.js";
export { FeedRelay } from "./feed-relay.js";
export { LivelineError } from "./errors.js";
export { sanitizeEntryHtml } from "./sanitize.js";
export { createIo, roomOf, MAX_SUBSCRIPTIONS_PER_SOCKET, type LivelineIo } from "./gateway.js";
export {
  canConnect,
  freePort,
  findRedisServer,
  launchEmbeddedRedis,
  resolveRedis,
  waitUntilListening,
  loopbackRedisArgs,
  type ResolvedRedis,
} from "./redis-launcher.js";
export { ensureDemoFeed, DEMO_FEED_ID } from "./demo-feed.js";
export { TokenVerifier, type TokenVerifierOptions } from "./token-verifier.js";
export { mintToken, type MintTokenOptions } from "./mint-token.js";
export { CoalescedReads } from "./coalesced-reads.js";
export { clientAddress, compileTrustProxy, type TrustProxy } from "./client-address.js";
