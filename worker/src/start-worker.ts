import type { Registry } from "prom-client";
import {
  FeedStore,
  PublishQueue,
  RedisConnections,
  createRegistry,
  instrumentQueue,
  instrumentRedis,
  queuePart,
  redisPart,
  startParts,
  talksToPrimary,
  within,
  type Logger,
  type Part,
} from "@liveline/core";
import type { WorkerConfig } from "./config.js";
import { MetricsListener } from "./metrics-listener.js";
import { PublishWorker } from "./publish-worker.js";
import { instrumentWorker } from "./worker-metrics.js";
import { startOutputs } from "@liveline/outputs";

export interface WorkerHandle extends Part {
  readonly worker: PublishWorker;
  /** With METRICS_PORT and no server role in the process: base URL of its metrics/health listener. */
  readonly metricsUrl: string | undefined;
  /** Answer 503 on the listener's /readyz from now on. */
  drain(): void;
  /** Finish the jobs in hand, take no new ones, close the role's connections. */
  close(): Promise<void>;
}

export interface StartWorkerOptions {
  redisUrl: string;
  logger: Logger;
  /** The process's registry, when another role shares the process (its /metrics serves both). */
  registry?: Registry;
}

/**
 * The worker role: applies accepted changes (one BullMQ worker), re-drives feeds whose changes
 * were never scheduled, feeds the outputs, and, alone in its process with METRICS_PORT set,
 * serves /metrics, /healthz and /readyz on a small listener of its own. Its parts, in the order
 * they start (they close in reverse): Redis, the queue, the outputs, the worker, the listener.
 */
export function startWorker(config: WorkerConfig, opts: StartWorkerOptions): Promise<WorkerHandle> {
  const logger = opts.logger;
  return startParts(logger, async (parts) => {
    const redis = new RedisConnections(opts.redisUrl, logger);
    // The worker's own connections retry for ever: accepted changes wait, they are not dropped.
    const storeConnection = redis.open("worker-store", { maxRetriesPerRequest: null });
    // BullMQ needs maxRetriesPerRequest: null on a worker's connections (its blocking one is a
    // duplicate of this): a command must wait out a failover, not fail the worker.
    const workerConnection = redis.open("worker", { maxRetriesPerRequest: null });
    const storeUp = within(2000, () => talksToPrimary(storeConnection));
    await parts.add(redisPart(redis, { ready: storeUp }));

    const store = new FeedStore(storeConnection, {
      keyPrefix: config.keyPrefix,
      eventLogLength: config.eventLogLength,
      publishCommand: redis.publishCommand,
      // Its accepts are the scheduled releases it applies itself at once: no worker to nudge.
      nudgeQuietMs: 0,
    });
    // Its own producer: the sweep re-enqueues jobs for feeds whose changes were never scheduled.
    const queue = new PublishQueue({
      connection: redis.open("worker-queue", { maxRetriesPerRequest: 1, enableOfflineQueue: false }),
      prefix: store.keys.queuePrefix(),
    });
    await parts.add(queuePart(queue));

    const registry = opts.registry ?? createRegistry(config.role);
    // Sharing a process (and so a registry) with the server role, which reports the queue already.
    if (opts.registry === undefined) instrumentQueue(queue, registry);
    instrumentRedis(registry, {
      "worker-store": storeUp,
      worker: within(2000, () => talksToPrimary(workerConnection)),
    });

    const outputs = await startOutputs({
      settings: config.outputs,
      env: config.env,
      redis,
      store,
      registry,
      logger,
      sweepIntervalMs: config.sweepIntervalMs,
    });
    await parts.add({ name: "outputs", close: () => outputs.close() });

    const worker = new PublishWorker({
      connection: workerConnection,
      prefix: store.keys.queuePrefix(),
      store,
      queue,
      logger,
      concurrency: config.workerConcurrency,
      sweepIntervalMs: config.sweepIntervalMs,
      nudges: redis.open("worker-nudges", { maxRetriesPerRequest: null }),
    });
    instrumentWorker(worker, registry);
    // Each feed applied hands the pipeline "feed F is at seq S"; the outputs sweep re-drives it
    // if this process dies in between.
    worker.events.on("applied", ({ feedId, seq, emitted, quiet }) => {
      if (seq > 0)
        outputs.advance(feedId, seq, quiet ? seq - emitted : undefined).catch((err: unknown) => {
          logger.warn({ feedId, err: (err as Error).message }, "could not queue the outputs");
        });
    });
    await parts.add({ name: "worker", close: () => worker.close() });

    // Alone in its process (no server role to serve /metrics), with METRICS_PORT set.
    const listener =
      opts.registry === undefined && config.metricsPort !== undefined
        ? await parts.add(new MetricsListener(config.metricsPort, config.host, registry, () => parts.readiness()))
        : undefined;

    return {
      name: "worker role",
      worker,
      metricsUrl: listener?.url,
      drain: () => parts.drain(),
      close: () => parts.close(),
    };
  });
}
