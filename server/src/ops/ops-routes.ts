import { Router } from "express";
import type { Registry } from "prom-client";
import { readiness, type Readiness } from "@liveline/core";
import { buildOpenApi } from "../http/openapi.js";

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
