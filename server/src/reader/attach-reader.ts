import type { EventsResponse, Feed } from "@liveline/protocol";
import type { FeedService } from "../feed/feed-service.js";
import type { FeedRelay } from "./feed-relay.js";

/** What attaching a reader needs of the node: the feed service (reads) and the relay. */
export interface ReaderContext {
  service: FeedService;
  relay: FeedRelay;
}

/** How a reader is taken off a feed: what `detachReader` needs of a transport. */
export interface ReaderHold {
  /** Who holds the relay reference: the same object for every attach of one reader. */
  readonly holder: object;
  /** Stop handing the reader the feed's events (leave the room, the hub); safe to call twice. */
  leave(): void;
}

/** What a transport supplies to attach one reader to one feed. */
export interface ReaderSink extends ReaderHold {
  /** True once the reader has gone (disconnected, closed); looked at after every wait. */
  gone(): boolean;
  /** Throws (a LivelineError) when this reader may not read `feed`. */
  authorize(feed: Feed): void | Promise<void>;
  /**
   * Start handing the reader every event the relay delivers for the feed (NodeFanOut finds it
   * there: a Socket.IO room, the SSE hub). False when it already receives them (a repeated
   * subscribe on one connection): this attach then only catches up, and takes nothing.
   */
  join(): boolean | Promise<boolean>;
  /** Write the catch-up. Every event after `answer.seq` comes through the relay's delivery. */
  caughtUp(feed: Feed, answer: EventsResponse): void;
  /** The attach failed for a reader still there (not found, forbidden, Redis away). */
  failed(err: unknown): void;
}

/**
 * Where a reader resumes from: the last seq it holds and the log epoch that seq belongs to. A
 * reader without `since` starts from a snapshot; one whose `epoch` is no longer the log's (history
 * was lost since) is answered `reset` too, never events that reuse the seqs it holds.
 */
export interface ResumePoint {
  since?: number | undefined;
  epoch?: string | undefined;
}

/**
 * Catch-up reads one attach makes at most when the relay keeps emitting past each answer (a feed
 * taking several events while each read is in flight); the last answer is handed over as it is.
 */
const MAX_CATCH_UP_READS = 3;

/** Whether the relay emitted, in the answer's epoch, past the answer's seq. */
function overtaken(answer: EventsResponse, relayed: { seq: number; epoch: string } | undefined): boolean {
  return relayed !== undefined && relayed.epoch === answer.epoch && relayed.seq > answer.seq;
}

/** Releases what an attach took; idempotent, and safe at any point of the attach. */
export type Disposer = () => void;

/**
 * Attach a reader to a feed, for any transport: read the feed (coalesced), authorize the reader,
 * put it on the relay's deliveries (`join`) and take a relay reference, then read its catch-up
 * (events since `since`, or a snapshot) and hand it over. Joining comes before the catch-up
 * read, so every event after the catch-up's seq reaches the reader; the overlap is skipped by
 * seq (ReaderCursor for transports that write per reader, the SDK for Socket.IO rooms). The
 * answer is never older than what the relay emitted before it (read again when the relay moved
 * on during the read, up to MAX_CATCH_UP_READS reads), so a Socket.IO client that drops the
 * events arriving before its ack loses none of them.
 *
 * The returned disposer lets go of whatever the attach holds by then: called while the attach
 * waits on Redis, the attach stops at its next step and takes nothing more; a reader whose
 * `gone()` turns true is disposed the same way, so a reader that leaves mid-attach leaves no
 * relay reference, no room or hub entry, and no timer. A failure before the catch-up releases
 * what the attach took; a failed catch-up leaves the reader on the feed (the transport decides,
 * e.g. SSE ends the stream, whose close calls the disposer).
 *
 * A new transport is one small file: a `ReaderSink` and the route that calls this. For example,
 * long-polling JSON for a smart TV (`GET /v1/feeds/:feedId/poll?since=N`):
 *
 * @example
 * ```ts
 * class PollReader implements ReaderSink {
 *   readonly holder = this;
 *   private readonly cursor = new ReaderCursor();
 *   dispose: Disposer = () => undefined;
 *   constructor(private readonly res: Response, private readonly feedId: string,
 *               private readonly principal: Principal | undefined, private readonly hub: PollHub) {}
 *   gone = () => this.res.destroyed;
 *   authorize = (feed: Feed) => assertCanRead(this.principal, feed);
 *   join = () => (this.hub.add(this.feedId, this), true);
 *   leave = () => this.hub.remove(this.feedId, this);
 *   caughtUp(_feed: Feed, answer: EventsResponse) {
 *     const held = this.cursor.caughtUp(answer.seq, answer.epoch);
 *     if ("reset" in answer || answer.events.length > 0) this.answer(answer);  // else wait for push
 *     for (const e of held) this.push(e);
 *   }
 *   push(e: FeedEvent) { if (this.cursor.offer(e) === "write") this.answer({ events: [e], seq: e.seq, epoch: e.epoch ?? "" }); }
 *   failed = (err: unknown) => this.res.headersSent ? this.res.end() : this.res.status(503).end();
 *   private answer(body: EventsResponse) { this.dispose(); if (!this.res.headersSent) this.res.json(body); }
 * }
 * // route: const reader = new PollReader(res, feedId, req.principal, hub);
 * //        reader.dispose = attachReader(ctx, feedId, { since, epoch }, reader); res.once("close", reader.dispose);
 * ```
 */
