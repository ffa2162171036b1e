import type { Registry } from "prom-client";
import type { ReadinessReport } from "@liveline/core";
import { buildOpenApi } from "../http/openapi.js";
import type { Handlers } from "../http/operation-router.js";

/** `/healthz`, `/readyz`, `/metrics` and `/openapi.json`. */
export function opsRoutes(o: {
  /** The process's readiness: every part's, and not draining (core/src/parts.ts). */
  readiness: () => Promise<ReadinessReport>;
  registry: Registry;
  /** Whether Redis answers, for /healthz. */
  ping: () => Promise<boolean>;
}): Handlers<"getHealth" | "getReadiness" | "getMetrics" | "getOpenApi"> {
  const doc = buildOpenApi();
  return {
    getHealth: async () => {
      const redis = await o.ping();
      const body = { status: redis ? "ok" : "degraded", redis: redis ? "ok" : "unreachable" } as const;
      return { status: redis ? 200 : 503, body };
    },
    getReadiness: async ({ res }) => {
      const { ready, body } = await o.readiness();
      res.status(ready ? 200 : 503).json(body);
      return undefined;
    },
    getMetrics: async ({ res }) => {
      res.setHeader("content-type", o.registry.contentType);
      res.send(await o.registry.metrics());
      return undefined;
    },
    getOpenApi: () => ({ status: 200, body: doc }),
  };
}
