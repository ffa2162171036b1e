// The process entry point: ROLE=all (the default: API, gateway and worker), server or worker.
import { main, runProcess, type Logger } from "@liveline/core";
import { startWorker, type WorkerHandle } from "@liveline/worker";
import { loadConfig, type Config } from "./config.js";
import { DEMO_FEED_ID, ensureDemoFeed } from "./feed/demo-feed.js";
import { FeedService } from "./feed/feed-service.js";
import { startLiveline, type LivelineHandle } from "./liveline.js";

/** What a person starting the service needs: where it is, and the token it generated. */
async function greet(config: Config, handle: LivelineHandle): Promise<void> {
  const base = config.publicUrl ?? `http://localhost:${handle.port}`;
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

/** ROLE=worker runs the worker role alone (as `worker/src/main.ts` does); otherwise the server role, and with ROLE=all the worker beside it. */
function start(config: Config, redisUrl: string, logger: Logger): Promise<LivelineHandle | WorkerHandle> {
  if (config.role === "worker") return startWorker(config, { redisUrl, logger: logger.child({ role: "worker" }) });
  return startLiveline(config, { redisUrl, logger });
}

main(() =>
  runProcess({
    load: loadConfig,
    start,
    logFields: (handle) => ("url" in handle ? { url: handle.url } : { metricsUrl: handle.metricsUrl }),
    started: async (config, handle, logger) => {
      if ("url" in handle && config.env === "production" && config.publicUrl === undefined)
        logger.warn(
          "PUBLIC_URL is unset: feed pages go out without canonical or og:url links; set it to the public base URL",
        );
      if ("url" in handle) await greet(config, handle);
    },
    drainDelayMs: (config) => config.drainDelayMs,
    drainSpreadMs: (config) => config.drainSpreadMs,
  }),
);
