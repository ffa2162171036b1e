import type { FeedEvent, FeedResetNotice } from "@liveline/protocol";
import { roomOf, type LivelineIo } from "../gateway/gateway.js";
import type { ReadGrants } from "../gateway/read-grants.js";
import type { SocketSecurity } from "../gateway/socket-security.js";
import type { ServerMetrics } from "../ops/metrics.js";
import type { SseHub } from "../sse/sse-stream.js";

/**
 * Where the relay hands each event of a feed, once and in seq order: this node's Socket.IO
 * room of the feed and its SSE streams. A feed turned private also has its socket readers
 * checked again, so those without a token for it are let go.
 */
export class NodeFanOut {
  constructor(
    private readonly io: LivelineIo,
    private readonly hub: SseHub,
    private readonly metrics: ServerMetrics,
    private readonly security: SocketSecurity,
    /** The gateway's grants of private feeds (attachGateway): a reader a feed turning private keeps. */
    private readonly grants?: ReadGrants,
  ) {}

  deliver(feedId: string, event: FeedEvent): void {
    this.io.local.to(roomOf(feedId)).emit("feed:event", event);
    this.hub.deliver(feedId, event);
    this.metrics.observeEmit(event);
    if (event.type === "feed.updated" && event.feed.visibility === "private") {
      void this.security.evictUnauthorized(this.io, roomOf(feedId), feedId, this.grants).catch(() => undefined);
    }
  }

  /**
   * The feed's history was lost (a new epoch): socket readers are told with `feed:reset` (the
   * SDK subscribes again and gets a snapshot); SSE streams are ended, and EventSource's
   * reconnect, whose Last-Event-ID names the old epoch, gets `event: reset`.
   */
  reset(notice: FeedResetNotice): void {
    this.io.local.to(roomOf(notice.feedId)).emit("feed:reset", notice);
    this.hub.reset(notice.feedId);
  }
}
