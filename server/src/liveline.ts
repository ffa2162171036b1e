import type { Express } from "express";
import type { Registry } from "prom-client";
import {
  createLogger,
  createRegistry,
  startParts,
  type FeedStore,
  type Logger,
  type PublishQueue,
} from "@liveline/core";
import { startWorker, type PublishWorker } from "@liveline/worker";
import type { Config } from "./config.js";
import type { LivelineIo } from "./gateway/gateway.js";
import { startServer, type ServerHandle, type StartServerOptions } from "./start-server.js";

export interface LivelineHandle {
  /** Base URL of the HTTP/Socket.IO server. */
  readonly url: string;
  readonly port: number;
  readonly io: LivelineIo;
  readonly store: FeedStore;
  readonly queue: PublishQueue;
  /** The worker role's BullMQ worker, when ROLE=all runs it in this process. */
  readonly worker: PublishWorker | undefined;
  readonly logger: Logger;
  /** The process's metrics registry (served at /metrics; holds the worker's metrics too). */
  readonly registry: Registry;
  readonly app: Express;
  /** The Web Push (VAPID) public key, when Web Push is on (see the outputs in the README). */
  readonly vapid: ServerHandle["vapid"];
  /** Answer 503 on /readyz from now on, so load balancers stop sending new work. */
  drain(): void;
  /** Stop taking work, finish what is in hand, close every connection. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** Redis URL to use; required here (main.ts resolves the default/embedded one). */
  redisUrl: string;
  logger?: Logger;
  /** Extra routes (pages, widget, metrics) mounted on the HTTP app. */
  extend?: StartServerOptions["extend"];
}

/**
 * Start the server role, and with ROLE=all the worker role beside it, against one Redis. Used by
 * `main.ts` and by the tests, so that tests run exactly what production runs. A worker-only
 * process starts with `startWorker` (see `worker/src/main.ts`).
 *
 * The worker starts first and closes last: a leaving node hands its readers over while the
 * jobs in hand finish, and a change accepted during the drain is still applied.
 */
export function startLiveline(config: Config, opts: StartOptions): Promise<LivelineHandle> {
  const logger = opts.logger ?? createLogger(config.role, config.logLevel);
  return startParts(logger, async (parts) => {
    // One registry: the server's /metrics serves the worker's metrics too.
    const registry = createRegistry(config.role);
    const worker =
      config.role === "all"
        ? await parts.add(
            await startWorker(config, { redisUrl: opts.redisUrl, logger: logger.child({ role: "worker" }), registry }),
          )
        : undefined;
    const server = await parts.add(
      await startServer(config, {
        redisUrl: opts.redisUrl,
        logger,
        registry,
        ...(opts.extend ? { extend: opts.extend } : {}),
      }),
    );
    return {
      url: server.url,
      port: server.port,
      io: server.io,
      store: server.store,
      queue: server.queue,
      worker: worker?.worker,
      logger,
      registry,
      app: server.app,
      vapid: server.vapid,
      drain() {
        server.drain();
        worker?.drain();
      },
      close: () => parts.close(),
    };
  });
}
