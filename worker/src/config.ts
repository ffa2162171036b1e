import { z } from "zod";
import { CoreSettings, Int, OptionalPort, parseEnv, type CoreConfig } from "@liveline/core";
import { OutputsSettings } from "@liveline/outputs";

/** The worker role's own section of the environment; the settings type is inferred from the transform. */
export const WorkerSettings = z
  .object({
    /** Apply jobs run at once in this process; feeds stay in order whatever the value. */
    WORKER_CONCURRENCY: Int(8, 1, 256),
    /** How often a worker looks for feeds whose accepted changes are not being applied. */
    SWEEP_INTERVAL_MS: Int(5000, 100, 600_000),
    /** ROLE=worker: port of the small HTTP listener serving /metrics, /healthz and /readyz. */
    METRICS_PORT: OptionalPort,
  })
  .transform((c) => ({
    workerConcurrency: c.WORKER_CONCURRENCY,
    sweepIntervalMs: c.SWEEP_INTERVAL_MS,
    metricsPort: c.METRICS_PORT,
  }));

export type WorkerSettings = z.output<typeof WorkerSettings>;

/** What the worker role runs on: the shared section, its own, and the output pipeline's. */
export type WorkerConfig = CoreConfig & Readonly<WorkerSettings> & { readonly outputs: OutputsSettings };

/**
 * The configuration of a worker-only process (`node worker/dist/main.js`, or ROLE=worker): the
 * shared section, the worker's own and the outputs'. Every bad value is reported at once; the
 * result is frozen.
 */
export function loadWorkerConfig(
  env: NodeJS.ProcessEnv | Record<string, string | undefined>,
): WorkerConfig & { readonly role: "worker" } {
  const s = parseEnv({ core: CoreSettings, worker: WorkerSettings, outputs: OutputsSettings }, env);
  return Object.freeze({ ...s.core, role: "worker" as const, ...s.worker, outputs: s.outputs });
}
