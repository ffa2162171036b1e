import type { ProcessSpec } from "@liveline/core";
import { loadWorkerConfig, type WorkerConfig } from "./config.js";
import { startWorker, type WorkerHandle } from "./start-worker.js";

/**
 * The worker role as a process: `node worker/dist/main.js`, or ROLE=worker with the server's
 * entry point, which loads only this package for it.
 */
export const workerProcess: ProcessSpec<WorkerConfig, WorkerHandle> = {
  load: loadWorkerConfig,
  start: (config, redisUrl, logger) => startWorker(config, { redisUrl, logger: logger.child({ role: "worker" }) }),
  logFields: (handle) => ({ metricsUrl: handle.metricsUrl }),
};
