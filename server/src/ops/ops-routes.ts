import { Router } from "express";
import type { Registry } from "prom-client";
import { buildOpenApi } from "../http/openapi.js";

export interface Readiness {
  /** True once SIGTERM was received: the load balancer should stop sending new work. */
  draining: () => boolean;
  /** Redis answers PING. */
  redis: () => Promise<boolean>;
  /** The publish queue can be read (its keys answer). */
  queue: () => Promise<boolean>;
}

export async function readiness(r: Readiness): Promise<{ ready: boolean; body: Record<string, string> }> {
  if (r.draining()) return { ready: false, body: { status: "draining" } };
  const [redis, queue] = await Promise.all([r.redis().catch(() => false), r.queue().catch(() => false)]);
  return {
    ready: redis && queue,
    body: {
      status: redis && queue ? "ready" : "unavailable",
      redis: redis ? "ok" : "unreachable",
      queue: queue ? "ok" : "unusable",
    },
  };
}

/** `/readyz`, `/metrics` and `/openapi.json`. */
export function opsRoutes(o: { readiness: Readiness; registry: Registry }): Router {
  const r = Router();
  r.get("/readyz", async (_req, res) => {
    const { ready, body } = await readiness(o.readiness);
    res.status(ready ? 200 : 503).json(body);
  });
  r.get("/metrics", async (_req, res) => {
    res.setHeader("content-type", o.registry.contentType);
    res.send(await o.registry.metrics());
  });
  const doc = buildOpenApi();
  r.get("/openapi.json", (_req, res) => {
    res.json(doc);
  });
  return r;
}
