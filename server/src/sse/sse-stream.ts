import type { ServerResponse } from "node:http";
import type { NextFunction } from "express";
import { SOCKET_EVENTS, type EventsResponse, type Feed, type FeedEvent } from "@liveline/protocol";
import type { Logger } from "@liveline/core";
import { assertCanRead, readableUntil } from "../auth/auth.js";
import type { Handlers } from "../http/operation-router.js";
import { attachReader, type ReaderContext, type ReaderSink, type ResumePoint } from "../reader/attach-reader.js";
import { ReaderCursor } from "../reader/reader-cursor.js";
import type { BacklogWatch } from "../reader/slow-readers.js";
import type { Principal } from "../auth/principal.js";

/** Longest timer set (setTimeout overflows past 2^31 - 1 ms); a later expiry is looked at again then. */
const MAX_TIMER_MS = 24 * 60 * 60 * 1000;

/**
 * One Server-Sent Events reader of one feed, as attachReader sees it: it opens the stream when
 * joined, then writes what it is handed, the catch-up and the relay's events, in seq order
 * (ReaderCursor skips the overlap and holds what comes before the catch-up is written). It
 * never reads the store.
 */
export class SseStream implements ReaderSink {
  readonly holder = this;
  private readonly cursor = new ReaderCursor();
  /** The log epoch of what was written (from the catch-up), the first part of every event id. */
  private epoch: string | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  /** Ends the stream when the token that let it in to a private feed expires. */
  private expiry: NodeJS.Timeout | undefined;
  /** Until when the reader may read the feed (Unix ms): the token's exp, or Infinity. */
  private readableUntil = Infinity;
  private closed = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly feedId: string,
    private readonly principal: Principal | undefined,
    private readonly o: SseRouteOptions,
    /** Express's error path, for failures before the stream was opened (404, 401, 503). */
    private readonly next: NextFunction,
  ) {}

  gone(): boolean {
    return this.res.destroyed;
  }

  /** A private feed needs a token for it (Authorization: Bearer, read by the /v1 router). */
  authorize(feed: Feed): void {
    assertCanRead(this.principal, feed);
    this.readableUntil = readableUntil(this.principal, feed);
  }

  join(): boolean {
    this.res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      // nginx: do not buffer this response.
      "x-accel-buffering": "no",
    });
    this.res.write("retry: 1000\n\n");
    this.o.hub.add(this.feedId, this);
    this.heartbeat = setInterval(() => this.write(": heartbeat\n\n"), this.o.heartbeatMs);
    if (this.readableUntil !== Infinity) {
      // A stream cannot be handed a fresh token: it ends, and the client opens a new one with
      // a fresh token and its last id (see the README's Server-Sent Events section).
      const left = Math.min(MAX_TIMER_MS, Math.max(0, this.readableUntil - Date.now()));
      this.expiry = setTimeout(() => this.expire(), left);
    }
    return true;
  }

  leave(): void {
    clearInterval(this.heartbeat);
    clearTimeout(this.expiry);
    this.o.hub.remove(this.feedId, this);
  }

  /** The events after the reader's seq, or `event: reset` with the feed's current entries. */
  caughtUp(_feed: Feed, answer: EventsResponse): void {
    const { seq, epoch } = answer;
    this.epoch = epoch;
    if ("reset" in answer) this.send("reset", seq, { reset: true, seq, epoch, entries: answer.entries });
    else for (const e of answer.events) this.send(e.type, e.seq, e);
    for (const e of this.cursor.caughtUp(seq, epoch)) this.push(e);
  }

  push(event: FeedEvent): void {
    const verdict = this.cursor.offer(event);
    if (verdict === "write") this.send(event.type, event.seq, event);
    // The relay skipped events its log no longer had, or the feed's history was lost (another
    // epoch): EventSource reconnects with its Last-Event-ID, answered with `event: reset`.
    else if (verdict === "gap" || verdict === "epoch") this.close();
  }

  failed(err: unknown): void {
    if (!this.res.headersSent) {
      this.next(err);
      return;
    }
    this.o.logger.warn({ feedId: this.feedId, err: (err as Error).message }, "sse stream failed; closing it");
    this.close();
  }

  /** The token ran out: say so (without an `id`, so Last-Event-ID stays the last event's), and end. */
  private expire(): void {
    if (Date.now() < this.readableUntil) {
      this.expiry = setTimeout(() => this.expire(), Math.min(MAX_TIMER_MS, this.readableUntil - Date.now()));
      return;
    }
    const error = { code: "token_expired", message: "the token for this feed has expired; reconnect with a fresh one" };
    this.write(`event: ${SOCKET_EVENTS.feedError}\ndata: ${JSON.stringify({ feedId: this.feedId, error })}\n\n`);
    this.close();
  }

  /** End the stream; its close lets go of everything through the attach's disposer. */
  close(): void {
    this.closed = true;
    if (!this.res.writableEnded) this.res.end();
  }

  /** Ids are `<epoch>:<seq>`, so that EventSource's Last-Event-ID names the epoch too. */
  private send(type: string, seq: number, data: unknown): void {
    const id = this.epoch === undefined || this.epoch === "" ? String(seq) : `${this.epoch}:${seq}`;
    this.write(`id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private write(chunk: string): void {
    if (this.closed || this.res.writableEnded) return;
    this.res.write(chunk);
    const backlog = this.res.writableLength;
    if (this.o.slowReaders.tooFarBehind(this, backlog, this.res)) {
      // Destroyed, not ended: ending would keep the backlog until the reader took it. A cut
      // event is never dispatched by EventSource, which reconnects with its Last-Event-ID.
      this.closed = true;
      this.res.destroy();
      this.o.slowReaders.policy.onCut?.({ transport: "sse", backlogBytes: backlog });
    }
  }
}

/** The SSE streams of one node, by feed; the relay's emit hands every event to `deliver`. */
export class SseHub {
  private readonly feeds = new Map<string, Set<SseStream>>();

  deliver(feedId: string, event: FeedEvent): void {
    for (const s of this.feeds.get(feedId) ?? []) s.push(event);
  }

  /** The feed's history was lost (a new epoch): end its streams, which resume with `event: reset`. */
  reset(feedId: string): void {
    for (const s of this.feeds.get(feedId) ?? []) s.close();
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
  /** Where readers are attached from: the feed service's reads and the relay. */
  readers: ReaderContext;
  logger: Logger;
  /** Comment line interval that keeps proxies from closing an idle stream. @default 15000 */
  heartbeatMs: number;
  /** Cuts off a stream too far behind (MAX_READER_BACKLOG_BYTES, READER_BACKLOG_GRACE_MS). */
  slowReaders: BacklogWatch;
}

/**
 * `GET /v1/feeds/:feedId/stream`: the feed's events as Server-Sent Events, resumable. It resumes
 * after Last-Event-ID (what EventSource sends on reconnect: `<epoch>:<seq>`, or a plain `<seq>`
 * from a stream before epochs), which wins over `?since=` (with `?epoch=`).
 */
export function sseRoutes(o: SseRouteOptions): Handlers<"streamEvents"> {
  return {
    streamEvents: ({ params, query, headers, principal, res, next }) => {
      const { since, epoch } = query;
      const from: ResumePoint | undefined =
        headers["Last-Event-ID"] ?? (since === undefined ? undefined : { since, epoch });
      const stream = new SseStream(res, params.feedId, principal, o, next);
      // Listened for before anything is awaited: whenever the reader goes (or the stream is
      // ended), the disposer lets go of what the attach holds by then.
      res.once("close", attachReader(o.readers, params.feedId, from, stream));
      return undefined;
    },
  };
}
