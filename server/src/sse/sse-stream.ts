import type { ServerResponse } from "node:http";
import { Router } from "express";
import { EventsQuery, FeedId, LIMITS, type FeedEvent } from "@liveline/protocol";
import type { FeedStore, Logger } from "@liveline/core";
import { parseOr400 } from "../errors.js";
import type { FeedRelay } from "../reader/feed-relay.js";
import type { FeedService } from "../feed/feed-service.js";
import { assertCanRead } from "../auth/auth.js";
import type { BacklogWatch } from "../reader/slow-readers.js";

/** A seq as sent in a header or query string. */
const SeqText = EventsQuery.shape.since;

/**
 * One Server-Sent Events reader of one feed. Everything it writes goes through one promise
 * chain, so the stream carries the feed's events in seq order with no hole and no repeat:
 * an event further ahead than the next seq makes it fetch the missing ones from the log first.
 */
class SseStream {
  private last = 0;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly feedId: string,
    private readonly store: FeedStore,
    private readonly service: FeedService,
    private readonly logger: Logger,
    private readonly slowReaders: BacklogWatch,
  ) {}

  /** Catch up from `since` (or send a snapshot when there is none), then go live. */
  start(since: number | undefined): void {
    this.run(() => (since === undefined ? this.snapshot() : this.catchUp(since)));
  }

  push(event: FeedEvent): void {
    this.run(async () => {
      if (event.seq <= this.last) return;
      if (event.seq > this.last + 1) await this.catchUp(this.last);
      if (event.seq === this.last + 1) this.send(event.type, event.seq, event);
    });
  }

  heartbeat(): void {
    this.write(": heartbeat\n\n");
  }

  close(): void {
    this.closed = true;
    if (!this.res.writableEnded) this.res.end();
  }

  private run(task: () => Promise<void>): void {
    this.chain = this.chain.then(task).catch((err: unknown) => {
      this.logger.warn({ feedId: this.feedId, err: (err as Error).message }, "sse stream failed; closing it");
      this.close();
    });
  }

  private async catchUp(since: number): Promise<void> {
    const r = await this.store.eventsSince(this.feedId, since, LIMITS.maxCatchUpEvents);
    if (r.kind === "reset") return this.snapshot();
    this.last = Math.max(this.last, since);
    for (const e of r.events) if (e.seq === this.last + 1) this.send(e.type, e.seq, e);
  }

  /** `event: reset`: the feed's current entries; the reader replaces what it holds. */
  private async snapshot(): Promise<void> {
    const snap = await this.service.snapshot(this.feedId);
    this.last = snap.seq;
    this.send("reset", snap.seq, { reset: true, seq: snap.seq, entries: snap.entries });
  }

  private send(type: string, seq: number, data: unknown): void {
    this.last = Math.max(this.last, seq);
    this.write(`id: ${seq}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private write(chunk: string): void {
    if (this.closed || this.res.writableEnded) return;
    this.res.write(chunk);
    const backlog = this.res.writableLength;
    if (this.slowReaders.tooFarBehind(this, backlog, this.res)) {
      // Destroyed, not ended: ending would keep the backlog until the reader took it. A cut
      // event is never dispatched by EventSource, which reconnects with its Last-Event-ID.
      this.closed = true;
      this.res.destroy();
      this.slowReaders.policy.onCut?.({ transport: "sse", backlogBytes: backlog });
    }
  }
}

/** The SSE streams of one node, by feed; the relay's emit hands every event to `deliver`. */
export class SseHub {
  private readonly feeds = new Map<string, Set<SseStream>>();

  deliver(feedId: string, event: FeedEvent): void {
    for (const s of this.feeds.get(feedId) ?? []) s.push(event);
  }

  /** Open streams per feed. */
  counts(): Map<string, number> {
    return new Map([...this.feeds].map(([feedId, set]) => [feedId, set.size]));
  }

  size(): number {
    let n = 0;
    for (const set of this.feeds.values()) n += set.size;
    return n;
  }

  /** End every stream (shutdown): readers reconnect elsewhere with Last-Event-ID. */
  closeAll(): void {
    for (const set of this.feeds.values()) for (const s of set) s.close();
    this.feeds.clear();
  }

  add(feedId: string, s: SseStream): void {
    const set = this.feeds.get(feedId) ?? new Set();
    set.add(s);
    this.feeds.set(feedId, set);
  }

  remove(feedId: string, s: SseStream): void {
    const set = this.feeds.get(feedId);
    if (!set?.delete(s)) return;
    if (set.size === 0) this.feeds.delete(feedId);
  }
}

export interface SseRouteOptions {
  hub: SseHub;
  relay: FeedRelay;
  store: FeedStore;
  service: FeedService;
  logger: Logger;
  /** Comment line interval that keeps proxies from closing an idle stream. @default 15000 */
  heartbeatMs: number;
  /** Cuts off a stream too far behind (MAX_READER_BACKLOG_BYTES, READER_BACKLOG_GRACE_MS). */
  slowReaders: BacklogWatch;
}

/** `GET /v1/feeds/:feedId/stream`: the feed's events as Server-Sent Events, resumable. */
export function sseRoutes(o: SseRouteOptions): Router {
  const r = Router();
  r.get("/v1/feeds/:feedId/stream", async (req, res) => {
    const feedId = parseOr400(FeedId, req.params.feedId, "feed id");
    // Last-Event-ID (what EventSource sends on reconnect) wins over ?since=.
    const rawSince = req.get("last-event-id") ?? (typeof req.query.since === "string" ? req.query.since : undefined);
    const since = rawSince === undefined ? undefined : parseOr400(SeqText, rawSince.trim(), "Last-Event-ID or since");
    const feed = await o.service.getFeed(feedId);
    // A private feed needs a token for it (Authorization: Bearer, read by the /v1 router).
    assertCanRead(req.principal, feed);
    // Gone while the feed was read: its "close" has passed, so nothing set up now would be undone.
    if (res.destroyed) return;

    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      // nginx: do not buffer this response.
      "x-accel-buffering": "no",
    });
    res.write("retry: 1000\n\n");
    const stream = new SseStream(res, feedId, o.store, o.service, o.logger, o.slowReaders);
    // Join the hub before reading the log: whatever the relay emits from now on is either in
    // the catch-up read or arrives after it, and the stream's seq check drops the overlap.
    o.hub.add(feedId, stream);
    const heartbeat = setInterval(() => stream.heartbeat(), o.heartbeatMs);
    let watching = false;
    const done = () => {
      clearInterval(heartbeat);
      o.hub.remove(feedId, stream);
      if (watching) o.relay.unwatch(feedId);
      watching = false;
    };
    res.once("close", done);
    try {
      await o.relay.watch(feedId);
      if (res.destroyed || res.writableEnded) {
        o.relay.unwatch(feedId); // the reader left while we subscribed
        return;
      }
      watching = true;
      stream.start(since);
    } catch (err) {
      o.logger.warn({ feedId, err: (err as Error).message }, "sse subscribe failed");
      done();
      stream.close();
    }
  });
  return r;
}
