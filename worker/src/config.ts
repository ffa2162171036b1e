import type { z } from "zod";
import { CoreEnv, Int, OptionalPort, coreConfig, parseEnv, type CoreConfig } from "@liveline/core";
import { OutputsEnv, outputsSettings, type OutputsSettings } from "@liveline/outputs";

/** The worker role's own section of the environment. */
export const WorkerEnv = {
  WORKER_CONCURRENCY: Int(8, 1, 256),
  SWEEP_INTERVAL_MS: Int(5000, 100, 600_000),
  METRICS_PORT: OptionalPort,
  ...OutputsEnv,
} as const;

export interface WorkerSettings {
  /** Apply jobs run at once in this process; feeds stay in order whatever the value. */
  readonly workerConcurrency: number;
  /** How often a worker looks for feeds whose accepted changes are not being applied. */
  readonly sweepIntervalMs: number;
  /** ROLE=worker: port of the small HTTP listener serving /metrics, /healthz and /readyz. */
  readonly metricsPort: number | undefined;
  /** The output pipeline: push, alerts, webhooks (docs/outputs.md). */
  readonly outputs: OutputsSettings;
}

export type WorkerConfig = CoreConfig & WorkerSettings;

export function workerSettings(c: z.infer<z.ZodObject<typeof WorkerEnv>>): WorkerSettings {
  return {
    workerConcurrency: c.WORKER_CONCURRENCY,
    sweepIntervalMs: c.SWEEP_INTERVAL_MS,
    metricsPort: c.METRICS_PORT,
    outputs: outputsSettings(c),
  };
}

/**
 * The configuration of a worker-only process (`node worker/dist/main.js`): the shared section
 * and the worker's own. Every bad value is reported at once; the result is frozen.
 */
export function loadWorkerConfig(env: NodeJS.ProcessEnv | Record<string, string | undefined>): WorkerConfig {
  const c = parseEnv({ ...CoreEnv, ...WorkerEnv }, env);
  return Object.freeze({ ...coreConfig(c), role: "worker" as const, ...workerSettings(c) });
}
