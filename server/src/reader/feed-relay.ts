import { FeedEvent as FeedEventSchema, LIMITS, type FeedEvent, type FeedResetNotice } from "@liveline/protocol";
import { EventEnvelope, type FeedStore, type Head, type Logger, type RedisClient } from "@liveline/core";

interface Watched {
  feedId: string;
  /** Who needs the feed relayed: one entry per reader, however often it asked. */
  holders: Set<object>;
  /** Highest seq this node has emitted (or knows its subscribers hold from their ack). */
  lastSeq: number;
  /** The log epoch `lastSeq` belongs to ('' while the feed was not found). */
  epoch: string;
  /** `at` of the event at `lastSeq` ('' when unknown): tells a rewritten seq from the one emitted. */
  lastAt: string;
  /** A head check is queued and has not started: more reasons to check need no second one. */
  checkQueued: boolean;
  /** Serialises everything done for one feed, so emits leave in seq order. */
  chain: Promise<void>;
}

export interface FeedRelayOptions {
  /** A connection used only for SUBSCRIBE (ioredis puts it in subscriber mode). */
  subscriber: RedisClient;
  store: FeedStore;
  logger: Logger;
  /** Hands one event to this node's readers of the feed (NodeFanOut.deliver: rooms and SSE streams). */
  emit: (feedId: string, event: FeedEvent) => void;
  /** Tells this node's readers of the feed that its history was lost and its log has a new epoch. */
  reset: (notice: FeedResetNotice) => void;
  /** How often to compare each watched feed's head with what was emitted. @default 5000 */
  headCheckMs?: number;
  /**
   * At most this many periodic head checks per second (each is a script on Redis): a node that
   * relays more feeds than `headCheckMs` allows at that rate checks them in turn, each less
   * often. A subscriber reconnect still checks every feed at once. @default 500
   */
  headChecksPerSecond?: number;
  /** Redis Cluster: sharded pub/sub (SSUBSCRIBE, `smessage`), matching the store's SPUBLISH. */
  sharded?: boolean;
}

/**
 * One per server node: listens on the pub/sub channel of every feed that has a reader on this
 * node and hands each event to the node's sockets exactly once, in seq order. Pub/sub is
 * at-most-once, so a message can be lost (a dropped subscriber connection, a Redis restart);
 * the relay notices from the next seq, or from a periodic check of the feed's head, and
 * fills the hole from the event log before going on. Readers then never need to ask.
 *
 * It is also a witness of the feed's history (docs/delivery-guarantees.md#lost-history-the-epoch):
 * it remembers the epoch, the last seq and that event's `at`. When the feed turns out to be behind
 * that, or to hold another event at that seq, in the same epoch (Redis restored from an older
 * backup, failed over to a lagging replica), it has the epoch changed (head.lua); when the epoch is
 * another than the one it emitted (changed by a worker, a reader's resume or another node, or the
 * feed recreated after a wipe), it tells its readers (`reset`) and goes on from the new head, never
 * handing them events that reuse seqs they hold. It checks on every subscriber reconnect, every
 * `headCheckMs` (in turns when it relays more feeds than `headChecksPerSecond` allows), every event
 * of another epoch and every seq it has already emitted.
 */
export class FeedRelay {
  private readonly feeds = new Map<string, Watched>();
  private readonly byChannel = new Map<string, Watched>();
  /** Channels whose SUBSCRIBE Redis has confirmed (the health signal compares them with Redis's count). */
  private readonly subscribed = new Set<string>();
  private readonly timer: NodeJS.Timeout;
  /** Feeds still to be checked in the current round of periodic checks, and the next one's index. */
  private round: string[] = [];
  private roundAt = 0;

  constructor(private readonly options: FeedRelayOptions) {
    const onMessage = (channel: string, message: string) => this.onMessage(channel, message);
    options.subscriber.on(options.sharded ? "smessage" : "message", onMessage);
    // ioredis re-subscribes after a reconnect by itself; what was published meanwhile is lost.
    options.subscriber.on("ready", () => this.checkHeads());
    const everyMs = options.headCheckMs ?? 5000;
    const perTick = Math.max(1, Math.floor(((options.headChecksPerSecond ?? 500) * everyMs) / 1000));
    this.timer = setInterval(() => this.checkSome(perTick), everyMs);
    this.timer.unref();
  }

