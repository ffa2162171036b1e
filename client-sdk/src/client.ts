import type { FeedErrorNotice, SubscribeAck, WireError } from "@liveline/protocol";
import { TOKEN_REFUSED_CODES } from "@liveline/protocol/constants";
import { fullJitterDelay } from "./backoff.js";
import { defaultFetch, fetchCatchUp, type FetchLike } from "./http-catch-up.js";
import type { ConnectionState, ConnectionStateReason, StateChange } from "./states.js";
import { Subscription, type SubscriptionHost } from "./subscription.js";
import { TokenSource, type GetToken } from "./token-source.js";
import { socketIoTransport, type Transport, type TransportFactory } from "./transport.js";
import { TypedEmitter } from "./typed-emitter.js";

export type { ConnectionState, StateChange } from "./states.js";

export interface ClientOptions {
  /**
   * Base URL of a Liveline server, e.g. `https://live.example.com`, or several servers (or
   * regions) tried in turn: each reconnect attempt after a failure or a server-side disconnect
   * goes to the next URL of the list, so readers of a node that dies or drains move on.
   */
  url: string | readonly string[];
  /** Connect as soon as the client is created. @default true */
  autoConnect?: boolean;
  /** Smallest reconnect backoff ceiling, in ms. @default 500 */
  minReconnectDelay?: number;
  /** Largest reconnect backoff ceiling, in ms. @default 20000 */
  maxReconnectDelay?: number;
  /** How long a seq gap may stay open before the missing range is requested, in ms. @default 1000 */
  gapTimeout?: number;
  /**
   * While the socket cannot connect (from its second failed attempt until it connects again),
   * every feed is caught up over HTTP this often, in ms, whatever the reconnect backoff has grown
   * to: a reader behind a proxy that blocks WebSocket, or of a dead node, stays current. @default 3000
   */
  httpCatchUpInterval?: number;
  /** How long to wait for a subscribe answer, in ms. @default 10000 */
  subscribeTimeout?: number;
  /** Transports, in order of preference. @default ["websocket", "polling"] */
  transports?: ("websocket" | "polling")[];
  /** Socket.IO path. @default "/socket.io" */
  path?: string;
  /**
   * Supplies a subscriber token for private feeds (a short-lived JWT from your backend). It is
   * called before connecting, again shortly before the token's `exp`, and after the server
   * answered `unauthorized`, `token_expired` or (private feeds the token does not cover answer
   * as unknown ones) `feed_not_found`. The token goes in the handshake's `auth.token` and in each
   * subscribe; a fresh one before `exp` is sent as `refresh`, since the server ends a private
   * subscription when its token expires.
   * @example getToken: async () => (await fetch("/live-token")).text()
   */
  getToken?: GetToken;
  /**
   * fetch used for HTTP catch-up (`GET /v1/feeds/:feedId/events?since=`) when a gap must be
   * filled while the socket is down or its answer is slow; `null` turns it off.
   * @default globalThis.fetch when the platform has one
   */
  fetch?: FetchLike | null;
  /**
   * Base URL for HTTP catch-up, e.g. a CDN in front of `/v1/feeds/:feedId/events` (complete
   * pages are cacheable). @default the server URL in use
   */
  catchUpUrl?: string;
  /**
   * Makes the connection to a server. Replace it to run over another wire, or to test an app
   * (or this SDK) without a server. @default socketIoTransport (socket.io-client)
   */
  transport?: TransportFactory;
}

export interface ClientEvents {
  [event: string]: unknown[];
  state: [change: StateChange];
  error: [error: WireError | { code: "transport_error"; message: string }];
}

type TokenRefusedCode = (typeof TOKEN_REFUSED_CODES)[number];
/** The server refused the token (not the reader): a fresh token may get in. */
const tokenRefused = (code: string): code is TokenRefusedCode =>
  (TOKEN_REFUSED_CODES as readonly string[]).includes(code);
