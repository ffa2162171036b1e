import { io, type Socket } from "socket.io-client";
import type {
  ClientToServerEvents,
  FeedEvent,
  ServerToClientEvents,
  SubscribeAck,
  WireError,
} from "@liveline/protocol";
import { fullJitterDelay } from "./backoff.js";
import { Subscription, type SubscriptionHost } from "./subscription.js";
import { TokenSource, type GetToken } from "./token-source.js";
import { TypedEmitter } from "./typed-emitter.js";

export type ConnectionState = "disconnected" | "connecting" | "connected";

export interface ClientOptions {
  /** Base URL of a Liveline server, e.g. `https://live.example.com`. */
  url: string;
  /** Connect as soon as the client is created. @default true */
  autoConnect?: boolean;
  /** Smallest reconnect backoff ceiling, in ms. @default 500 */
  minReconnectDelay?: number;
  /** Largest reconnect backoff ceiling, in ms. @default 20000 */
  maxReconnectDelay?: number;
  /** How long a seq gap may stay open before the missing range is requested, in ms. @default 1000 */
  gapTimeout?: number;
  /** How long to wait for a subscribe answer, in ms. @default 10000 */
  subscribeTimeout?: number;
  /** Transports, in order of preference. @default ["websocket", "polling"] */
  transports?: ("websocket" | "polling")[];
  /** Socket.IO path. @default "/socket.io" */
  path?: string;
  /**
   * Supplies a subscriber token for private feeds (a short-lived JWT from your backend). It is
   * called before connecting, again shortly before the token's `exp`, and after the server
   * answered `unauthorized` or `token_expired`. The token goes in the handshake's `auth.token`
   * and in each subscribe.
   * @example getToken: async () => (await fetch("/live-token")).text()
   */
  getToken?: GetToken;
}

export interface StateChange {
  state: ConnectionState;
  previous: ConnectionState;
}

export interface ClientEvents {
  [event: string]: unknown[];
  state: [change: StateChange];
  error: [error: WireError | { code: "transport_error"; message: string }];
}

type LivelineSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * A connection to Liveline that keeps any number of feed subscriptions alive.
 *
 * @example
 * const client = new LivelineClient({ url: "https://live.example.com" });
 * const sub = client.subscribe("election-night");
 * sub.on("entries", (entries) => render(entries));
 */
export class LivelineClient extends TypedEmitter<ClientEvents> implements SubscriptionHost {
  private readonly socket: LivelineSocket;
  private readonly subs = new Map<string, Subscription>();
  private readonly opts: Required<Omit<ClientOptions, "autoConnect" | "getToken">>;
  private readonly tokens: TokenSource | undefined;
  /** Set after the server refused our token: fetch a new one before the next attempt. */
  private refreshToken = false;
  /** Feeds whose subscribe was refused for the token and retried once with a fresh one. */
  private readonly authRetried = new Set<string>();
  private currentState: ConnectionState = "disconnected";
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private wanted = false;
  /** Feeds that were subscribed on the current connection (so a resubscribe is a resume). */
  private readonly confirmed = new Set<string>();

