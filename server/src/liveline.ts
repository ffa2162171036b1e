import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { RedisOptions } from "ioredis";
import type { Express } from "express";
import type { Registry } from "prom-client";
import {
  FeedStore,
  PublishQueue,
  PublishWorker,
  createLogger,
  instrumentQueue,
  instrumentWorker,
  type Logger,
  type RedisClient,
} from "@liveline/worker";
import { createApp } from "./app.js";
import type { Config } from "./config.js";
import { SocketDrainer } from "./drain.js";
import { FeedRelay } from "./feed-relay.js";
import { FeedService } from "./feed-service.js";
import { attachGateway, createIo, roomOf, type LivelineIo } from "./gateway.js";
import { pagesRouter } from "./pages/index.js";
import { startMetricsListener, type MetricsListener } from "./metrics-listener.js";
import { ServerMetrics, createRegistry } from "./metrics.js";
import { opsRoutes, type Readiness } from "./ops-routes.js";
import { openRedis, parseRedisTarget } from "./redis-connection.js";
import { SseHub, sseRoutes } from "./sse-stream.js";
import { BacklogWatch, type SlowReaderPolicy } from "./slow-readers.js";
import { RateLimits } from "./rate-limits.js";
import { SocketSecurity } from "./socket-security.js";
import { TokenVerifier } from "./token-verifier.js";

export interface LivelineHandle {
  /** Base URL of the HTTP/Socket.IO server (undefined for a worker-only process). */
  readonly url: string | undefined;
  readonly port: number | undefined;
  readonly io: LivelineIo | undefined;
  readonly store: FeedStore;
  readonly queue: PublishQueue;
  readonly worker: PublishWorker | undefined;
  readonly logger: Logger;
  /** The process's metrics registry (served at /metrics, or on METRICS_PORT for a worker). */
  readonly registry: Registry;
  /** The Express app (undefined for a worker-only process). */
  readonly app: Express | undefined;
  /** ROLE=worker with METRICS_PORT: base URL of its metrics/health listener. */
  readonly metricsUrl: string | undefined;
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
  extend?: (app: Express) => void;
}

/**
 * Start the roles the config asks for in this process, against one Redis. Used by `main.ts`
 * and by the tests, so that tests run exactly what production runs.
 */
