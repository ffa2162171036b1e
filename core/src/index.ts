export {
  redisKeys,
  type RedisKeys,
  type FeedKeys,
  type SlotKeys,
  type PresenceKeys,
  type OutputKeys,
  type FeedOutputKeys,
  type WebhookKeys,
  type AccountKeys,
} from "./redis-keys.js";
export {
  Change,
  ApplyJob,
  DrainJob,
  ReleaseJob,
  PublishJob,
  type NewEntry,
  type EntryPatch,
  type FeedPatch,
} from "./changes.js";
export {
  FeedStore,
  ReplicationTimeoutError,
  type FeedStoreOptions,
  type AcceptResult,
  type ContributorRule,
  type ApplyResult,
  type ApplyManyResult,
  type DrainMark,
  type CatchUp,
  type Head,
  type Snapshot,
  type RateWindow,
  type RedisClient,
  type EntryPageResult,
} from "./feed-store.js";
export { EventEnvelope, contributorRefusal } from "./scripts.js";
export { CoalescedReads } from "./coalesced-reads.js";
export { StoredActor, StoredRevision, compactActor } from "./stored-actor.js";
export { newEpoch, type HeldPosition } from "./epoch.js";
export { PublishQueue, QUEUE_NAME, queuePart, retainedJobs, type PublishQueueOptions } from "./publish-queue.js";
export { createLogger, type Logger } from "./logger.js";
export { EVENT_LOOP_SAMPLE_MS, createRegistry, instrumentQueue } from "./metrics.js";
export { Parts, startParts, type Part, type ReadinessReport } from "./parts.js";
export { RedisConnections, redisPart } from "./connections.js";
export {
  openRedis,
  parseRedisTarget,
  redact,
  CLUSTER_SCHEME,
  SENTINEL_SCHEME,
  type RedisTarget,
} from "./redis-connection.js";
export { talksToPrimary, subscriptionsOn, instrumentRedis, within } from "./redis-health.js";
export {
  resolveRedis,
  findRedisServer,
  launchEmbeddedRedis,
  loopbackRedisArgs,
  freePort,
  canConnect,
  waitUntilListening,
  type EmbeddedRedis,
  type ResolvedRedis,
} from "./redis-launcher.js";
export {
  ConfigError,
  CoreSettings,
  Int,
  OptionalPort,
  Role,
  accepts,
  reportProblems,
  parseEnv,
  type EnvSection,
  type CoreConfig,
} from "./config.js";
export { runProcess, main, type ProcessSpec, type RunningRoles } from "./run-process.js";
