/** What `/readyz` checks, for any role (the server's app and a worker's metrics listener). */
export interface Readiness {
  /** True once SIGTERM was received: the load balancer should stop sending new work. */
  draining: () => boolean;
  /** Redis answers PING. */
  redis: () => Promise<boolean>;
  /** The publish queue can be read (its keys answer). */
  queue: () => Promise<boolean>;
}

export async function readiness(r: Readiness): Promise<{ ready: boolean; body: Record<string, string> }> {
  if (r.draining()) return { ready: false, body: { status: "draining" } };
  const [redis, queue] = await Promise.all([r.redis().catch(() => false), r.queue().catch(() => false)]);
  return {
    ready: redis && queue,
    body: {
      status: redis && queue ? "ready" : "unavailable",
      redis: redis ? "ok" : "unreachable",
      queue: queue ? "ok" : "unusable",
    },
  };
}