  /**
   * Start relaying a feed for `holder` (a reader), or join the relaying under way. References
   * are per holder: a reader that asks twice holds one, and letting go twice lets go once, so
   * whoever releases a reader (its disposer, an unsubscribe, a disconnect) cannot take another
   * reader's reference, even one taken after a failed subscribe dropped the feed.
   */
  async watch(feedId: string, holder: object): Promise<void> {
    const existing = this.feeds.get(feedId);
    if (existing) {
      existing.holders.add(holder);
      await existing.chain;
      return;
    }
    const w: Watched = {
      feedId,
      holders: new Set([holder]),
      lastSeq: 0,
      epoch: "",
      lastAt: "",
      checkQueued: false,
      chain: Promise.resolve(),
    };
    const channel = this.options.store.keys.feed(feedId).channel;
    this.feeds.set(feedId, w);
    this.byChannel.set(channel, w);
    w.chain = (async () => {
      if (this.options.sharded) await this.options.subscriber.ssubscribe(channel);
      else await this.options.subscriber.subscribe(channel);
      // Let go meanwhile (its last holder left while the subscribe was answered): the UNSUBSCRIBE
      // went out after it, so Redis holds nothing, and neither may the count readiness compares.
      if (this.feeds.get(feedId) !== w) return;
      this.subscribed.add(channel);
      // Anything published before this read is in the store, and readers get it in their catch-up.
      const head = await this.options.store.head(feedId);
      if (head.exists) this.moveTo(w, head);
    })();
    try {
      await w.chain;
    } catch (err) {
      this.drop(w, channel);
      throw err;
    }
  }

  /**
   * How far this node has relayed a feed: the highest seq it emitted (or found on watching it)
   * and its epoch; undefined while the feed is not relayed here or not found.
   */
  position(feedId: string): { seq: number; epoch: string } | undefined {
    const w = this.feeds.get(feedId);
    return w === undefined || w.epoch === "" ? undefined : { seq: w.lastSeq, epoch: w.epoch };
  }

  /** `holder` no longer needs the feed; the channel goes with the last holder. */
  unwatch(feedId: string, holder: object): void {
    const w = this.feeds.get(feedId);
    if (!w?.holders.delete(holder) || w.holders.size > 0) return;
    const channel = this.options.store.keys.feed(feedId).channel;
    this.drop(w, channel);
    const sub = this.options.subscriber;
    (this.options.sharded ? sub.sunsubscribe(channel) : sub.unsubscribe(channel)).catch(() => undefined);
  }

  close(): void {
    clearInterval(this.timer);
  }

  /** For readiness: is the subscriber connected, and on how many channels should Redis have it. */
  health(): { connected: boolean; channels: number } {
    return { connected: this.options.subscriber.status === "ready", channels: this.subscribed.size };
  }

  private drop(w: Watched, channel: string): void {
    this.subscribed.delete(channel);
    if (this.feeds.get(w.feedId) === w) this.feeds.delete(w.feedId);
    if (this.byChannel.get(channel) === w) this.byChannel.delete(channel);
  }

  private onMessage(channel: string, message: string): void {
    const w = this.byChannel.get(channel);
    if (!w) return;
    let event: FeedEvent;
    let requestId: string | undefined;
    try {
      const raw: unknown = JSON.parse(message);
      event = FeedEventSchema.parse(raw);
      requestId = EventEnvelope.safeParse(raw).data?.requestId;
    } catch (err) {
      this.options.logger.error({ channel, err: (err as Error).message }, "dropped a malformed pub/sub message");
      return;
    }
    this.enqueue(w, async () => {
      if (event.epoch !== undefined && event.epoch !== w.epoch) {
        // Stored in another epoch than the one emitted: find out which is the feed's now.
        await this.check(w);
        if (event.epoch !== w.epoch) return;
      }
      if (event.seq <= w.lastSeq) {
        // Mostly the overlap of a catch-up or a repair with pub/sub; but a seq taken again
        // after a restore looks the same, so the head is checked (once per burst).
        if (event.seq < w.lastSeq || event.at !== w.lastAt) this.queueCheck(w);
        return;
      }
      if (event.seq > w.lastSeq + 1) await this.repair(w);
      if (event.seq === w.lastSeq + 1) this.deliver(w, event, requestId);
    });
  }