/** A subscribe refused this way may go through with a fresh token (private feeds answer as unknown ones). */
const fixableByToken = (code: string): boolean => tokenRefused(code) || code === "feed_not_found";

/**
 * A connection to Liveline that keeps any number of feed subscriptions alive.
 *
 * @example
 * const client = new LivelineClient({ url: "https://live.example.com" });
 * const sub = client.subscribe("election-night");
 * sub.on("entries", (entries) => render(entries));
 */
export class LivelineClient extends TypedEmitter<ClientEvents> implements SubscriptionHost {
  private readonly makeTransport: TransportFactory;
  private transport: Transport;
  private readonly subs = new Map<string, Subscription>();
  private readonly opts: Required<
    Omit<ClientOptions, "autoConnect" | "url" | "fetch" | "catchUpUrl" | "getToken" | "transport">
  >;
  private readonly catchUpUrl: string | undefined;
  private readonly urls: readonly string[];
  private urlIndex = 0;
  private readonly fetchImpl: FetchLike | undefined;
  private readonly httpInFlight = new Set<Subscription>();
  private readonly tokens: TokenSource | undefined;
  /** Set after the server refused our token: fetch a new one before the next attempt. */
  private refreshToken = false;
  /** The token the server last got from us (handshake, subscribe or refresh). */
  private sentToken: string | undefined;
  /** Feeds whose subscribe was refused for the token and retried once with a fresh one. */
  private readonly authRetried = new Set<string>();
  private currentState: ConnectionState = "disconnected";
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  /** Catches every feed up over HTTP while the socket cannot connect (`httpCatchUpInterval`). */
  private httpTimer: ReturnType<typeof setInterval> | undefined;
  private wanted = false;

  constructor(options: ClientOptions) {
    super();
    this.urls = typeof options.url === "string" ? [options.url] : [...options.url];
    if (this.urls.length === 0) throw new TypeError("LivelineClient needs at least one url");
    this.catchUpUrl = options.catchUpUrl;
    this.fetchImpl = options.fetch === null ? undefined : (options.fetch ?? defaultFetch());
    this.opts = {
      minReconnectDelay: options.minReconnectDelay ?? 500,
      maxReconnectDelay: options.maxReconnectDelay ?? 20_000,
      gapTimeout: options.gapTimeout ?? 1000,
      httpCatchUpInterval: options.httpCatchUpInterval ?? 3000,
      subscribeTimeout: options.subscribeTimeout ?? 10_000,
      transports: options.transports ?? ["websocket", "polling"],
      path: options.path ?? "/socket.io",
    };
    const getToken = options.getToken;
    this.tokens =
      getToken === undefined
        ? undefined
        : new TokenSource(
            getToken,
            (message) => this.emit("error", { code: "transport_error", message }),
            (token) => this.sendRefresh(token),
          );
    this.makeTransport = options.transport ?? socketIoTransport;
    this.transport = this.openTransport();
    if (options.autoConnect ?? true) this.connect();
  }

  /** The server URL in use (or to be tried next). */
  get url(): string {
    return this.urls[this.urlIndex % this.urls.length] ?? "";
  }

  private openTransport(): Transport {
    return this.makeTransport(
      {
        url: this.url,
        path: this.opts.path,
        transports: this.opts.transports,
        auth: async () => {
          const tokens = this.tokens;
          if (tokens === undefined) return {};
          const force = this.refreshToken;
          this.refreshToken = false;
          const token = await tokens.get(force);
          this.sentToken = token;
          return token === undefined ? {} : { token };
        },
      },
      {
        open: () => this.onConnect(),
        close: (initiator) => this.onDisconnect(initiator === "server" ? "server_disconnect" : "transport_closed"),
        connectError: (err) => this.onConnectError(err),
        event: (event) => this.subs.get(event.feedId)?.handleEvent(event),
        reset: (notice) => this.subs.get(notice.feedId)?.handleReset(notice),
        feedError: (notice) => this.onFeedError(notice),
      },
    );
  }

