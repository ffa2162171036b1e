import { Counter, Histogram, type Registry } from "prom-client";
import type { PublishWorker } from "./publish-worker.js";

/**
 * Worker metrics on the process's registry: jobs processed by result (a drain job applies every
 * feed of its slot that is behind), how long a job took, the events emitted, and changes set aside. Hooks onto BullMQ's and the worker's events, so the worker code
 * stays unaware of metrics.
 */
export function instrumentWorker(worker: PublishWorker, registry: Registry): void {
  const jobs = new Counter({
    name: "liveline_worker_jobs_total",
    help: "Publish-queue jobs (drain, release, apply) finished by this worker process, by result",
    labelNames: ["result"] as const,
    registers: [registry],
  });
  const events = new Counter({
    name: "liveline_worker_events_emitted_total",
    help: "Feed events written and published by this worker process",
    registers: [registry],
  });
  const duration = new Histogram({
    name: "liveline_worker_apply_duration_seconds",
    help: "Time from a worker taking an apply job to finishing it",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const deadLetters = new Counter({
    name: "liveline_dead_letters_total",
    help: "Accepted changes this worker process set aside because they could not be applied, by reason",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  deadLetters.inc({ reason: "unreadable" }, 0);
  deadLetters.inc({ reason: "retries_exhausted" }, 0);
  worker.events.on("set-aside", ({ reason }) => deadLetters.inc({ reason }));
  jobs.inc({ result: "completed" }, 0);
  jobs.inc({ result: "failed" }, 0);
  worker.worker.on("completed", (job) => {
    jobs.inc({ result: "completed" });
    if (job.processedOn !== undefined && job.finishedOn !== undefined) {
      duration.observe(Math.max(0, job.finishedOn - job.processedOn) / 1000);
    }
  });
  worker.events.on("applied", ({ emitted }) => events.inc(emitted));
  worker.worker.on("failed", () => jobs.inc({ result: "failed" }));
}
