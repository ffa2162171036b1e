import type { FeedStore, RedisClient } from "@liveline/core";
import { LivelineError } from "../errors.js";
import type { WriteLimit } from "../feed/feed-service.js";

export type RateLimitKind = "publish" | "subscribe" | "connect" | "signIn" | "signInAddress";

export interface RateLimitSettings {
  /** Writes (publish, edit, retract, feed changes) per token subject per window; 0 = off. */
  publishes: number;
  /** Subscribe attempts per socket connection per window; 0 = off. */
  subscribes: number;
  /** New socket connections per client IP per window; 0 = off. */
  connections: number;
  windowSeconds: number;
  /** Sign-in attempts per email per sign-in window (per address: ten times as many); 0 = off. */
  signIns: number;
  signInWindowSeconds: number;
}

const WHAT: Record<RateLimitKind, string> = {
  publish: "writes with this token",
  subscribe: "subscribe attempts on this connection",
  connect: "new connections from this address",
  signIn: "sign-in attempts for this email",
  signInAddress: "sign-in attempts from this address",
};

/**
 * Fixed-window counters. Per token and per address they are kept in Redis (one Lua include,
 * core/src/lua/includes/rate-window.lua), so a limit holds across every server process sharing
 * the Redis; keys are built by redis-keys.ts under the service's prefix. A write that changes a
 * feed is counted by the store's accept, in the same step (`atAccept`): one round trip, not two.
 * Per connection the window is kept with the connection itself: a connection lives on one
 * process, so a shared store would only add a Redis round trip to every subscribe (measured: ~9%
 * of the CPU a new reader costs; see the README's Benchmark).
 */
export class RateLimits {
  private readonly windows = new Map<Exclude<RateLimitKind, "subscribe">, { points: number; windowMs: number }>();
  /** The write window the store's accept counts (atAccept); undefined when it does not. */
  private readonly acceptWindow: { points: number; windowMs: number } | undefined;

  constructor(
    private readonly store: FeedStore,
    private readonly redis: RedisClient,
    private readonly settings: RateLimitSettings,
  ) {
    const points: Record<Exclude<RateLimitKind, "subscribe">, number> = {
      publish: settings.publishes,
      connect: settings.connections,
      signIn: settings.signIns,
      signInAddress: settings.signIns * 10,
    };
    for (const kind of ["publish", "connect", "signIn", "signInAddress"] as const) {
      if (points[kind] <= 0) continue;
      const windowSeconds = kind.startsWith("signIn") ? settings.signInWindowSeconds : settings.windowSeconds;
      this.windows.set(kind, { points: points[kind], windowMs: windowSeconds * 1000 });
    }
    this.acceptWindow = store.countsRateInAccept ? this.windows.get("publish") : undefined;
  }

  /**
   * Count one attempt for `key`; throws 429 `rate_limited` (with `retryAfterSeconds`) past the
   * limit. Redis errors propagate (the HTTP layer answers 503).
   */
  async consume(kind: Exclude<RateLimitKind, "subscribe">, key: string): Promise<void> {
    const window = this.windows.get(kind);
    if (window === undefined) return;
    const wait = await this.store.spendRate({ key: this.store.keys.rateLimit(kind, key), ...window });
    if (wait > 0) throw this.limited(kind, window.points, wait, window.windowMs / 1000);
  }

  /**
   * The write limit of the token `sub`, for the store's accept to count with the write; undefined
   * when writes are not limited, or when the accept cannot count it (a Redis Cluster: the caller
   * counts it before, with consume).
   */
  atAccept(sub: string): WriteLimit | undefined {
    const window = this.acceptWindow;
    if (window === undefined) return undefined;
    return {
      key: this.store.keys.rateLimit("publish", sub),
      ...window,
      spend: () => this.consume("publish", sub),
      refused: (ms) => this.limited("publish", window.points, ms, window.windowMs / 1000),
    };
  }

  /** Whether the store's accept counts writes (atAccept), so the router does not count them first. */
  get countedAtAccept(): boolean {
    return this.acceptWindow !== undefined;
  }

  /** Forget `key`'s attempts (a successful sign-in clears its email's failures). */
  async forget(kind: Exclude<RateLimitKind, "subscribe">, key: string): Promise<void> {
    if (this.windows.has(kind)) await this.redis.del(this.store.keys.rateLimit(kind, key));
  }

  /**
   * Count one subscribe attempt on a connection, in the window kept in its own data; throws 429
   * `rate_limited` past the limit.
   */
  consumeSubscribe(connection: { subscribes?: { windowStart: number; count: number } }, now = Date.now()): void {
    const points = this.settings.subscribes;
    if (points <= 0) return;
    const windowMs = this.settings.windowSeconds * 1000;
    let w = connection.subscribes;
    if (w === undefined || now - w.windowStart >= windowMs) {
      w = { windowStart: now, count: 0 };
      connection.subscribes = w;
    }
    w.count += 1;
    if (w.count > points) {
      throw this.limited("subscribe", points, w.windowStart + windowMs - now, this.settings.windowSeconds);
    }
  }

  private limited(kind: RateLimitKind, points: number, msBeforeNext: number, windowSeconds: number): LivelineError {
    const retryAfter = Math.max(1, Math.ceil(msBeforeNext / 1000));
    return new LivelineError(
      "rate_limited",
      `too many ${WHAT[kind]}: at most ${points} per ${windowSeconds} s; retry in ${retryAfter} s`,
      undefined,
      retryAfter,
    );
  }
}
