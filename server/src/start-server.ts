import { randomUUID } from "node:crypto";
import type { Server as HttpServer } from "node:http";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import type { Express } from "express";
import type { Registry } from "prom-client";
import {
  FeedStore,
  PublishQueue,
  RedisConnections,
  createRegistry,
  instrumentQueue,
  instrumentRedis,
  queuePart,
  redisPart,
  startParts,
  subscriptionsOn,
  talksToPrimary,
  within,
  type Logger,
  type Part,
  type Parts,
} from "@liveline/core";
import { createApp } from "./http/app.js";
import { connectionsPart, createHttpServer, listenerPart } from "./http/http-server.js";
import type { Config } from "./config.js";
import { serverRoutes } from "./server-routes.js";
import { SocketDrainer } from "./gateway/drain.js";
import { FeedRelay } from "./reader/feed-relay.js";
import { FeedService } from "./feed/feed-service.js";
import { attachGateway, createIo, type LivelineIo } from "./gateway/gateway.js";
import { NodeFanOut } from "./reader/fan-out.js";
import type { ReaderContext } from "./reader/attach-reader.js";
import { ServerMetrics } from "./ops/metrics.js";
import { SseHub } from "./sse/sse-stream.js";
import type { SlowReaderPolicy } from "./reader/slow-readers.js";
import { RateLimits } from "./http/rate-limits.js";
import { SocketSecurity } from "./gateway/socket-security.js";
import { TokenVerifier } from "./auth/token-verifier.js";
import { FileMediaStorage } from "./media/file-storage.js";
import { MediaService } from "./media/media-service.js";
import type { MediaStorage } from "./media/media-storage.js";
import { EmbedResolver } from "./embeds/embed-resolver.js";
import { OembedClient } from "./embeds/oembed-client.js";
import { countReaders, totalPerFeed, type ReaderCount } from "./presence/reader-counts.js";
import { PresenceStore } from "./presence/presence-store.js";
import { PresenceReporter } from "./presence/presence-reporter.js";
import { AudienceStore } from "./presence/audience-store.js";
import { AudienceSampler } from "./presence/audience-sampler.js";
import { outputsHttp, type OutputsHttp } from "./outputs/index.js";
import { Outbound } from "@liveline/outputs";
import { AccountStore } from "./accounts/account-store.js";
import { SsoClient } from "./accounts/sso-client.js";

export interface ServerHandle extends Part {
  readonly url: string;
  readonly port: number;
  readonly io: LivelineIo;
  readonly app: Express;
  readonly store: FeedStore;
  readonly queue: PublishQueue;
  readonly service: FeedService;
  readonly registry: Registry;
  /** The Web Push (VAPID) public key, when Web Push is on. */
  readonly vapid: OutputsHttp["vapid"];
  /** Answer 503 on /readyz from now on, so load balancers stop sending new work. */
  drain(): void;
  /** Stop accepting, hand readers over a batch at a time, close every connection. */
  close(): Promise<void>;
}

export interface StartServerOptions {
  redisUrl: string;
  logger: Logger;
  /** An embedder's own routes, mounted on the HTTP app after the operations. */
  extend?: (app: Express) => void;
  /** The process's registry, when the worker role shares the process (its metrics are served here too). */
  registry?: Registry;
}

/**
 * The server role: the HTTP API (accept a change into Redis, enqueue it, answer 202), the
 * reader transports (Socket.IO gateway, SSE, pages) fed by one relay, and /metrics.
 *
 * Its parts, in the order they start; they close in reverse, which is how a node leaves: stop
 * accepting, hand its readers over a batch at a time, stop the presence timers and the relay,
 * end the SSE streams and the HTTP connections, then close the queues and Redis.
 */
