/** What `/readyz` checks, for any role (the server's app and a worker's metrics listener). */
export interface Readiness {
  /** True once SIGTERM was received: the load balancer should stop sending new work. */
  draining: () => boolean;
  /** The commands connection is up and talks to a writable primary (not a demoted replica). */
  redis: () => Promise<boolean>;
  /** The publish queue can be read (its keys answer). */
  queue: () => Promise<boolean>;
  /**
   * Server role: this node's pub/sub subscriber is connected and subscribed, on the primary,
   * to every feed it relays. Without it readers get nothing while the rest looks healthy.
   */
  relay?: () => Promise<boolean>;
}

export async function readiness(r: Readiness): Promise<{ ready: boolean; body: Record<string, string> }> {
  if (r.draining()) return { ready: false, body: { status: "draining" } };
  const [redis, queue, relay] = await Promise.all([
    r.redis().catch(() => false),
    r.queue().catch(() => false),
    r.relay === undefined ? undefined : r.relay().catch(() => false),
  ]);
  const ready = redis && queue && relay !== false;
  return {
    ready,
    body: {
      status: ready ? "ready" : "unavailable",
      redis: redis ? "ok" : "unreachable",
      queue: queue ? "ok" : "unusable",
      ...(relay === undefined ? {} : { relay: relay ? "ok" : "not_subscribed" }),
    },
  };
}