  private checkHeads(): void {
    for (const w of this.feeds.values()) this.queueCheck(w);
  }

  /** The next `count` feeds of the round (a new round when it is done): each feed in turn. */
  private checkSome(count: number): void {
    if (this.roundAt >= this.round.length) {
      this.round = [...this.feeds.keys()];
      this.roundAt = 0;
    }
    const end = Math.min(this.round.length, this.roundAt + count);
    for (; this.roundAt < end; this.roundAt++) {
      const w = this.feeds.get(this.round[this.roundAt] ?? "");
      if (w !== undefined) this.queueCheck(w);
    }
  }

  private queueCheck(w: Watched): void {
    if (w.checkQueued) return;
    w.checkQueued = true;
    this.enqueue(w, () => this.check(w));
  }

  /**
   * Compare the feed's head with what this node emitted: a loss proven in this epoch changes the
   * epoch; another epoch than the emitted one is told to the readers; a head ahead is repaired.
   * A feed not found (wiped) is left as it is: recreated, it comes back with another epoch.
   */
  private async check(w: Watched): Promise<void> {
    w.checkQueued = false;
    const held = w.epoch === "" ? undefined : { epoch: w.epoch, seq: w.lastSeq, at: w.lastAt || undefined };
    const head = await this.options.store.head(w.feedId, held);
    if (!head.exists) return;
    if (head.epoch !== w.epoch) this.startOver(w, head);
    else if (head.seq > w.lastSeq) await this.repair(w);
  }

  /** The feed's log has another epoch: readers are told, and the relay goes on from its head. */
  private startOver(w: Watched, head: Extract<Head, { exists: true }>): void {
    this.options.logger.warn(
      { feedId: w.feedId, from: { epoch: w.epoch, seq: w.lastSeq }, to: { epoch: head.epoch, seq: head.seq } },
      head.rotated ? "feed history was lost: new epoch" : "feed epoch changed",
    );
    this.moveTo(w, head);
    this.options.reset({ feedId: w.feedId, epoch: head.epoch, seq: head.seq });
  }

  private moveTo(w: Watched, head: { seq: number; epoch: string; at: string }): void {
    w.lastSeq = head.seq;
    w.epoch = head.epoch;
    w.lastAt = head.at;
  }

  /** Emit from the log everything after `lastSeq`. */
  private async repair(w: Watched): Promise<void> {
    const r = await this.options.store.eventsSince(
      w.feedId,
      w.lastSeq,
      LIMITS.maxCatchUpEvents,
      w.epoch === "" ? undefined : w.epoch,
    );
    if (r.epoch !== w.epoch) {
      await this.check(w);
      return;
    }
    if (r.kind === "reset") {
      // Too far behind for the log: readers see the gap and start over from a snapshot (the SDK
      // asks for one; an SSE stream is ended, and EventSource's reconnect gets `event: reset`).
      this.options.logger.warn({ feedId: w.feedId, from: w.lastSeq, to: r.seq }, "relay gap beyond the log");
      w.lastSeq = r.seq;
      w.lastAt = "";
      return;
    }
    if (r.events.length > 0) {
      this.options.logger.info({ feedId: w.feedId, from: w.lastSeq, count: r.events.length }, "relay filled a gap");
    }
    // The log keeps each event's request id too: a repair that wins the race with pub/sub (a
    // head check answered before the message) still ties the emit to its request.
    r.events.forEach((e, i) => {
      if (e.seq === w.lastSeq + 1) this.deliver(w, e, r.requestIds[i]);
    });
  }

  private deliver(w: Watched, event: FeedEvent, requestId?: string): void {
    w.lastSeq = event.seq;
    w.lastAt = event.at;
    this.options.emit(w.feedId, event);
    // Logged on the next tick, after the frame: the gateway writes a broadcast on a tick it queued
    // in `emit`, and the line's write to stdout (a system call) need not go before the readers'.
    const line = { feedId: w.feedId, seq: event.seq, type: event.type, requestId };
    process.nextTick(() => this.options.logger.info(line, "emitted"));
  }

  private enqueue(w: Watched, task: () => Promise<void>): void {
    w.chain = w.chain.then(task).catch((err: unknown) => {
      this.options.logger.warn({ feedId: w.feedId, err: (err as Error).message }, "relay task failed");
    });
  }
}
