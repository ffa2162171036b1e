import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import { readiness, type Readiness } from "@liveline/core";

export interface MetricsListener {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * ROLE=worker has no HTTP app; this small listener serves `/metrics`, `/healthz` and
 * `/readyz` for it on METRICS_PORT so Prometheus and orchestrators can reach it.
 */
export async function startMetricsListener(
  port: number,
  host: string,
  registry: Registry,
  ready: Readiness,
): Promise<MetricsListener> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const reply = (status: number, type: string, body: string) => {
      res.writeHead(status, { "content-type": type });
      res.end(body);
    };
    if (req.method !== "GET") return reply(405, "text/plain", "method not allowed\n");
    if (path === "/healthz") return reply(200, "application/json", '{"status":"ok"}');
    if (path === "/metrics") {
      registry.metrics().then(
        (text) => reply(200, registry.contentType, text),
        () => reply(500, "text/plain", "metrics failed\n"),
      );
      return;
    }
    if (path === "/readyz") {
      void readiness(ready).then(({ ready: ok, body }) =>
        reply(ok ? 200 : 503, "application/json", JSON.stringify(body)),
      );
      return;
    }
    reply(404, "text/plain", "not found\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host}:${bound}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
