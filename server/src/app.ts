import { randomUUID } from "node:crypto";
import express, { type Express } from "express";
import { LIMITS } from "@liveline/protocol";
import type { Logger } from "@liveline/worker";
import { publicReadCors } from "./cors.js";
import { errorMiddleware, notFoundHandler } from "./errors.js";
import type { FeedService } from "./feed-service.js";
import { httpRoutes } from "./http-routes.js";

export interface AppOptions {
  service: FeedService;
  editorTokens: readonly string[];
  logger: Logger;
  /** Answers whether Redis is reachable, for /healthz. */
  ping: () => Promise<boolean>;
  /** Extra routers mounted before the 404 handler (pages, widget, metrics …). */
  extend?: (app: Express) => void;
}

export function createApp(options: AppOptions): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", "loopback");
  app.set("query parser", "simple");

  app.use((req, res, next) => {
    const given = req.get("x-request-id");
    res.setHeader("x-request-id", given !== undefined && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID());
    next();
  });

  app.get("/healthz", async (_req, res) => {
    const redis = await options.ping();
    res.status(redis ? 200 : 503).json({ status: redis ? "ok" : "degraded", redis: redis ? "ok" : "unreachable" });
  });

  app.use("/v1", publicReadCors);
  app.use("/v1", express.json({ limit: LIMITS.maxBodyBytes, strict: true }));
  app.use("/v1", httpRoutes({ service: options.service, editorTokens: options.editorTokens }));
  options.extend?.(app);
  app.use(notFoundHandler);
  app.use(errorMiddleware(options.logger));
  return app;
}
