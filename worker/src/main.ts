// The worker role alone: `node worker/dist/main.js` (or ROLE=worker with the server's entry point).
import { main, runProcess } from "@liveline/core";
import { loadWorkerConfig } from "./config.js";
import { startWorker } from "./start-worker.js";

main(() =>
  runProcess({
    load: loadWorkerConfig,
    start: (config, redisUrl, logger) => startWorker(config, { redisUrl, logger: logger.child({ role: "worker" }) }),
    logFields: (handle) => ({ metricsUrl: handle.metricsUrl }),
  }),
);