export async function startLiveline(config: Config, opts: StartOptions): Promise<LivelineHandle> {
  const logger = opts.logger ?? createLogger(config.role, config.logLevel);
  const withServer = config.role === "all" || config.role === "server";
  const withWorker = config.role === "all" || config.role === "worker";
  const target = parseRedisTarget(opts.redisUrl);
  const cluster = target.kind === "cluster";
  const connections: RedisClient[] = [];
  const connect = (name: string, extra: RedisOptions, sharded = false): RedisClient => {
    const r = openRedis(target, { lazyConnect: false, connectionName: `liveline-${name}`, ...extra }, sharded);
    r.on("error", (err: Error) => logger.debug({ conn: name, err: err.message }, "redis connection error"));
    connections.push(r);
    return r;
  };

  // API reads/writes fail fast while Redis is away, so editors get a 503 instead of a hang.
  const commands = connect("commands", { maxRetriesPerRequest: 1, enableOfflineQueue: true, connectTimeout: 2000 });
  await commands.ping();
  // On a cluster, events go out on sharded pub/sub: the channel lives in its feed's slot.
  const publishCommand = cluster ? "SPUBLISH" : "PUBLISH";
  const store = new FeedStore(commands, {
    keyPrefix: config.keyPrefix,
    eventLogLength: config.eventLogLength,
    publishCommand,
  });
  const queue = new PublishQueue({
    connection: connect("queue", { maxRetriesPerRequest: 1, enableOfflineQueue: false }),
    prefix: store.keys.queuePrefix(),
  });
  await queue.queue.waitUntilReady();
  const registry = createRegistry(config.role);
  instrumentQueue(queue, registry);
  let draining = false;
  const readiness: Readiness = {
    draining: () => draining,
    redis: async () => (await commands.ping()) === "PONG",
    queue: async () => (await queue.queue.getJobCounts("waiting")).waiting !== undefined,
  };

  let worker: PublishWorker | undefined;
  if (withWorker) {
    // The worker's own connection retries for ever: accepted changes wait, they are not dropped.
    const workerStore = new FeedStore(connect("worker-store", { maxRetriesPerRequest: null }), {
      keyPrefix: config.keyPrefix,
      eventLogLength: config.eventLogLength,
      publishCommand,
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
    instrumentWorker(worker, registry);
  }
  let metricsListener: MetricsListener | undefined;
  if (!withServer && config.metricsPort !== undefined) {
    metricsListener = await startMetricsListener(config.metricsPort, config.host, registry, readiness);
  }

  let http: HttpServer | undefined;
  let io: LivelineIo | undefined;
  let relay: FeedRelay | undefined;
  let drainer: SocketDrainer | undefined;
  let port: number | undefined;
  let app: Express | undefined;
  const hub = new SseHub();
  if (withServer) {
    const service = new FeedService(store, queue);
    const verifier = new TokenVerifier({
      staticTokens: config.editorTokens,
      hsSecret: config.jwtSecret,
      publicKeyPem: config.jwtPublicKey,
      jwksUrl: config.jwksUrl,
    });
    const limits = new RateLimits(commands, store.keys, config.rateLimits);
    const security = new SocketSecurity({
      verifier,
      limits,
      origins: config.corsOrigins,
      trustProxy: config.trustProxy,
      logger: logger.child({ role: "gateway" }),
    });
    const metrics = new ServerMetrics(registry);
    const serverLogger = logger.child({ role: "server" });
    const slowReaders: SlowReaderPolicy = {
      maxBacklogBytes: config.maxReaderBacklogBytes,
      graceMs: config.readerBacklogGraceMs,
      onCut: (cut) => {
        metrics.readerCut(cut.transport);
        serverLogger.warn(cut, "reader too far behind; disconnected (it resumes from its last seq)");
      },
    };
    // The relay feeds both the Socket.IO rooms and the SSE streams of this node.
    const theRelay = new FeedRelay({
      subscriber: connect("subscriber", { maxRetriesPerRequest: null }, cluster),
      store,
      logger: logger.child({ role: "relay" }),
      emit: (feedId, event) => {
        io?.local.to(roomOf(feedId)).emit("feed:event", event);
        hub.deliver(feedId, event);
        metrics.observeEmit(event);
        if (io && event.type === "feed.updated" && event.feed.visibility === "private") {
          void security.evictUnauthorized(io, roomOf(feedId), feedId).catch(() => undefined);
        }
      },
      headCheckMs: config.headCheckMs,
      sharded: cluster,
    });
    relay = theRelay;
    app = createApp({
      service,
      verifier,
      limits,
      origins: config.corsOrigins,
      trustProxy: config.trustProxy,
      logger: serverLogger,
      ping: async () => (await commands.ping().catch(() => "")) === "PONG",
      observe: [metrics.writesMiddleware()],
      extend: (a) => {
        a.use(opsRoutes({ readiness, registry }));
        a.use(pagesRouter({ service, publisherName: config.publisherName, publicUrl: config.publicUrl }));
        const sse = { hub, relay: theRelay, store, service, logger: serverLogger };
        a.use(sseRoutes({ ...sse, heartbeatMs: config.sseHeartbeatMs, slowReaders: new BacklogWatch(slowReaders) }));
        opts.extend?.(a);
      },
    });
    http = createServer(app);
    const ioServer = createIo(http, security, slowReaders);
    io = ioServer;
    drainer = new SocketDrainer(ioServer);
    // While draining, every HTTP answer closes its connection, so keep-alive clients move on.
    http.prependListener("request", (_req, res) => {
      if (draining) res.setHeader("Connection", "close");
    });
    metrics.bindGauges({
      sockets: () => ioServer.engine.clientsCount,
      sseStreams: () => hub.size(),
      subscribers: () => {
        const counts = hub.counts();
        for (const [room, members] of ioServer.of("/").adapter.rooms) {
          if (!room.startsWith("feed:")) continue;
          const feedId = room.slice("feed:".length);
          counts.set(feedId, (counts.get(feedId) ?? 0) + members.size);
        }
        return counts;
      },
    });
    attachGateway(ioServer, { service, store, relay: theRelay, security, logger: logger.child({ role: "gateway" }) });
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
    registry,
    app,
    metricsUrl: metricsListener?.url,
    drain() {
      draining = true;
    },
    close() {
      closing ??= (async () => {
        draining = true;
        // Stop accepting (new TCP connections and new sockets), then hand readers over to the
        // other nodes a batch at a time; events keep flowing to those not yet disconnected.
        const step = (name: string) => logger.info({ step: name }, "closing");
        http?.close();
        step("drain");
        await drainer?.drain(config.drainSpreadMs);
        relay?.close();
        hub.closeAll(); // open SSE responses would keep the HTTP server from closing
        await metricsListener?.close();
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
