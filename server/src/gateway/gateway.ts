import { ServerResponse, type IncomingMessage, type Server as HttpServer } from "node:http";
import { Server } from "socket.io";
import {
  RefreshRequest,
  SubscribeRequest,
  UnsubscribeRequest,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type EventsResponse,
  type Feed,
  type RefreshAck,
  type SubscribeAck,
  type UnsubscribeAck,
  type WireError,
} from "@liveline/protocol";
import type { Logger } from "@liveline/core";
import { SOCKET_PING_INTERVAL_MS } from "../config.js";
import { LivelineError } from "../errors.js";
import { attachReader, detachReader, type ReaderContext, type ReaderSink } from "../reader/attach-reader.js";
import { OneFrameAdapter, oneFrameAdapter } from "./one-frame-adapter.js";
import type { SlowReaderPolicy } from "../reader/slow-readers.js";
import type { SocketSecurity } from "./socket-security.js";
import { ReadGrants } from "./read-grants.js";
import type { InterServerEvents, LivelineIo, LivelineSocket, SocketData } from "./socket-types.js";
import type { Principal } from "../auth/principal.js";

export type { LivelineIo };

export const roomOf = (feedId: string): string => `feed:${feedId}`;

/** Most feeds one connection may follow at once. */
export const MAX_SUBSCRIPTIONS_PER_SOCKET = 50;