  constructor(options: ClientOptions) {
    super();
    this.opts = {
      url: options.url,
      minReconnectDelay: options.minReconnectDelay ?? 500,
      maxReconnectDelay: options.maxReconnectDelay ?? 20_000,
      gapTimeout: options.gapTimeout ?? 1000,
      subscribeTimeout: options.subscribeTimeout ?? 10_000,
      transports: options.transports ?? ["websocket", "polling"],
      path: options.path ?? "/socket.io",
    };
    const getToken = options.getToken;
    this.tokens =
      getToken === undefined
        ? undefined
        : new TokenSource(getToken, (message) => this.emit("error", { code: "transport_error", message }));
    this.socket = io(this.opts.url, {
      autoConnect: false,
      // Called by socket.io-client before every connection attempt.
      auth: (cb: (data: object) => void) => {
        const tokens = this.tokens;
        if (tokens === undefined) return cb({});
        const force = this.refreshToken;
        this.refreshToken = false;
        void tokens.get(force).then((token) => cb(token === undefined ? {} : { token }));
      },
      // Reconnection is ours: full-jitter backoff and resume from the last seq per feed.
      reconnection: false,
      transports: this.opts.transports,
      path: this.opts.path,
    });
    this.socket.on("connect", () => this.onConnect());
    this.socket.on("disconnect", (reason) => this.onDisconnect(reason));
    this.socket.on("connect_error", (err) => this.onConnectError(err));
    this.socket.on("feed:event", (event: FeedEvent) => this.subs.get(event.feedId)?.handleEvent(event));
    if (options.autoConnect ?? true) this.connect();
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  /** The socket id while connected (useful in logs). */
  get id(): string | undefined {
    return this.socket.id;
  }

  connect(): void {
    this.wanted = true;
    if (this.currentState !== "disconnected") return;
    this.setState("connecting");
    this.socket.connect();
  }

  /** Close the connection; subscriptions are kept and resume on the next `connect()`. */
  disconnect(): void {
    this.wanted = false;
    this.clearReconnect();
    this.socket.disconnect();
    this.setState("disconnected");
  }

  /** Disconnect and forget every subscription. */
  close(): void {
    for (const s of this.subs.values()) s.dispose();
    this.subs.clear();
    this.tokens?.dispose();
    this.disconnect();
    this.removeAllListeners();
  }

  /** Follow a feed. Subscribing twice to the same feed returns the same subscription. */
  subscribe(feedId: string): Subscription {
    const existing = this.subs.get(feedId);
    if (existing?.isActive) return existing;
    const sub = new Subscription(feedId, this, this.opts.gapTimeout);
    this.subs.set(feedId, sub);
    if (this.currentState === "connected") this.requestSubscribe(sub);
    return sub;
  }

  subscription(feedId: string): Subscription | undefined {
    return this.subs.get(feedId);
  }

  /** @internal */
  requestSubscribe(sub: Subscription): void {
    if (this.currentState !== "connected" || this.subs.get(sub.feedId) !== sub) return;
    const resumed = this.confirmed.has(sub.feedId) || sub.seq !== undefined;
    const token = this.tokens?.current();
    const payload = token === undefined ? sub.subscribePayload() : { ...sub.subscribePayload(), token };
    this.socket
      .timeout(this.opts.subscribeTimeout)
      .emit("subscribe", payload, (err: Error | null, ack: SubscribeAck) => {
        if (!sub.isActive || this.subs.get(sub.feedId) !== sub) return;
        if (err) {
          // No answer in time: try again later on this connection, or on the next one.
          this.emit("error", { code: "transport_error", message: "subscribe timed out" });
          setTimeout(
            () => this.requestSubscribe(sub),
            fullJitterDelay(1, this.opts.minReconnectDelay, this.opts.maxReconnectDelay),
          );
          return;
        }
        const tokens = this.tokens;
        const refused = !ack.ok && (ack.error.code === "unauthorized" || ack.error.code === "token_expired");
        if (refused && tokens !== undefined && !this.authRetried.has(sub.feedId)) {
          // Once per refusal streak: fetch a fresh token and ask again.
          this.authRetried.add(sub.feedId);
          void tokens.get(true).then(() => this.requestSubscribe(sub));
          return;
        }
        if (ack.ok) {
          this.confirmed.add(sub.feedId);
          this.authRetried.delete(sub.feedId);
        }
        sub.handleAck(ack, resumed);
      });
  }

  /** @internal */
  requestUnsubscribe(sub: Subscription): void {
    if (this.subs.get(sub.feedId) !== sub) return;
    this.subs.delete(sub.feedId);
    this.confirmed.delete(sub.feedId);
    sub.dispose();
    if (this.currentState === "connected") {
      this.socket.emit("unsubscribe", { feedId: sub.feedId }, () => undefined);
    }
  }

  private onConnect(): void {
    this.attempt = 0;
    this.confirmed.clear();
    this.authRetried.clear();
    this.setState("connected");
    for (const sub of this.subs.values()) this.requestSubscribe(sub);
  }

  private onDisconnect(reason: string): void {
    this.confirmed.clear();
    if (!this.wanted || reason === "io client disconnect") {
      this.setState("disconnected");
      return;
    }
    this.setState("connecting");
    this.scheduleReconnect();
  }

  private onConnectError(err: Error): void {
    const code = (err as Error & { data?: { code?: unknown } }).data?.code;
    if (code === "unauthorized" || code === "token_expired" || code === "rate_limited") {
      if (code !== "rate_limited") this.refreshToken = true;
      this.emit("error", { code, message: err.message });
    } else {
      this.emit("error", { code: "transport_error", message: err.message });
    }
    if (!this.wanted) return;
    this.setState("connecting");
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer !== undefined) return;
    const delay = fullJitterDelay(this.attempt, this.opts.minReconnectDelay, this.opts.maxReconnectDelay);
    this.attempt += 1;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.wanted && !this.socket.connected) this.socket.connect();
    }, delay);
  }

  private clearReconnect(): void {
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
  }

  private setState(state: ConnectionState): void {
    if (state === this.currentState) return;
    const previous = this.currentState;
    this.currentState = state;
    this.emit("state", { state, previous });
  }
}
