import { createLogger } from "@liveline/worker";
import { ConfigError, loadConfig } from "./config.js";
import { DEMO_FEED_ID, ensureDemoFeed } from "./demo-feed.js";
import { FeedService } from "./feed-service.js";
import { startLiveline } from "./liveline.js";
import { resolveRedis, type ResolvedRedis } from "./redis-launcher.js";

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
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
  const redisUrl = redis.url;

  const handle = await startLiveline(config, { redisUrl, logger });
  logger.info(
    {
      role: config.role,
      url: handle.url,
      metricsUrl: handle.metricsUrl,
      redis: redisUrl.replace(/\/\/[^@]*@/, "//***@"),
    },
    "liveline started",
  );
  if (handle.url !== undefined) {
    const base = config.publicUrl ?? `http://localhost:${handle.port ?? config.port}`;
    const lines = ["", `  Liveline is running at ${base}`, `  Health:       ${base}/healthz`];
    if (config.env === "development") {
      await ensureDemoFeed(new FeedService(handle.store, handle.queue));
      lines.push(`  Demo page:    ${base}/feeds/${DEMO_FEED_ID}`);
    }
    lines.push(`  Console:      ${base}/console`);
    if (config.generatedToken)
      lines.push(`  Editor token: ${config.editorTokens[0] ?? ""}   (generated; set EDITOR_TOKENS to choose your own)`);
    process.stdout.write(`${lines.join("\n")}\n\n`);
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, drainDelayMs: config.drainDelayMs }, "shutting down");
    // /readyz answers 503 first, so load balancers stop routing here before sockets close;
    // then readers are handed over during DRAIN_SPREAD_MS. Past both plus 10 s, exit hard.
    handle.drain();
    const force = setTimeout(
      () => {
        logger.error({ signal }, "shutdown did not finish in time, exiting");
        process.exit(1);
      },
      config.drainDelayMs + config.drainSpreadMs + 10_000,
    );
    force.unref();
    void new Promise((r) => setTimeout(r, config.drainDelayMs))
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

main().catch((err: unknown) => {
  process.stderr.write(`liveline: failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
