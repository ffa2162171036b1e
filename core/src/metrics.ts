import { Gauge, Registry, collectDefaultMetrics } from "prom-client";
import type { PublishQueue } from "./publish-queue.js";

/**
 * How often (ms) the event loop's delay is sampled for `liveline_nodejs_eventloop_lag_*`. Each
 * sample is a timer that wakes the process: at prom-client's default of 10 ms, a hundred wake-ups
 * a second in every process, idle or not, about half of what an idle process costs
 * (docs/performance-notes.md#an-idle-process-wakes-a-dozen-times-a-second-not-a-hundred-2026-12-07-late-evening).
 * Ten samples a second still catch every stall of 100 ms or more.
 */
export const EVENT_LOOP_SAMPLE_MS = 100;

/** One registry per process, with the role as a default label and Node's own metrics. */
export function createRegistry(role: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ role });
  collectDefaultMetrics({
    register: registry,
    prefix: "liveline_",
    eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS,
  });
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