export function startServer(config: Config, opts: StartServerOptions): Promise<ServerHandle> {
  const logger = opts.logger;
  const serverLogger = logger.child({ role: "server" });
  return startParts(logger, async (parts) => {
    // Embeds' oEmbed lookups go out through the same guard as webhooks and push (no private addresses).
    const outbound = new Outbound({
      allowPrivate: config.outputs.allowPrivateOutbound,
      timeoutMs: config.outputs.outboundTimeoutMs,
    });
    await parts.add({ name: "outbound", close: () => outbound.close() });
    // The S3 client is loaded only when it is configured: it is a sixth of a server's start-up CPU.
    const mediaStorage =
      config.mediaS3 === undefined
        ? new FileMediaStorage(join(config.dataDir, "media"))
        : new (await import("./media/s3-storage.js")).S3MediaStorage(config.mediaS3);
    await parts.add({ name: "media", close: () => mediaStorage.close() });

    const { redis, cluster, commands, queueConnection, subscriber, subscriberName, onPrimary, store, queue, registry } =
      await openRedis(config, opts, parts);
    const { media, service } = feedService(config, { commands, store, queue }, outbound, mediaStorage, serverLogger);
    const outputs = await outputsHttp({ settings: config.outputs, env: config.env, redis, commands, store, service });
    await parts.add({ name: "outputs", close: () => outputs.close() });

    const { verifier, limits, accounts, sso, security } = editorAccess(config, { commands, store }, logger);
    const metrics = new ServerMetrics(registry);
    const presence = new PresenceStore(commands, store.keys, {
      nodeTtlMs: PresenceReporter.ttlMs(config.presence.intervalMs),
      editorTtlMs: config.presence.editorTtlMs,
    });
    const audience = new AudienceStore(commands, store.keys);
    const slowReaders: SlowReaderPolicy = {
      maxBacklogBytes: config.maxReaderBacklogBytes,
      graceMs: config.readerBacklogGraceMs,
      onCut: (cut) => {
        metrics.readerCut(cut.transport);
        serverLogger.warn(cut, "reader too far behind; disconnected (it resumes from its last seq)");
      },
    };
    const hub = new SseHub();
    const relay = new FeedRelay({
      subscriber,
      store,
      logger: logger.child({ role: "relay" }),
      // To this node's readers (`fanOut`, below, once the Socket.IO server exists: a feed is
      // relayed only once a reader has asked for it, which needs that server).
      emit: (feedId, event) => fanOut.deliver(feedId, event),
      reset: (notice) => fanOut.reset(notice),
      headCheckMs: config.headCheckMs,
      headChecksPerSecond: config.headChecksPerSecond,
      sharded: cluster,
    });
    const subscribed = within(2000, async () => {
      const { connected, channels } = relay.health();
      if (!connected) return false;
      // No channel yet (or a Cluster, whose subscribers sit on every shard): connected is all.
      if (channels === 0 || cluster) return true;
      return ((await subscriptionsOn(commands, RedisConnections.clientName(subscriberName))) ?? 0) >= channels;
    });
    instrumentRedis(registry, {
      commands: onPrimary,
      queue: within(2000, () => talksToPrimary(queueConnection)),
      subscriber: subscribed,
    });
    // Every transport attaches its readers through these (reader/attach-reader.ts).
    const readers: ReaderContext = { service, relay };
    const app = createApp({
      verifier,
      sessions: accounts,
      limits,
      origins: config.corsOrigins,
      trustProxy: config.trustProxy,
      logger: serverLogger,
      observe: (operation, res) => metrics.observeOperation(operation, res),
      ...(opts.extend ? { extend: opts.extend } : {}),
      handlers: serverRoutes({
        config,
        service,
        media,
        readers,
        hub,
        slowReaders,
        presence,
        audience,
        outputs,
        accounts,
        sso,
        limits,
        registry,
        readiness: () => parts.readiness(),
        commands,
        logger: serverLogger,
      }),
    });
    const http: HttpServer = createHttpServer(app, config.httpTimeouts, serverLogger, () => parts.isDraining);
    const io = createIo(http, security, slowReaders);
    const grants = attachGateway(io, { readers, security, logger: logger.child({ role: "gateway" }) });
    // The relay feeds both the Socket.IO rooms and the SSE streams of this node.
    const fanOut = new NodeFanOut(io, hub, metrics, security, grants);
    metrics.bindGauges({
      sockets: () => io.engine.clientsCount,
      sseStreams: () => hub.size(),
      subscribers: () => totalPerFeed(countReaders(io, hub)),
      catchUps: () => service.catchUpCounts(),
    });
    await parts.add(connectionsPart(http, () => io.close()));
    // Open SSE responses would keep the HTTP server from closing.
    await parts.add({ name: "sse", close: () => hub.closeAll() });
    await parts.add({ name: "relay", ready: subscribed, notReady: "not_subscribed", close: () => relay.close() });

    await addReaderCounts(config, parts, {
      presence,
      audience,
      count: () => countReaders(io, hub),
      logger: serverLogger,
    });

    // Leaving, a node hands its readers over to the other nodes a batch at a time; events keep
    // flowing to those not yet disconnected.
    const drainer = new SocketDrainer(io);
    await parts.add({
      name: "readers",
      close: async () => {
        await drainer.drain(config.drainSpreadMs);
      },
    });
    await parts.add(listenerPart(http, { port: config.port, host: config.host, backlog: config.listenBacklog }));

    const port = (http.address() as AddressInfo).port;
    return {
      name: "server role",
      url: `http://127.0.0.1:${port}`,
      port,
      io,
      app,
      store,
      queue,
      service,
      registry,
      vapid: outputs.vapid,
      drain: () => parts.drain(),
      close: () => parts.close(),
    };
  });
}

/**
 * The node's Redis connections (commands, queue, subscriber), the feed store and the queue, as
 * parts: Redis ready once its commands reach the primary, the queue closed before Redis.
 */
