import { Gauge, Registry, collectDefaultMetrics } from "prom-client";
import type { PublishQueue } from "./publish-queue.js";

/** One registry per process, with the role as a default label and Node's own metrics. */
export function createRegistry(role: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ role });
  collectDefaultMetrics({ register: registry, prefix: "liveline_" });
  return registry;
}

/** Queue states reported by `liveline_queue_jobs`; a bounded label set. */
const QUEUE_STATES = ["waiting", "active", "delayed", "prioritized", "failed"] as const;

/** `liveline_queue_jobs{state}`: the shared queue's depth and failed jobs, read at scrape time. */
export function instrumentQueue(queue: PublishQueue, registry: Registry): void {
  new Gauge({
    name: "liveline_queue_jobs",
    help: "Jobs in the publish queue by state (shared by every process; read from Redis at scrape time)",
    labelNames: ["state"] as const,
    registers: [registry],
    async collect() {
      try {
        const counts = await queue.counts(...QUEUE_STATES);
        for (const state of QUEUE_STATES) this.set({ state }, counts[state] ?? 0);
      } catch {
        // Redis away: report nothing rather than fail the whole scrape.
      }
    },
  });
}
