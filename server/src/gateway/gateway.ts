import { ServerResponse, type IncomingMessage, type Server as HttpServer } from "node:http";
import { Server, type Socket } from "socket.io";
import {
  LIMITS,
  SubscribeRequest,
  UnsubscribeRequest,
  type ClientToServerEvents,
  type InterServerEvents,
  type ServerToClientEvents,
  type SocketData,
  type SubscribeAck,
  type UnsubscribeAck,
  type WireError,
} from "@liveline/protocol";
import type { FeedStore, Logger } from "@liveline/core";
import { LivelineError } from "../errors.js";
import type { FeedService } from "../feed/feed-service.js";
import type { FeedRelay } from "../reader/feed-relay.js";
import { OneFrameAdapter, oneFrameAdapter } from "./one-frame-adapter.js";
import type { SlowReaderPolicy } from "../reader/slow-readers.js";
import { CoalescedReads } from "../reader/coalesced-reads.js";
import type { SocketSecurity } from "./socket-security.js";

export type LivelineIo = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
type LivelineSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export const roomOf = (feedId: string): string => `feed:${feedId}`;

/** Most feeds one connection may follow at once. */
export const MAX_SUBSCRIPTIONS_PER_SOCKET = 50;

export interface GatewayOptions {
  service: FeedService;
  store: FeedStore;
  relay: FeedRelay;
  logger: Logger;
  /** Connection/subscribe limits, handshake tokens and private feeds (issue 5). */
  security?: SocketSecurity;
}

/**
 * The Socket.IO server readers connect to. `slowReaders` caps what may wait in memory for one
 * reader (MAX_READER_BACKLOG_BYTES, READER_BACKLOG_GRACE_MS); without it nothing is capped.
 */
export function createIo(
  httpServer: HttpServer,
  security?: SocketSecurity,
  slowReaders?: SlowReaderPolicy,
): LivelineIo {
  const io = new Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>(httpServer, {
    serveClient: false,
    // Socket payloads are tiny ({ feedId, since }); anything large is hostile.
    maxHttpBufferSize: 16 * 1024,
    // Compressing each ~1 KB event per reader costs more CPU than it saves bandwidth.
    perMessageDeflate: false,
    cors: { origin: true, credentials: false },
    // Origins are checked for every transport (CORS alone does not cover WebSocket upgrades).
    allowRequest: refuseOldProtocol(security?.allowRequest),
    pingInterval: 25_000,
    pingTimeout: 20_000,
    // A broadcast is one write per reader, and a same-tick burst one write for all of it (see
    // one-frame-adapter.ts; the README's Benchmark has what each part saves).
    adapter: slowReaders === undefined ? OneFrameAdapter : oneFrameAdapter(slowReaders),
  });
  releaseUpgradeRequests(io);
  return io;
}

type AllowRequest = (req: IncomingMessage, cb: (err: string | null | undefined, ok: boolean) => void) => void;

/**
 * Only Engine.IO v4 (Socket.IO 3 and 4 clients) is spoken; `allowEIO3` stays off. engine.io
 * refuses a v3 polling handshake itself (400 `{"code":5,"message":"Unsupported protocol version"}`)
 * but checks a WebSocket handshake's version only after completing the upgrade, so a socket.io 2.x
 * client would see its socket open and then drop. Refusing it here, before the upgrade, answers a
 * plain HTTP 400 that says why.
 */
function refuseOldProtocol(next: AllowRequest | undefined): AllowRequest {
  return (req, cb) => {
    const query = new URL(req.url ?? "/", "http://localhost").searchParams;
    if (query.get("transport") === "websocket" && query.get("EIO") !== "4") {
      cb("Unsupported protocol version: this server speaks Engine.IO 4 (Socket.IO 3 and 4 clients)", false);
    } else if (next) next(req, cb);
    else cb(null, true);
  };
}

/**
 * engine.io keeps the HTTP request that opened each connection (headers, raw headers, stream
 * state) for the connection's whole life, twice over for WebSocket upgrades. Nothing reads it
 * once the handshake and the namespace middleware are done, so both references are dropped:
 * about 0.9 KB of heap per reader (heap snapshots of a server holding 10,000 readers).
 */
function releaseUpgradeRequests(io: LivelineIo): void {
  io.engine.use((_req: IncomingMessage, res: ServerResponse | { req: unknown }, next: (err?: unknown) => void) => {
    next();
    // Only engine.io middlewares use the response's request (to set headers), and this is the
    // only one. An upgrade's response object lives as long as the connection (the socket's close
    // listener holds it), so its copy of the request goes; plain HTTP responses keep theirs.
    if (!(res instanceof ServerResponse)) res.req = null;
  });
  io.on("connection", (socket) => {
    // The handshake (address, headers, auth) was copied when the socket was created.
    (socket.conn as { request: unknown }).request = null;
  });
}

function toWire(err: unknown): WireError {
  if (err instanceof LivelineError) return { code: err.code, message: err.message };
  return { code: "unavailable", message: "could not subscribe right now, retry later" };
}

/** Whether following `feedId` too would take a connection past MAX_SUBSCRIPTIONS_PER_SOCKET. */
function overLimit(feeds: ReadonlySet<string>, feedId: string): boolean {
  return !feeds.has(feedId) && feeds.size >= MAX_SUBSCRIPTIONS_PER_SOCKET;
}

