import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import type { Part, ReadinessReport } from "@liveline/core";

/**
 * ROLE=worker has no HTTP app; this small listener serves `/metrics`, `/healthz` and
 * `/readyz` for it on METRICS_PORT so Prometheus and orchestrators can reach it. A part of the
 * worker's process: it listens when started and stops listening first when the process closes.
 */
export class MetricsListener implements Part {
  readonly name = "metrics";
  private readonly server: Server;

  constructor(
    private readonly port: number,
    private readonly host: string,
    registry: Registry,
    readiness: () => Promise<ReadinessReport>,
  ) {
    this.server = createServer((req, res) => {
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
        void readiness().then(({ ready: ok, body }) => reply(ok ? 200 : 503, "application/json", JSON.stringify(body)));
        return;
      }
      reply(404, "text/plain", "not found\n");
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.port, this.host, () => resolve());
    });
  }

  /** The listener's base URL, once started. */
  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    const host = this.host;
    return `http://${host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`;
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}
