import type { FeedStats } from "@liveline/protocol";
import { LivelineError } from "../errors.js";
import type { FeedService } from "../feed/feed-service.js";
import type { Handlers } from "../http/operation-router.js";
import type { PresenceStore } from "./presence-store.js";
import type { Principal } from "../auth/principal.js";

export interface PresenceRoutesOptions {
  presence: PresenceStore;
  service: FeedService;
}

/** The principal the access check let through. */
function whoOf(p: Principal | undefined): { sub: string; name: string } {
  if (p === undefined) throw new LivelineError("unauthorized", "a bearer token is required");
  return { sub: p.sub, name: p.name ?? p.sub };
}

/**
 * Who is here, for a feed's editors: `GET /v1/feeds/:feedId/stats` (readers on every node, the
 * editors present), and the console's heartbeat `POST`/`DELETE /v1/feeds/:feedId/presence`. A
 * heartbeat is a write like any other: it counts against the token's limit (every few seconds
 * per open console is far below it).
 */
export function presenceRoutes({
  presence,
  service,
}: PresenceRoutesOptions): Handlers<"getFeedStats" | "heartbeatPresence" | "leavePresence"> {
  /** The feed's id, once the feed is known to exist (404 otherwise). */
  const feedOf = async (feedId: string): Promise<string> => (await service.getFeed(feedId)).id;
  return {
    getFeedStats: async ({ params }) => {
      const feedId = await feedOf(params.feedId);
      const [readers, editors] = await Promise.all([presence.readers(feedId), presence.editors(feedId)]);
      const stats: FeedStats = { readers, editors };
      return { status: 200, body: stats, headers: { "Cache-Control": "private, no-store" } };
    },
    heartbeatPresence: async ({ params, body, principal }) => {
      const feedId = await feedOf(params.feedId);
      await presence.heartbeat(feedId, whoOf(principal), body.editing ?? null);
      return { status: 204 };
    },
    leavePresence: async ({ params, principal }) => {
      const feedId = await feedOf(params.feedId);
      await presence.leave(feedId, whoOf(principal).sub);
      return { status: 204 };
    },
  };
}
