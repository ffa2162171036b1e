// The process entry point: ROLE=all (the default: API, gateway and worker), server or worker.
import { main, runProcess, type Logger } from "@liveline/core";
import { loadWorkerConfig, startWorker, type WorkerHandle } from "@liveline/worker";
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
  if (handle.vapid?.generated === true)
    lines.push(
      `  Web Push key: ${handle.vapid.publicKey}   (generated; set VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY to choose your own)`,
    );
  process.stdout.write(`${lines.join("\n")}\n\n`);
}

/** Each role reads only its own settings: ROLE=worker the worker's, otherwise the server's (and with ROLE=all the worker's too). */
type ProcessConfig = Config | ReturnType<typeof loadWorkerConfig>;

function load(env: NodeJS.ProcessEnv): ProcessConfig {
  return env.ROLE === "worker" ? loadWorkerConfig(env) : loadConfig(env);
}

/** ROLE=worker runs the worker role alone (as `worker/src/main.ts` does); otherwise the server role, and with ROLE=all the worker beside it. */
function start(config: ProcessConfig, redisUrl: string, logger: Logger): Promise<LivelineHandle | WorkerHandle> {
  if (config.role === "worker") return startWorker(config, { redisUrl, logger: logger.child({ role: "worker" }) });
  return startLiveline(config, { redisUrl, logger });
}

main(() =>
  runProcess({
    load,
    start,
    logFields: (handle) => ("url" in handle ? { url: handle.url } : { metricsUrl: handle.metricsUrl }),
    started: async (config, handle, logger) => {
      if (config.role === "worker" || !("url" in handle)) return;
      if (config.env === "production" && config.publicUrl === undefined)
        logger.warn(
          "PUBLIC_URL is unset: feed pages go out without canonical or og:url links; set it to the public base URL",
        );
      await greet(config, handle);
    },
    drainSpreadMs: (config) => (config.role === "worker" ? 0 : config.drainSpreadMs),
  }),
);
