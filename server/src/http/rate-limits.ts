import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { RedisClient, RedisKeys } from "@liveline/core";
import { LivelineError } from "../errors.js";

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
 * Fixed-window counters. Per token and per address they are kept in Redis (rate-limiter-flexible),
 * so a limit holds across every server process sharing the Redis; keys are built by
 * redis-keys.ts under the service's prefix. Per connection the window is kept with the connection
 * itself: a connection lives on one process, so a shared store would only add a Redis round trip
 * to every subscribe (measured: ~9% of the CPU a new reader costs; see the README's Benchmark).
 */
export class RateLimits {
  private readonly limiters = new Map<
    RateLimitKind,
    { limiter: RateLimiterRedis; points: number; windowSeconds: number }
  >();

  constructor(
    redis: RedisClient,
    keys: RedisKeys,
    private readonly settings: RateLimitSettings,
  ) {
    const points: Record<RateLimitKind, number> = {
      publish: settings.publishes,
      subscribe: settings.subscribes,
      connect: settings.connections,
      signIn: settings.signIns,
      signInAddress: settings.signIns * 10,
    };
    for (const kind of ["publish", "connect", "signIn", "signInAddress"] as const) {
      if (points[kind] <= 0) continue;
      const windowSeconds = kind.startsWith("signIn") ? settings.signInWindowSeconds : settings.windowSeconds;
      const limiter = new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: keys.rateLimit(kind),
        points: points[kind],
        duration: windowSeconds,
      });
      this.limiters.set(kind, { limiter, points: points[kind], windowSeconds });
    }
  }

  /**
   * Count one attempt for `key`; throws 429 `rate_limited` (with `retryAfterSeconds`) past the
   * limit. Redis errors propagate (the HTTP layer answers 503).
   */
  async consume(kind: Exclude<RateLimitKind, "subscribe">, key: string): Promise<void> {
    const entry = this.limiters.get(kind);
    if (entry === undefined) return;
    try {
      await entry.limiter.consume(key);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      throw this.limited(kind, entry.points, err.msBeforeNext, entry.windowSeconds);
    }
  }

  /** Forget `key`'s attempts (a successful sign-in clears its email's failures). */
  async forget(kind: Exclude<RateLimitKind, "subscribe">, key: string): Promise<void> {
    await this.limiters.get(kind)?.limiter.delete(key);
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
