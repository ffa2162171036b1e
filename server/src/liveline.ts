import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis, type RedisOptions } from "ioredis";
import type { Express } from "express";
import { FeedStore, PublishQueue, PublishWorker, createLogger, type Logger } from "@liveline/worker";
import { createApp } from "./app.js";
import type { Config } from "./config.js";
import { SocketDrainer } from "./drain.js";
import { FeedRelay } from "./feed-relay.js";
import { FeedService } from "./feed-service.js";
import { attachGateway, createIo, roomOf, type LivelineIo } from "./gateway.js";
import { pagesRouter } from "./pages/index.js";

export interface LivelineHandle {
  /** Base URL of the HTTP/Socket.IO server (undefined for a worker-only process). */
  readonly url: string | undefined;
  readonly port: number | undefined;
  readonly io: LivelineIo | undefined;
  readonly store: FeedStore;
  readonly queue: PublishQueue;
  readonly worker: PublishWorker | undefined;
  readonly logger: Logger;
  /** Stop taking work, finish what is in hand, close every connection. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** Redis URL to use; required here (main.ts resolves the default/embedded one). */
  redisUrl: string;
  logger?: Logger;
  /** Extra routes (pages, widget, metrics) mounted on the HTTP app. */
  extend?: (app: Express) => void;
}

function redisOptions(url: string, extra: RedisOptions): { url: string; options: RedisOptions } {
  return { url, options: { lazyConnect: false, ...extra } };
}

/**
 * Start the roles the config asks for in this process, against one Redis. Used by `main.ts`
 * and by the tests, so that tests run exactly what production runs.
 */
export async function startLiveline(config: Config, opts: StartOptions): Promise<LivelineHandle> {
  const logger = opts.logger ?? createLogger(config.role, config.logLevel);
  const withServer = config.role === "all" || config.role === "server";
  const withWorker = config.role === "all" || config.role === "worker";
  const connections: Redis[] = [];
  const connect = (name: string, extra: RedisOptions): Redis => {
    const { url, options } = redisOptions(opts.redisUrl, { connectionName: `liveline-${name}`, ...extra });
    const r = new Redis(url, options);
    r.on("error", (err: Error) => logger.debug({ conn: name, err: err.message }, "redis connection error"));
    connections.push(r);
    return r;
  };

  // API reads/writes fail fast while Redis is away, so editors get a 503 instead of a hang.
  const commands = connect("commands", { maxRetriesPerRequest: 1, enableOfflineQueue: true, connectTimeout: 2000 });
  await commands.ping();
  const store = new FeedStore(commands, { keyPrefix: config.keyPrefix, eventLogLength: config.eventLogLength });
  const queue = new PublishQueue({
    connection: connect("queue", { maxRetriesPerRequest: 1, enableOfflineQueue: false }),
    prefix: store.keys.queuePrefix(),
  });
  await queue.queue.waitUntilReady();

  let worker: PublishWorker | undefined;
  if (withWorker) {
    // The worker's own connection retries for ever: accepted changes wait, they are not dropped.
    const workerStore = new FeedStore(connect("worker-store", { maxRetriesPerRequest: null }), {
      keyPrefix: config.keyPrefix,
      eventLogLength: config.eventLogLength,
    });
    worker = new PublishWorker({
      connection: connect("worker", { maxRetriesPerRequest: null }),
      prefix: store.keys.queuePrefix(),
      store: workerStore,
      queue,
      logger: logger.child({ role: "worker" }),
      concurrency: config.workerConcurrency,
      sweepIntervalMs: config.sweepIntervalMs,
    });
  }

  let http: HttpServer | undefined;
  let io: LivelineIo | undefined;
  let relay: FeedRelay | undefined;
  let drainer: SocketDrainer | undefined;
  let port: number | undefined;
  if (withServer) {
    const service = new FeedService(store, queue);
    const app = createApp({
      service,
      editorTokens: config.editorTokens,
      logger: logger.child({ role: "server" }),
      ping: async () => (await commands.ping().catch(() => "")) === "PONG",
      extend: (app) => {
        app.use(pagesRouter({ service, publisherName: config.publisherName, publicUrl: config.publicUrl }));
        opts.extend?.(app);
      },
    });
    http = createServer(app);
    const theIo = createIo(http);
    io = theIo;
    drainer = new SocketDrainer(theIo);
    const draining = drainer;
    // While draining, every HTTP answer closes its connection, so keep-alive clients move on.
    http.prependListener("request", (_req, res) => {
      if (draining.isDraining) res.setHeader("Connection", "close");
    });
    relay = new FeedRelay({
      subscriber: connect("subscriber", { maxRetriesPerRequest: null }),
      store,
      logger: logger.child({ role: "relay" }),
      emit: (feedId, event) => theIo.local.to(roomOf(feedId)).emit("feed:event", event),
      headCheckMs: config.headCheckMs,
    });
    attachGateway(theIo, { service, store, relay, logger: logger.child({ role: "gateway" }) });
    const server = http;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.port, config.host, () => resolve());
    });
    port = (server.address() as AddressInfo).port;
  }

  const url = port === undefined ? undefined : `http://127.0.0.1:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    io,
    store,
    queue,
    worker,
    logger,
    close() {
      closing ??= (async () => {
        // Stop accepting (new TCP connections and new sockets), then hand readers over to the
        // other nodes a batch at a time; events keep flowing to those not yet disconnected.
        const step = (name: string) => logger.info({ step: name }, "closing");
        http?.close();
        step("drain");
        await drainer?.drain(config.drainMs);
        relay?.close();
        // A keep-alive HTTP client that never pauses (an editor's CMS) would hold the server
        // open for ever: idle connections go now, busy ones after a short grace.
        http?.closeIdleConnections();
        const hard = setTimeout(() => http?.closeAllConnections(), 1000);
        step("http");
        if (io) await io.close();
        else if (http) await new Promise((r) => http?.close(r));
        clearTimeout(hard);
        step("worker");
        await worker?.close();
        step("queue");
        await queue.close();
        step("connections");
        await Promise.allSettled(connections.map((c) => c.quit()));
        for (const c of connections) c.disconnect();
      })();
      return closing;
    },
  };
}
