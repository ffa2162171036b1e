import { Cluster, Redis, type RedisOptions } from "ioredis";
import type { RedisClient } from "./feed-store.js";

export interface HostPort {
  host: string;
  port: number;
}

/**
 * Where Liveline's Redis is: one server (`redis://` / `rediss://`), a Redis Cluster
 * (`redis+cluster://host:port,host:port,…`, any reachable masters; the rest is discovered), or
 * a primary watched by Redis Sentinel
 * (`redis+sentinel://[[user]:password@]host:port,host:port/<master name>[/<db>][?sentinelPassword=…]`:
 * the sentinels to ask, the name they monitor, and the credentials of the data nodes).
 */
export type RedisTarget =
  | { kind: "single"; url: string }
  | { kind: "cluster"; nodes: HostPort[] }
  | {
      kind: "sentinel";
      sentinels: HostPort[];
      name: string;
      db: number;
      username?: string;
      password?: string;
      sentinelPassword?: string;
    };

export const CLUSTER_SCHEME = "redis+cluster://";
export const SENTINEL_SCHEME = "redis+sentinel://";

/** `host:port,host:port` (IPv6 hosts in brackets), as in the cluster and sentinel URLs. */
function parseNodes(list: string, url: string, what: string): HostPort[] {
  const nodes = list
    .split(",")
    .filter((n) => n.length > 0)
    .map((n) => {
      const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(n);
      if (!m?.[1] || !m[2]) throw new Error(`invalid ${what} '${n}' in ${redact(url)} (want host:port)`);
      return { host: m[1], port: Number(m[2]) };
    });
  if (nodes.length === 0) throw new Error(`no ${what}s in ${redact(url)}`);
  return nodes;
}

/** The URL with its password hidden, for messages and logs. */
export function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//***@");
}

function parseSentinel(url: string): RedisTarget {
  const rest = url.slice(SENTINEL_SCHEME.length);
  const [beforeQuery = "", query = ""] = rest.split("?", 2);
  const at = beforeQuery.lastIndexOf("@");
  const userinfo = at >= 0 ? beforeQuery.slice(0, at) : undefined;
  const [hosts = "", name = "", db = "0", ...extra] = beforeQuery.slice(at + 1).split("/");
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(name)) {
    throw new Error(`${redact(url)} needs the master name Sentinel monitors after the hosts (…/mymaster)`);
  }
  if (!/^\d{1,2}$/.test(db) || extra.length > 0) throw new Error(`invalid database '${db}' in ${redact(url)}`);
  const target: RedisTarget = {
    kind: "sentinel",
    sentinels: parseNodes(hosts, url, "sentinel"),
    name,
    db: Number(db),
  };
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(":");
    const user = decodeURIComponent(colon >= 0 ? userinfo.slice(0, colon) : "");
    const password = decodeURIComponent(colon >= 0 ? userinfo.slice(colon + 1) : userinfo);
    if (user.length > 0) target.username = user;
    if (password.length > 0) target.password = password;
  }
  const params = new URLSearchParams(query);
  for (const key of params.keys()) {
    if (key !== "sentinelPassword") throw new Error(`unknown parameter '${key}' in ${redact(url)}`);
  }
  const sentinelPassword = params.get("sentinelPassword");
  if (sentinelPassword !== null && sentinelPassword.length > 0) target.sentinelPassword = sentinelPassword;
  return target;
}

export function parseRedisTarget(url: string): RedisTarget {
  if (url.startsWith(SENTINEL_SCHEME)) return parseSentinel(url);
  if (!url.startsWith(CLUSTER_SCHEME)) return { kind: "single", url };
  return {
    kind: "cluster",
    nodes: parseNodes(url.slice(CLUSTER_SCHEME.length).replace(/\/.*$/, ""), url, "cluster node"),
  };
}

/**
 * After a failover a connection can still reach the old primary, demoted to a replica
 * (Sentinel reconfigures it when it comes back): writes fail with READONLY. Reconnecting makes
 * ioredis ask the sentinels again and land on the new primary; `2` resends the command there.
 */
function reconnectOnReadonly(err: Error): 2 | false {
  return err.message.startsWith("READONLY") ? 2 : false;
}

/**
 * Open a connection (or, on a cluster, a cluster client) with the given per-connection
 * options. On a cluster, `sharded` adds one subscriber connection per master so that
 * `ssubscribe` reaches the shard owning each feed's channel.
 */
export function openRedis(target: RedisTarget, options: RedisOptions, sharded = false): RedisClient {
  if (target.kind === "single") return new Redis(target.url, options);
  if (target.kind === "sentinel") {
    return new Redis({
      ...options,
      sentinels: target.sentinels,
      name: target.name,
      db: target.db,
      ...(target.username === undefined ? {} : { username: target.username }),
      ...(target.password === undefined ? {} : { password: target.password }),
      ...(target.sentinelPassword === undefined ? {} : { sentinelPassword: target.sentinelPassword }),
      role: "master",
      // Not `failoverDetector`: in ioredis 5.11 its +switch-master handler can land while the
      // connection is asking a sentinel where the primary is; connect() then rejects and the
      // client ends for good (status "end": no reconnect, ever). Seen in
      // test/redis-sentinel.test.ts about one run in four. A killed primary closes its sockets,
      // and a demoted one has its clients killed by Sentinel, so reconnecting on close suffices.
      reconnectOnError: reconnectOnReadonly,
      // Keep asking the sentinels while none answers, as a single connection keeps retrying.
      sentinelRetryStrategy: (times: number) => Math.min(100 * times, 2000),
    });
  }
  // BullMQ reads maxRetriesPerRequest from redisOptions on a cluster; the rest is cluster-wide.
  const { enableOfflineQueue, lazyConnect: _lazy, retryStrategy: _retry, ...redisOptions } = options;
  return new Cluster(target.nodes, {
    redisOptions,
    ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    // Without an offline queue (BullMQ's connections) a cluster client refuses every command until
    // its slots are known ("Cluster isn't ready"), and BullMQ takes a cluster's "connect" status
    // for ready and sends INFO at once: on a busy machine that failed a Queue's start. Left lazy,
    // BullMQ calls connect(), which resolves only once the client is ready.
    ...(enableOfflineQueue === false ? { lazyConnect: true } : {}),
    shardedSubscribers: sharded,
    // Keep retrying the cluster as a whole, as a single connection would.
    clusterRetryStrategy: (times: number) => Math.min(100 * times, 2000),
  });
}
