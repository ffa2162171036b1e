export { PublishWorker, type PublishWorkerOptions } from "./publish-worker.js";
export { instrumentWorker } from "./worker-metrics.js";
export { startWorker, type WorkerHandle, type StartWorkerOptions } from "./start-worker.js";
export { WorkerSettings, loadWorkerConfig, type WorkerConfig } from "./config.js";
export { MetricsListener } from "./metrics-listener.js";
export { workerProcess } from "./worker-process.js";