export function attachReader(
  ctx: ReaderContext,
  feedId: string,
  from: ResumePoint | undefined,
  sink: ReaderSink,
): Disposer {
  let disposed = false;
  /** Whether this attach put the reader on the feed, and so is the one to take it off. */
  let owns = false;
  const dispose: Disposer = () => {
    if (disposed) return;
    disposed = true;
    if (owns) detachReader(ctx.relay, feedId, sink);
  };
  const stopped = (): boolean => {
    if (!disposed && sink.gone()) dispose();
    return disposed;
  };

  const attach = async (): Promise<void> => {
    const feed = await ctx.service.getFeed(feedId);
    if (stopped()) return;
    await sink.authorize(feed);
    if (stopped()) return;
    const joined = await sink.join();
    if (disposed) {
      // Disposed while joining: the disposer found nothing to release yet.
      if (joined) detachReader(ctx.relay, feedId, sink);
      return;
    }
    owns = joined; // released by the disposer from here on
    if (stopped()) return;
    try {
      await ctx.relay.watch(feedId, sink.holder);
    } catch (err) {
      // Not followed without the relay: released here, and still told (not disposed).
      if (owns) detachReader(ctx.relay, feedId, sink);
      owns = false;
      throw err;
    }
    if (stopped()) return;
    let answer = await ctx.service.catchUp(feedId, from?.since, from?.epoch, ctx.relay.position(feedId));
    // The reader joined before the read, so what the relay emitted while the read was in flight
    // reached a Socket.IO reader ahead of this answer. An answer older than those events would
    // take it back behind them (a `reset` replaces what it shows). Read again, covering what the
    // relay emitted; the check and the hand-over below run in one tick, and a broadcast made
    // after it goes out after the answer.
    for (let again = 0; again < MAX_CATCH_UP_READS - 1 && overtaken(answer, ctx.relay.position(feedId)); again++) {
      if (stopped()) return;
      answer = await ctx.service.catchUp(feedId, from?.since, from?.epoch, ctx.relay.position(feedId));
    }
    if (stopped()) return;
    sink.caughtUp(feed, answer);
  };
  attach().catch((err: unknown) => {
    // A reader that has gone is told nothing; what it held was released with it.
    if (!stopped()) sink.failed(err);
  });
  return dispose;
}

/**
 * Take a reader off a feed: off the transport's deliveries, and its relay reference (the
 * channel goes with the feed's last reader on this node). What every disposer, unsubscribe and
 * disconnect does; releasing twice releases once.
 */
export function detachReader(relay: FeedRelay, feedId: string, hold: ReaderHold): void {
  hold.leave();
  relay.unwatch(feedId, hold.holder);
}
