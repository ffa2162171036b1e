import { Gauge, type Registry } from "prom-client";
import type { RedisClient } from "./feed-store.js";

/**
 * Does this connection talk to a writable primary? After a Sentinel failover a connection can
 * sit on a demoted node, or on none: a PING answers there, so PING alone is not the truth.
 * On a Cluster, ROLE would go to an arbitrary node, and the client routes by slot anyway.
 */
export async function talksToPrimary(client: RedisClient): Promise<boolean> {
  if (client.status !== "ready") return false;
  if ("nodes" in client) return (await client.ping()) === "PONG";
  const role: unknown = await client.call("ROLE");
  return Array.isArray(role) && role[0] === "master";
}

/**
 * How many channels (plain and sharded) the connection named `connectionName` is subscribed to
 * on the server `commands` talks to; `undefined` when no such client is there. Asked of the
 * primary, this says whether a node's relay hears what the workers publish: a subscriber left
 * on another server (or on none) hears nothing, while every PING still answers.
 */
export async function subscriptionsOn(commands: RedisClient, connectionName: string): Promise<number | undefined> {
  const list: unknown = await commands.call("CLIENT", "LIST", "TYPE", "pubsub");
  if (typeof list !== "string") return undefined;
  for (const line of list.split("\n")) {
    const fields = new Map(line.split(" ").map((kv) => kv.split("=", 2) as [string, string | undefined]));
    if (fields.get("name") !== connectionName) continue;
    return Number(fields.get("sub") ?? 0) + Number(fields.get("ssub") ?? 0);
  }
  return undefined;
}

/** The checks behind each registry's `liveline_redis_up`, so roles sharing a process share it. */
const redisChecks = new WeakMap<Registry, Map<string, () => Promise<boolean>>>();

/**
 * `liveline_redis_up{conn}`: 1 while the named check passes (a connection is up and talks to
 * a primary; the relay's subscriber is subscribed where events are published), 0 otherwise.
 * The same checks answer /readyz, so the metric and the probe never disagree. Roles sharing
 * a process (and a registry) each add their connections to the one gauge.
 */
export function instrumentRedis(registry: Registry, checks: Record<string, () => Promise<boolean>>): void {
  const known = redisChecks.get(registry);
  if (known !== undefined) {
    for (const [conn, check] of Object.entries(checks)) known.set(conn, check);
    return;
  }
  const all = new Map(Object.entries(checks));
  redisChecks.set(registry, all);
  new Gauge({
    name: "liveline_redis_up",
    help: "1 while a Redis connection of this process is usable: connected to the primary (and, for the relay's subscriber, subscribed there)",
    labelNames: ["conn"] as const,
    registers: [registry],
    async collect() {
      await Promise.all(
        [...all].map(async ([conn, check]) => {
          this.set({ conn }, (await check().catch(() => false)) ? 1 : 0);
        }),
      );
    },
  });
}

/** A check that fails instead of hanging while Redis is away (a probe must answer in time). */
export function within(ms: number, check: () => Promise<boolean>): () => Promise<boolean> {
  return () =>
    new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      check().then(
        (ok) => {
          clearTimeout(timer);
          resolve(ok);
        },
        () => {
          clearTimeout(timer);
          resolve(false);
        },
      );
    });
}
