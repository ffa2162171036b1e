import type { Part } from "./parts.js";
import type { RedisOptions } from "ioredis";
import type { RedisClient } from "./feed-store.js";
import type { Logger } from "./logger.js";
import { openRedis, parseRedisTarget, type RedisTarget } from "./redis-connection.js";

/**
 * The Redis connections of one role in one process: each is named (CLIENT SETNAME
 * `liveline-<name>`, so `CLIENT LIST` shows who holds what), logged on error, and closed
 * together when the role stops.
 */
export class RedisConnections {
  readonly target: RedisTarget;
  private readonly opened: RedisClient[] = [];

  constructor(
    redisUrl: string,
    private readonly logger: Logger,
  ) {
    this.target = parseRedisTarget(redisUrl);
  }

  /** A Redis Cluster: events go out on sharded pub/sub (the channel lives in its feed's slot). */
  get cluster(): boolean {
    return this.target.kind === "cluster";
  }

  get publishCommand(): "PUBLISH" | "SPUBLISH" {
    return this.cluster ? "SPUBLISH" : "PUBLISH";
  }

  /** Redis Sentinel: writes may ask for a replica's acknowledgment (WAIT) before answering 202. */
  get sentinel(): boolean {
    return this.target.kind === "sentinel";
  }

  /** The CLIENT SETNAME a connection opened as `name` carries. */
  static clientName(name: string): string {
    return `liveline-${name}`;
  }

  open(name: string, extra: RedisOptions, sharded = false): RedisClient {
    const connectionName = RedisConnections.clientName(name);
    const r = openRedis(this.target, { lazyConnect: false, connectionName, ...extra }, sharded);
    r.on("error", (err: Error) => this.logger.debug({ conn: name, err: err.message }, "redis connection error"));
    this.opened.push(r);
    return r;
  }

  /**
   * The connection API reads and writes use: fails fast while Redis is away (503, not a hang).
   * Commands sent in the same tick (concurrent publishes' accept scripts, readers' catch-ups) go
   * out in one write (ioredis's auto-pipelining: 11–17% less CPU per publish at capacity in paired
   * runs, see docs/performance-notes.md), in the order they were sent; a MULTI or an explicit pipeline
   * goes out at once, beside them, as concurrent requests' commands may anyway.
   */
  openCommands(name = "commands"): RedisClient {
    return this.open(name, {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: true,
      connectTimeout: 2000,
      enableAutoPipelining: true,
    });
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled(this.opened.map((c) => c.quit()));
    for (const c of this.opened) c.disconnect();
  }
}

/**
 * A role's Redis connections as a part of a process: ready while `ready` says the role talks to
 * a writable primary; closed after every part that uses them. `start` waits for Redis where the
 * role must not start without it.
 */
export function redisPart(
  redis: RedisConnections,
  o: { ready: () => Promise<boolean>; start?: () => Promise<void> },
): Part {
  return {
    name: "redis",
    ...(o.start === undefined ? {} : { start: o.start }),
    ready: o.ready,
    notReady: "unreachable",
    close: () => redis.closeAll(),
  };
}
