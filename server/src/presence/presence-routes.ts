import type { FeedAudience, FeedStats } from "@liveline/protocol";
import { LivelineError } from "../errors.js";
import type { FeedService } from "../feed/feed-service.js";
import type { Handlers } from "../http/operation-router.js";
import type { AudienceStore } from "./audience-store.js";
import type { PresenceStore } from "./presence-store.js";
import type { Principal } from "../auth/principal.js";

export interface PresenceRoutesOptions {
  presence: PresenceStore;
  audience: AudienceStore;
  service: FeedService;
}

/** `?hours=` when absent: the console's chart. */
const DEFAULT_HOURS = 6;
const HOUR_MS = 3_600_000;

/** The principal the access check let through. */
function whoOf(p: Principal | undefined): { sub: string; name: string } {
  if (p === undefined) throw new LivelineError("unauthorized", "a bearer token is required");
  return { sub: p.sub, name: p.name ?? p.sub };
}

/**
 * Who is here, for a feed's editors: `GET /v1/feeds/:feedId/stats` (readers on every node, the
 * editors present), `GET /v1/feeds/:feedId/audience` (readers over the last hours), and the console's heartbeat `POST`/`DELETE /v1/feeds/:feedId/presence`. A
 * heartbeat is a write like any other: it counts against the token's limit (every few seconds
 * per open console is far below it).
 */
export function presenceRoutes({
  presence,
  audience,
  service,
}: PresenceRoutesOptions): Handlers<"getFeedStats" | "getFeedAudience" | "heartbeatPresence" | "leavePresence"> {
  /** The feed's id, once the feed is known to exist (404 otherwise). */
  const feedOf = async (feedId: string): Promise<string> => (await service.getFeed(feedId)).id;
  return {
    getFeedStats: async ({ params }) => {
      const feedId = await feedOf(params.feedId);
      const [readers, editors] = await Promise.all([presence.readers(feedId), presence.editors(feedId)]);
      const stats: FeedStats = { readers, editors };
      return { status: 200, body: stats, headers: { "Cache-Control": "private, no-store" } };
    },
    getFeedAudience: async ({ params, query }) => {
      const feedId = await feedOf(params.feedId);
      const since = Date.now() - (query.hours ?? DEFAULT_HOURS) * HOUR_MS;
      const [readers, history] = await Promise.all([presence.readers(feedId), audience.history(feedId, since)]);
      const at = (ms: number) => new Date(ms).toISOString();
      const body: FeedAudience = {
        now: readers.total,
        peak: history.peak === null ? null : { at: at(history.peak.atMs), readers: history.peak.readers },
        samples: history.samples.map((s) => ({ at: at(s.atMs), readers: s.readers })),
      };
      return { status: 200, body, headers: { "Cache-Control": "private, no-store" } };
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