const TOO_MANY_FEEDS: SubscribeAck = {
  ok: false,
  error: { code: "rate_limited", message: `at most ${MAX_SUBSCRIPTIONS_PER_SOCKET} feeds per connection` },
};

/** The answer to a payload its schema refused: its first issue, as `validation_failed`. */
function validationFailed(error: { issues: readonly { message: string }[] }): { ok: false; error: WireError } {
  return { ok: false, error: { code: "validation_failed", message: error.issues[0]?.message ?? "invalid" } };
}

/** Socket.IO puts the ack callback last, however many arguments a (hostile) client sent. */
function splitAck(args: unknown[]): { payload: unknown; ack: unknown } {
  const last = args.at(-1);
  return typeof last === "function"
    ? { payload: args.length > 1 ? args[0] : undefined, ack: last }
    : { payload: args[0], ack: undefined };
}

/** The reader-facing Socket.IO protocol: `subscribe`, `unsubscribe`, and `feed:event` pushes. */
export function attachGateway(io: LivelineIo, options: GatewayOptions): void {
  const { service, store, logger, security } = options;
  if (security) io.use(security.middleware);
  // A burst of readers on one feed shares its reads (each still gets one taken after it joined).
  const feeds = new CoalescedReads((feedId) => service.getFeed(feedId));
  const snapshots = new CoalescedReads((feedId) => service.snapshot(feedId));

  /** A reader's `subscribe`: join the feed's room, then answer with where to start from. */
  async function subscribe(socket: LivelineSocket, args: unknown[]): Promise<void> {
    const { payload, ack } = splitAck(args);
    if (typeof ack !== "function") return;
    const reply = ack as (a: SubscribeAck) => void;
    const parsed = SubscribeRequest.safeParse(payload);
    if (!parsed.success) {
      reply(validationFailed(parsed.error));
      return;
    }
    const { feedId, since, token } = parsed.data;
    // Checked before the reads (no Redis work for a connection at its limit) and again when the
    // feed is added, since other subscribes of this connection may have added feeds meanwhile.
    if (overLimit(socket.data.feeds, feedId)) {
      reply(TOO_MANY_FEEDS);
      return;
    }
    try {
      security?.beforeSubscribe(socket);
      const feed = await feeds.get(feedId);
      await security?.authorizeRead(socket, feed, token);
      // A reader that left while this subscribe waited gets nothing: its disconnect has already
      // released what the connection held. Whether the feed is new to the connection is decided
      // now, not before the reads, as two subscribes to one feed may be under way at once.
      if (socket.disconnected) return;
      if (overLimit(socket.data.feeds, feedId)) {
        reply(TOO_MANY_FEEDS);
        return;
      }
      if (!socket.data.feeds.has(feedId)) {
        socket.data.feeds.add(feedId);
        try {
          await options.relay.watch(feedId);
        } catch (err) {
          socket.data.feeds.delete(feedId);
          throw err;
        }
        // Gone while the relay subscribed: the disconnect has let go of the watch, and a room
        // joined now would keep the socket's id for good.
        if (socket.disconnected) return;
        // Join before reading: every event after the answer's seq then reaches the socket.
        await socket.join(roomOf(feedId));
      }
      if (socket.disconnected) return;
      if (since !== undefined) {
        const r = await store.eventsSince(feedId, since, LIMITS.maxCatchUpEvents);
        if (r.kind === "events") {
          reply({ ok: true, feed: { ...feed, seq: r.seq }, seq: r.seq, events: r.events });
          return;
        }
      }
      const snap = await snapshots.get(feedId);
      reply({ ok: true, feed: { ...feed, seq: snap.seq }, seq: snap.seq, entries: snap.entries, reset: true });
    } catch (err) {
      if (!(err instanceof LivelineError)) logger.warn({ feedId, err: (err as Error).message }, "subscribe failed");
      reply({ ok: false, error: toWire(err) });
    }
  }

  async function unsubscribe(socket: LivelineSocket, args: unknown[]): Promise<void> {
    const { payload, ack } = splitAck(args);
    const reply = typeof ack === "function" ? (ack as (a: UnsubscribeAck) => void) : () => undefined;
    const parsed = UnsubscribeRequest.safeParse(payload);
    if (!parsed.success) {
      reply(validationFailed(parsed.error));
      return;
    }
    const { feedId } = parsed.data;
    if (socket.data.feeds.delete(feedId)) {
      await socket.leave(roomOf(feedId));
      options.relay.unwatch(feedId);
    }
    reply({ ok: true });
  }

  // The same three listeners serve every connection: EventEmitter calls a listener with the
  // socket it is attached to as `this`. Closures made per connection would cost ~0.2 KB of heap
  // per reader (heap snapshots at 3,000 readers).
  function onSubscribe(this: LivelineSocket, ...args: unknown[]): Promise<void> {
    return subscribe(this, args);
  }
  function onUnsubscribe(this: LivelineSocket, ...args: unknown[]): Promise<void> {
    return unsubscribe(this, args);
  }
  function onDisconnect(this: LivelineSocket): void {
    for (const feedId of this.data.feeds) options.relay.unwatch(feedId);
    this.data.feeds.clear();
  }

  io.on("connection", (socket: LivelineSocket) => {
    socket.data.feeds = new Set();
    socket.on("subscribe", onSubscribe);
    socket.on("unsubscribe", onUnsubscribe);
    socket.on("disconnect", onDisconnect);
  });
}
