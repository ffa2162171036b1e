import { io, type Socket } from "socket.io-client";
import { SOCKET_EVENTS } from "@liveline/protocol/constants";
import type {
  ClientToServerEvents,
  FeedErrorNotice,
  FeedEvent,
  FeedResetNotice,
  RefreshAck,
  RefreshRequest,
  ServerToClientEvents,
  SubscribeAck,
  SubscribeRequest,
  UnsubscribeRequest,
} from "@liveline/protocol";

/** Who ended a connection: the app (`disconnect()`), the server on purpose (a drain), or the network. */
export type CloseInitiator = "client" | "server" | "network";

/** What a transport reports to the client that owns it. */
export interface TransportHandlers {
  /** The connection is up; subscribes may be sent. */
  open(): void;
  /** The connection went down after it was up. */
  close(initiator: CloseInitiator, detail: string): void;
  /** A connection attempt failed; `code` is the server's error code when it refused the handshake. */
  connectError(error: { code?: string; message: string }): void;
  /** A live `feed:event` of any subscribed feed. */
  event(event: FeedEvent): void;
  /** A `feed:reset`: a subscribed feed's history was lost (its log has a new epoch). */
  reset(notice: FeedResetNotice): void;
  /** `feed:error`: the server ended one subscription (e.g. its token expired). */
  feedError(notice: FeedErrorNotice): void;
}

export interface TransportOptions {
  /** The server to connect to. */
  url: string;
  /** @see ClientOptions.path */
  path: string;
  /** @see ClientOptions.transports */
  transports: ("websocket" | "polling")[];
  /** Handshake credentials, asked for before every connection attempt. */
  auth: () => Promise<{ token?: string }>;
}

/**
 * One connection to one server, as the client sees it. The client owns reconnection and
 * resume, so a transport never reconnects by itself: after a failure or a close it waits for
 * `connect()`. Implement it to run the SDK over another wire, or to test the SDK without a
 * server; the default is {@link socketIoTransport}.
 */
export interface Transport {
  /** An id of the connection while it is up (for logs). */
  readonly id: string | undefined;
  readonly connected: boolean;
  /** Start a connection attempt; the outcome comes through `open` or `connectError`. */
  connect(): void;
  /** Close the connection; no `close` handler call follows. */
  disconnect(): void;
  /** Send `subscribe`; rejects when no answer came within `timeoutMs`. */
  subscribe(payload: SubscribeRequest, timeoutMs: number): Promise<SubscribeAck>;
  /** Send `unsubscribe`, without waiting for its answer. */
  unsubscribe(payload: UnsubscribeRequest): void;
  /**
   * Send `refresh` (a fresh token for the connection); rejects when no answer came within
   * `timeoutMs`. Optional: without it the client subscribes again with the fresh token.
   */
  refresh?(payload: RefreshRequest, timeoutMs: number): Promise<RefreshAck>;
  /** Close and stop reporting to the handlers: the client is done with this transport. */
  destroy(): void;
}

/** Makes a transport for one server URL; the client calls it again when it moves to another URL. */
export type TransportFactory = (options: TransportOptions, handlers: TransportHandlers) => Transport;

type LivelineSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** The default transport: socket.io-client, with its own reconnection turned off. */
export const socketIoTransport: TransportFactory = (options, handlers) => {
  const socket: LivelineSocket = io(options.url, {
    autoConnect: false,
    // Called by socket.io-client before every connection attempt.
    auth: (cb: (data: object) => void) => {
      void options.auth().then(cb, () => cb({}));
    },
    // Reconnection is the client's: full-jitter backoff and resume from the last seq per feed.
    reconnection: false,
    forceNew: true,
    transports: options.transports,
    path: options.path,
  });
  socket.on("connect", () => handlers.open());
  socket.on("disconnect", (reason) => {
    if (reason === "io client disconnect") return;
    handlers.close(reason === "io server disconnect" ? "server" : "network", reason);
  });
  socket.on("connect_error", (err) => {
    // The server's middleware refuses a handshake with `{ data: { code } }` (see the README).
    const code = (err as Error & { data?: { code?: unknown } }).data?.code;
    handlers.connectError(typeof code === "string" ? { code, message: err.message } : { message: err.message });
  });
  socket.on(SOCKET_EVENTS.feedEvent, (event: FeedEvent) => handlers.event(event));
  socket.on(SOCKET_EVENTS.feedReset, (notice: FeedResetNotice) => handlers.reset(notice));
  socket.on(SOCKET_EVENTS.feedError, (notice: FeedErrorNotice) => handlers.feedError(notice));
  return {
    get id() {
      return socket.id;
    },
    get connected() {
      return socket.connected;
    },
    connect: () => void socket.connect(),
    disconnect: () => void socket.disconnect(),
    subscribe: (payload, timeoutMs) =>
      new Promise<SubscribeAck>((resolve, reject) => {
        socket.timeout(timeoutMs).emit(SOCKET_EVENTS.subscribe, payload, (err: Error | null, ack: SubscribeAck) => {
          if (err) reject(err);
          else resolve(ack);
        });
      }),
    unsubscribe: (payload) => void socket.emit(SOCKET_EVENTS.unsubscribe, payload, () => undefined),
    refresh: (payload, timeoutMs) =>
      new Promise<RefreshAck>((resolve, reject) => {
        socket.timeout(timeoutMs).emit(SOCKET_EVENTS.refresh, payload, (err: Error | null, ack: RefreshAck) => {
          if (err) reject(err);
          else resolve(ack);
        });
      }),
    destroy: () => {
      socket.off();
      socket.disconnect();
    },
  };
};
