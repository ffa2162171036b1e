export { redisKeys, type RedisKeys, type FeedKeys } from "./redis-keys.js";
export { Change, ApplyJob, type NewEntry, type EntryPatch, type FeedPatch } from "./changes.js";
export {
  FeedStore,
  type FeedStoreOptions,
  type AcceptResult,
  type ApplyResult,
  type CatchUp,
  type RedisClient,
  type EntryPageResult,
} from "./feed-store.js";
export { PublishQueue, QUEUE_NAME, type PublishQueueOptions } from "./publish-queue.js";
export { PublishWorker, type PublishWorkerOptions } from "./publish-worker.js";
export { createLogger, type Logger } from "./logger.js";
export { instrumentWorker, instrumentQueue } from "./worker-metrics.js";
