import type { CoreConfig } from "./config.js";
import { ConfigError } from "./config.js";
import { createLogger, type Logger } from "./logger.js";
import { resolveRedis, type ResolvedRedis } from "./redis-launcher.js";

/** What a process entry point runs: a started role (or several) that can drain and close. */
export interface RunningRoles {
  drain(): void;
  close(): Promise<void>;
}

export interface ProcessSpec<C extends CoreConfig, H extends RunningRoles> {
  /** Read and validate the environment (throws ConfigError). */
  load(env: NodeJS.ProcessEnv): C;
  start(config: C, redisUrl: string, logger: Logger): Promise<H>;
  /** Fields of the "liveline started" log line (URLs the process serves). */
  logFields?(handle: H): Record<string, unknown>;
  /** After start: print what a person needs (URLs, tokens). */
  started?(config: C, handle: H, logger: Logger): Promise<void>;
  /** After SIGTERM/SIGINT: how long handing readers over may take (DRAIN_DELAY_MS comes first). */
  drainSpreadMs?(config: C): number;
}

/**
 * The shared life of a Liveline process (server, worker or both): validate the configuration
 * (exit 2 with every problem listed), find or launch Redis, start, and on SIGTERM/SIGINT answer
 * 503 on /readyz, wait DRAIN_DELAY_MS, close gracefully, and exit; past the drain time plus
 * 10 s, exit hard.
 */
export async function runProcess<C extends CoreConfig, H extends RunningRoles>(spec: ProcessSpec<C, H>): Promise<void> {
  let config: C;
  try {
    config = spec.load(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`liveline: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.role, config.logLevel);

  let redis: ResolvedRedis;
  try {
    redis = await resolveRedis(config.redisUrl, config.dataDir);
  } catch (err) {
    process.stderr.write(`liveline: ${(err as Error).message}\n`);
    process.exit(1);
  }
  if (redis.source === "embedded")
    logger.info({ url: redis.url, dataDir: config.dataDir }, "started an embedded redis-server");
  const handle = await spec.start(config, redis.url, logger);
  const redisShown = redis.url.replace(/\/\/[^@]*@/, "//***@");
  logger.info({ role: config.role, ...spec.logFields?.(handle), redis: redisShown }, "liveline started");
  await spec.started?.(config, handle, logger);

  const drainDelayMs = config.drainDelayMs;
  const drainSpreadMs = spec.drainSpreadMs?.(config) ?? 0;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, drainDelayMs }, "shutting down");
    // /readyz answers 503 first, so load balancers stop routing here before sockets close;
    // then readers are handed over during DRAIN_SPREAD_MS. Past both plus 10 s, exit hard.
    handle.drain();
    const force = setTimeout(
      () => {
        logger.error({ signal }, "shutdown did not finish in time, exiting");
        process.exit(1);
      },
      drainDelayMs + drainSpreadMs + 10_000,
    );
    force.unref();
    void new Promise((r) => setTimeout(r, drainDelayMs))
      .then(() => handle.close())
      .then(() => redis.embedded?.stop())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err: (err as Error).message }, "shutdown failed");
          process.exit(1);
        },
      );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

/** Run a process entry point, reporting a failure to start on stderr with exit code 1. */
export function main(run: () => Promise<void>): void {
  run().catch((err: unknown) => {
    process.stderr.write(`liveline: failed to start: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
