import { Cluster, Redis, type RedisOptions } from "ioredis";
import type { RedisClient } from "./feed-store.js";

/**
 * Where Liveline's Redis is: one server (`redis://` / `rediss://`) or a Redis Cluster
 * (`redis+cluster://host:port,host:port,…`, any reachable masters; the rest is discovered).
 */
export type RedisTarget =
  { kind: "single"; url: string } | { kind: "cluster"; nodes: { host: string; port: number }[] };

export const CLUSTER_SCHEME = "redis+cluster://";

export function parseRedisTarget(url: string): RedisTarget {
  if (!url.startsWith(CLUSTER_SCHEME)) return { kind: "single", url };
  const nodes = url
    .slice(CLUSTER_SCHEME.length)
    .replace(/\/.*$/, "")
    .split(",")
    .filter((n) => n.length > 0)
    .map((n) => {
      const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(n);
      if (!m?.[1] || !m[2]) throw new Error(`invalid cluster node '${n}' in ${url} (want host:port)`);
      return { host: m[1], port: Number(m[2]) };
    });
  if (nodes.length === 0) throw new Error(`no cluster nodes in ${url}`);
  return { kind: "cluster", nodes };
}

/**
 * Open a connection (or, on a cluster, a cluster client) with the given per-connection
 * options. On a cluster, `sharded` adds one subscriber connection per master so that
 * `ssubscribe` reaches the shard owning each feed's channel.
 */
export function openRedis(target: RedisTarget, options: RedisOptions, sharded = false): RedisClient {
  if (target.kind === "single") return new Redis(target.url, options);
  // BullMQ reads maxRetriesPerRequest from redisOptions on a cluster; the rest is cluster-wide.
  const { enableOfflineQueue, lazyConnect: _lazy, retryStrategy: _retry, ...redisOptions } = options;
  return new Cluster(target.nodes, {
    redisOptions,
    ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    shardedSubscribers: sharded,
    // Keep retrying the cluster as a whole, as a single connection would.
    clusterRetryStrategy: (times: number) => Math.min(100 * times, 2000),
  });
}