  /** Move on to the next URL of the list (a no-op with a single URL). */
  private rotate(): void {
    if (this.urls.length < 2) return;
    this.urlIndex = (this.urlIndex + 1) % this.urls.length;
    this.transport.destroy();
    this.transport = this.openTransport();
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  /** The connection id while connected (useful in logs). */
  get id(): string | undefined {
    return this.transport.id;
  }

  /** Connect (a no-op unless `disconnected`); the `state` event tells how it goes. */
  connect(): void {
    this.wanted = true;
    if (this.currentState !== "disconnected") return;
    this.setState("connecting", "connect_called");
    this.transport.connect();
  }

  /** Close the connection; subscriptions are kept and resume on the next `connect()`. */
  disconnect(): void {
    this.wanted = false;
    this.clearReconnect();
    this.stopHttpCatchUp();
    this.transport.disconnect();
    this.setState("disconnected", "disconnect_called");
    for (const sub of this.subs.values()) sub.connectionLost("disconnect_called");
  }

  /** Disconnect and forget every subscription (each ends `unsubscribed`). */
  close(): void {
    for (const s of this.subs.values()) s.dispose("unsubscribe_called");
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
    sub.resubscribing();
    // A subscription that holds a seq was answered before: asking again is a resume.
    const resumed = sub.seq !== undefined;
    const token = this.tokens?.current();
    const payload = token === undefined ? sub.subscribePayload() : { ...sub.subscribePayload(), token };
    if (token !== undefined) this.sentToken = token;
    // A resume whose answer is slow (a busy node) is raced by HTTP catch-up; seq dedupes.
    const slow = resumed ? setTimeout(() => this.catchUpOverHttp(sub), this.opts.gapTimeout) : undefined;
    const answered = (ack: SubscribeAck): void => {
      clearTimeout(slow);
      if (!sub.isActive || this.subs.get(sub.feedId) !== sub) return;
      const tokens = this.tokens;
      if (!ack.ok && fixableByToken(ack.error.code) && tokens !== undefined && !this.authRetried.has(sub.feedId)) {
        // Once per refusal streak: fetch a fresh token and ask again.
        this.authRetried.add(sub.feedId);
        void tokens.get(true).then(() => this.requestSubscribe(sub));
        return;
      }
      if (ack.ok) this.authRetried.delete(sub.feedId);
      sub.handleAck(ack, resumed);
    };
    const unanswered = (): void => {
      clearTimeout(slow);
      if (!sub.isActive || this.subs.get(sub.feedId) !== sub) return;
      // No answer in time: try again later on this connection, or on the next one.
      this.emit("error", { code: "transport_error", message: "subscribe timed out" });
      setTimeout(
        () => this.requestSubscribe(sub),
        fullJitterDelay(1, this.opts.minReconnectDelay, this.opts.maxReconnectDelay),
      );
    };
    this.transport.subscribe(payload, this.opts.subscribeTimeout).then(answered, unanswered);
  }

  /**
   * A fresh token from getToken: hand it to the server before the old one expires, so private
   * subscriptions run on. Over a transport without `refresh`, subscribing again carries it.
   */
  private sendRefresh(token: string): void {
    if (this.currentState !== "connected" || token === this.sentToken) return;
    this.sentToken = token;
    const refresh = this.transport.refresh?.bind(this.transport);
    if (refresh === undefined) {
      for (const sub of this.subs.values()) this.requestSubscribe(sub);
      return;
    }
    refresh({ token }, this.opts.subscribeTimeout).then(
      (ack) => {
        if (!ack.ok) this.emit("error", ack.error);
      },
      () => this.emit("error", { code: "transport_error", message: "refresh timed out" }),
    );
  }

  /** The server ended a subscription: after `token_expired`, get a fresh token and resume it. */
  private onFeedError({ feedId, error }: FeedErrorNotice): void {
    const sub = this.subs.get(feedId);
    if (sub === undefined) return;
    sub.handleEnded(error);
    const tokens = this.tokens;
    if (tokens !== undefined && tokenRefused(error.code)) void tokens.get(true).then(() => this.requestSubscribe(sub));
    else this.requestSubscribe(sub);
  }

  /** @internal */
  requestGapFill(sub: Subscription): void {
    if (this.currentState === "connected") this.requestSubscribe(sub);
    else this.catchUpOverHttp(sub);
  }

  /** Fetch a subscription's missed events over HTTP; the socket path stays the main one. */
  private catchUpOverHttp(sub: Subscription): void {
    const since = sub.seq;
    if (this.fetchImpl === undefined || since === undefined || this.httpInFlight.has(sub)) return;
    this.httpInFlight.add(sub);
    fetchCatchUp(this.catchUpUrl ?? this.url, sub.feedId, since, {
      fetch: this.fetchImpl,
      token: this.tokens?.current(),
      epoch: sub.epoch,
    })
      .then((r) => {
        if (this.subs.get(sub.feedId) === sub) sub.handleCatchUp(r);
      })
      .catch((err: unknown) => {
        this.emit("error", { code: "transport_error", message: `HTTP catch-up failed: ${String(err)}` });
      })
      .finally(() => this.httpInFlight.delete(sub));
  }

  /** @internal */
  requestUnsubscribe(sub: Subscription): void {
    if (this.subs.get(sub.feedId) !== sub) return;
    this.subs.delete(sub.feedId);
    sub.dispose("unsubscribe_called");
    if (this.currentState === "connected") this.transport.unsubscribe({ feedId: sub.feedId });
  }

  private onConnect(): void {
    this.attempt = 0;
    this.stopHttpCatchUp();
    this.authRetried.clear();
    this.setState("connected", "transport_open");
    for (const sub of this.subs.values()) this.requestSubscribe(sub);
  }

  private onDisconnect(reason: "transport_closed" | "server_disconnect"): void {
    // The client's state changes first, then its subscriptions' (as in disconnect()).
    this.setState(this.wanted ? "connecting" : "disconnected", this.wanted ? reason : "disconnect_called");
    for (const sub of this.subs.values()) sub.connectionLost("transport_closed");
    if (this.wanted) this.scheduleReconnect();
  }

  private onConnectError(err: { code?: string; message: string }): void {
    const code = err.code;
    if (code !== undefined && (tokenRefused(code) || code === "rate_limited")) {
      if (code !== "rate_limited") this.refreshToken = true;
      this.emit("error", { code, message: err.message });
    } else {
      this.emit("error", { code: "transport_error", message: err.message });
    }
    if (!this.wanted) return;
    this.setState("connecting", "connect_failed");
    // Socket down for a while (a dead node, a proxy that blocks WebSocket): keep feeds fresh over
    // HTTP, at a steady pace rather than at the reconnect attempts, which back off to 20 s.
    if (this.attempt >= 2) this.startHttpCatchUp();
    this.scheduleReconnect();
  }

  private startHttpCatchUp(): void {
    if (this.httpTimer !== undefined) return;
    const catchUp = () => {
      for (const sub of this.subs.values()) this.catchUpOverHttp(sub);
    };
    catchUp();
    this.httpTimer = setInterval(catchUp, this.opts.httpCatchUpInterval);
  }

  private stopHttpCatchUp(): void {
    if (this.httpTimer !== undefined) clearInterval(this.httpTimer);
    this.httpTimer = undefined;
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer !== undefined) return;
    const delay = fullJitterDelay(this.attempt, this.opts.minReconnectDelay, this.opts.maxReconnectDelay);
    this.attempt += 1;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.wanted || this.transport.connected) return;
      this.rotate();
      this.transport.connect();
    }, delay);
  }

  private clearReconnect(): void {
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
  }

  private setState(state: ConnectionState, reason: ConnectionStateReason): void {
    if (state === this.currentState) return;
    const previous = this.currentState;
    this.currentState = state;
    this.emit("state", { state, previous, reason });
  }
}
