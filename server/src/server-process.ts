import type { Logger, ProcessSpec } from "@liveline/core";
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

/** The server role as a process: ROLE=server (API and gateway), or ROLE=all (the default) with the worker beside them. */
export const serverProcess: ProcessSpec<Config, LivelineHandle> = {
  load: loadConfig,
  start: (config: Config, redisUrl: string, logger: Logger) => startLiveline(config, { redisUrl, logger }),
  logFields: (handle) => ({ url: handle.url }),
  started: async (config, handle, logger) => {
    if (config.env === "production" && config.publicUrl === undefined)
      logger.warn(
        "PUBLIC_URL is unset: feed pages go out without canonical or og:url links; set it to the public base URL",
      );
    await greet(config, handle);
  },
  drainSpreadMs: (config) => config.drainSpreadMs,
};