export interface GatewayOptions {
  /** Where readers are attached from: the feed service's reads and the relay. */
  readers: ReaderContext;
  logger: Logger;
  /** Connection/subscribe limits, handshake tokens and private feeds (docs/security.md). */
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
    pingInterval: SOCKET_PING_INTERVAL_MS,
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

const TOO_MANY_FEEDS = new LivelineError(
  "rate_limited",
  `at most ${MAX_SUBSCRIPTIONS_PER_SOCKET} feeds per connection`,
);
const TOO_MANY_FEEDS_ACK: SubscribeAck = { ok: false, error: toWire(TOO_MANY_FEEDS) };

/** What a reader hears when its token ran out before a `refresh` (see ReadGrants). */
const TOKEN_EXPIRED: WireError = {
  code: "token_expired",
  message: "the token for this feed has expired; subscribe again with a fresh token and since",
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

/** Off the feed's room and out of the connection's feeds (its relay reference goes with it). */
function leaveFeed(socket: LivelineSocket, feedId: string): void {
  socket.data.feeds.delete(feedId);
  socket.data.readAs?.delete(feedId);
  void socket.leave(roomOf(feedId));
}

/**
 * One `subscribe` of a socket, as attachReader sees it. The socket holds the relay reference, so
 * a second subscribe to a feed the connection follows holds nothing more; what a connection
 * follows is `socket.data.feeds` and the feeds' rooms, where NodeFanOut's broadcast finds it.
 */
export class SocketReader implements ReaderSink {
  constructor(
    readonly holder: LivelineSocket,
    private readonly feedId: string,
    /** Who reads: the subscribe's token, else the connection's (handshake or last `refresh`). */
    private readonly principal: Principal | undefined,
    private readonly reply: (answer: SubscribeAck) => void,
    private readonly options: GatewayOptions,
    /** Where a private feed's right to read is kept until its token's `exp` (none: it never ends). */
    private readonly grants?: ReadGrants,
  ) {}

  gone(): boolean {
    return this.holder.disconnected;
  }

  authorize(feed: Feed): void {
    const security = this.options.security;
    if (security === undefined) return;
    const until = security.authorizeRead(feed, this.principal);
    if (feed.visibility === "private") this.grants?.grant(this.holder, feed.id, until);
    else if (this.principal !== undefined && this.principal !== this.holder.data.principal)
      (this.holder.data.readAs ??= new Map()).set(feed.id, this.principal);
  }

  async join(): Promise<boolean> {
    const feeds = this.holder.data.feeds;
    if (feeds.has(this.feedId)) return false;
    // Counted again here, in the same step as the add: other subscribes of this connection
    // may have added feeds while this one read the feed.
    if (overLimit(feeds, this.feedId)) throw TOO_MANY_FEEDS;
    feeds.add(this.feedId);
    await this.holder.join(roomOf(this.feedId));
    return true;
  }

  leave(): void {
    leaveFeed(this.holder, this.feedId);
  }

  caughtUp(feed: Feed, answer: EventsResponse): void {
    const { seq, epoch } = answer;
    if ("reset" in answer) {
      this.reply({ ok: true, feed: { ...feed, seq }, seq, epoch, entries: answer.entries, reset: true });
    } else this.reply({ ok: true, feed: { ...feed, seq }, seq, epoch, events: answer.events });
  }

  failed(err: unknown): void {
    if (!(err instanceof LivelineError)) {
      this.options.logger.warn({ feedId: this.feedId, err: (err as Error).message }, "subscribe failed");
    }
    this.reply({ ok: false, error: toWire(err) });
  }
}

/**
 * The reader-facing Socket.IO protocol: `subscribe`, `unsubscribe`, and `feed:event` / `feed:reset`
 * pushes. Answers the connections' grants of private feeds (for a feed that turns private).
 */
export function attachGateway(io: LivelineIo, options: GatewayOptions): ReadGrants {
  const { readers, security } = options;
  if (security) io.use(security.middleware);
  const grants = new ReadGrants((socket, feedId) => {
    detachReader(readers.relay, feedId, socketHold(socket, feedId));
    socket.emit("feed:error", { feedId, error: TOKEN_EXPIRED });
  });

  /** A reader's `subscribe`: attach it to the feed, answering with where to start from. */
  function subscribe(socket: LivelineSocket, args: unknown[]): void {
    const { payload, ack } = splitAck(args);
    if (typeof ack !== "function") return;
    const reply = ack as (a: SubscribeAck) => void;
    const parsed = SubscribeRequest.safeParse(payload);
    if (!parsed.success) {
      reply(validationFailed(parsed.error));
      return;
    }
    const { feedId, since, epoch, token } = parsed.data;
    // Refused before any Redis work; counted again when the feed is added (SocketReader.join).
    if (overLimit(socket.data.feeds, feedId)) {
      reply(TOO_MANY_FEEDS_ACK);
      return;
    }
    try {
      security?.beforeSubscribe(socket);
    } catch (err) {
      reply({ ok: false, error: toWire(err) });
      return;
    }
    // The disposer is not kept: a socket that disconnects mid-attach is seen by the attach
    // (`gone`), and afterwards `unsubscribe` and `disconnect` detach it the same way.
    const attach = (principal: Principal | undefined): void => {
      attachReader(
        readers,
        feedId,
        { since, epoch },
        new SocketReader(socket, feedId, principal, reply, options, grants),
      );
    };
    if (token === undefined || security === undefined) {
      attach(socket.data.principal);
      return;
    }
    // A subscribe's token is checked before the feed is read, as HTTP checks a bearer token
    // before the route: a bad token answers the same for every feed, known or not.
    security.verify(token).then(attach, (err: unknown) => reply({ ok: false, error: toWire(err) }));
  }

  /** A fresh token for the connection: later subscribes use it, and private subscriptions run on. */
  function refresh(socket: LivelineSocket, args: unknown[]): void {
    const { payload, ack } = splitAck(args);
    const reply = typeof ack === "function" ? (ack as (a: RefreshAck) => void) : () => undefined;
    const parsed = RefreshRequest.safeParse(payload);
    if (!parsed.success) {
      reply(validationFailed(parsed.error));
      return;
    }
    if (security === undefined) {
      reply({ ok: true });
      return;
    }
    try {
      security.beforeSubscribe(socket);
    } catch (err) {
      reply({ ok: false, error: toWire(err) });
      return;
    }
    security.verify(parsed.data.token).then(
      (principal) => {
        if (socket.disconnected) return;
        socket.data.principal = principal;
        grants.extend(socket, principal);
        reply({ ok: true });
      },
      (err: unknown) => reply({ ok: false, error: toWire(err) }),
    );
  }

  function unsubscribe(socket: LivelineSocket, args: unknown[]): void {
    const { payload, ack } = splitAck(args);
    const reply = typeof ack === "function" ? (ack as (a: UnsubscribeAck) => void) : () => undefined;
    const parsed = UnsubscribeRequest.safeParse(payload);
    if (!parsed.success) {
      reply(validationFailed(parsed.error));
      return;
    }
    const { feedId } = parsed.data;
    if (socket.data.feeds.has(feedId)) detachReader(readers.relay, feedId, socketHold(socket, feedId));
    reply({ ok: true });
  }

  // The same listeners serve every connection: EventEmitter calls a listener with the
  // socket it is attached to as `this`. Closures made per connection would cost ~0.2 KB of heap
  // per reader (heap snapshots at 3,000 readers).
  function onSubscribe(this: LivelineSocket, ...args: unknown[]): void {
    subscribe(this, args);
  }
  function onUnsubscribe(this: LivelineSocket, ...args: unknown[]): void {
    unsubscribe(this, args);
  }
  function onRefresh(this: LivelineSocket, ...args: unknown[]): void {
    refresh(this, args);
  }
  function onDisconnect(this: LivelineSocket): void {
    grants.forget(this);
    // A Set's iteration survives deleting the entry it is on (leaveFeed does).
    for (const feedId of this.data.feeds) detachReader(readers.relay, feedId, socketHold(this, feedId));
  }

  io.on("connection", (socket: LivelineSocket) => {
    socket.data.feeds = new Set();
    socket.on("subscribe", onSubscribe);
    socket.on("unsubscribe", onUnsubscribe);
    socket.on("refresh", onRefresh);
    socket.on("disconnect", onDisconnect);
  });
  return grants;
}

/** What detachReader needs to take a socket off a feed, outside a subscribe (unsubscribe, disconnect). */
function socketHold(socket: LivelineSocket, feedId: string): { holder: object; leave(): void } {
  return { holder: socket, leave: () => leaveFeed(socket, feedId) };
}