async function openRedis(config: Config, opts: StartServerOptions, parts: Parts) {
  const logger = opts.logger;
  const redis = new RedisConnections(opts.redisUrl, logger);
  const cluster = redis.cluster;
  // API reads/writes fail fast while Redis is away, so editors get a 503 instead of a hang.
  const commands = redis.openCommands();
  const queueConnection = redis.open("queue", { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  // Named per node, so that the primary's CLIENT LIST tells this node's subscriber apart.
  const subscriberName = `subscriber-${randomUUID().slice(0, 8)}`;
  const subscriber = redis.open(subscriberName, { maxRetriesPerRequest: null }, cluster);
  // The truth /readyz and liveline_redis_up tell: after a failover a node whose connections still
  // answer PING somewhere, but not on the primary, delivers nothing
  // (docs/operations.md#redis-sentinel-high-availability).
  const onPrimary = within(2000, () => talksToPrimary(commands));
  await parts.add(
    redisPart(redis, {
      ready: onPrimary,
      start: async () => {
        await commands.ping();
      },
    }),
  );

  const store = new FeedStore(commands, {
    keyPrefix: config.keyPrefix,
    eventLogLength: config.eventLogLength,
    publishCommand: redis.publishCommand,
    replicaAcks: config.replicaAcks,
    nudgeQuietMs: config.nudgeQuietMs,
  });
  const queue = new PublishQueue({ connection: queueConnection, prefix: store.keys.queuePrefix() });
  await parts.add(queuePart(queue));
  const registry = opts.registry ?? createRegistry(config.role);
  instrumentQueue(queue, registry);
  return { redis, cluster, commands, queueConnection, subscriber, subscriberName, onPrimary, store, queue, registry };
}

type Data = Awaited<ReturnType<typeof openRedis>>;

/** The write path: the feed service, with media and, where providers are configured, embeds. */
function feedService(
  config: Config,
  { commands, store, queue }: Pick<Data, "commands" | "store" | "queue">,
  outbound: Outbound,
  mediaStorage: MediaStorage,
  serverLogger: Logger,
) {
  const media = new MediaService(mediaStorage, serverLogger.child({ role: "media" }));
  const embeds =
    config.oembed.endpoints.size === 0
      ? undefined
      : new EmbedResolver({
          client: new OembedClient(outbound, config.oembed.endpoints),
          media,
          redis: commands,
          keys: store.keys,
          mediaBase: (config.publicUrl ?? "").replace(/\/$/, ""),
          timeoutMs: config.oembed.timeoutMs,
          logger: serverLogger.child({ role: "embeds" }),
        });
  const service = new FeedService(store, queue, {
    media,
    publicUrl: config.publicUrl,
    ...(embeds ? { embeds } : {}),
  });
  return { media, service };
}

/** Who an editor or a reader is and how much each may do, over HTTP and over sockets. */
function editorAccess(config: Config, { commands, store }: Pick<Data, "commands" | "store">, logger: Logger) {
  const verifier = new TokenVerifier({
    staticTokens: config.editorTokens,
    staticNames: config.editorNames,
    hsSecret: config.jwtSecret,
    publicKeyPem: config.jwtPublicKey,
    jwksUrl: config.jwksUrl,
  });
  const limits = new RateLimits(store, commands, config.rateLimits);
  const accounts = new AccountStore(commands, store.keys.accounts);
  const sso = config.sso === undefined ? undefined : new SsoClient(config.sso, commands, store.keys.accounts);
  const security = new SocketSecurity({
    verifier,
    limits,
    origins: config.corsOrigins,
    trustProxy: config.trustProxy,
    logger: logger.child({ role: "gateway" }),
  });
  return { verifier, limits, accounts, sso, security };
}

/**
 * This node's readers, reported for /stats on every node (server/src/presence), and readers over
 * time: one node per interval records every feed's summed readers.
 */
async function addReaderCounts(
  config: Config,
  parts: Parts,
  {
    presence,
    audience,
    count,
    logger,
  }: {
    presence: PresenceStore;
    audience: AudienceStore;
    count: () => Map<string, ReaderCount>;
    logger: Logger;
  },
): Promise<void> {
  const nodeId = randomUUID();
  const reporter = new PresenceReporter({
    store: presence,
    nodeId,
    count,
    intervalMs: config.presence.intervalMs,
    logger,
  });
  await parts.add({ name: "presence", start: () => reporter.start(), close: () => reporter.stop() });
  const sampler = new AudienceSampler({
    audience,
    presence,
    nodeId,
    sampleMs: config.audience.sampleMs,
    keepMs: config.audience.keepHours * 3_600_000,
    logger,
  });
  await parts.add({ name: "audience", start: () => sampler.start(), close: () => sampler.stop() });
}
