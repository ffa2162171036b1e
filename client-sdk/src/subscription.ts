import type { Entry, Feed, FeedEvent, SubscribeAck, WireError } from "@liveline/protocol";
import { FeedState } from "./feed-state.js";
import type { CatchUpResult } from "./http-catch-up.js";
import type { SubscriptionState, SubscriptionStateChange, SubscriptionStateReason } from "./states.js";
import { TypedEmitter } from "./typed-emitter.js";

export interface SubscribedContext {
  /** The seq the subscription now stands at. */
  seq: number;
  /** The state was replaced by a snapshot (first subscribe, or the log no longer reached back). */
  reset: boolean;
  /** A resubscribe got exactly the missed events: nothing was lost while away. */
  recovered: boolean;
}

export interface SubscriptionEvents {
  [event: string]: unknown[];
  /** The current entries, newest first, after every change. */
  entries: [entries: Entry[]];
  /** Each applied event, once, in seq order. */
  event: [event: FeedEvent];
  /** Feed metadata changed (title, status …). */
  feed: [feed: Feed];
  subscribed: [ctx: SubscribedContext];
  /** The subscription's state changed (`unsubscribed` / `subscribing` / `subscribed`), and why. */
  state: [change: SubscriptionStateChange];
  error: [error: WireError];
}

/** What a subscription needs from its client (kept narrow so it is easy to test). */
export interface SubscriptionHost {
  requestSubscribe(sub: Subscription): void;
  /** A gap stayed open for `gapTimeout`: fetch the missing range by whatever path works. */
  requestGapFill(sub: Subscription): void;
  requestUnsubscribe(sub: Subscription): void;
}

/**
 * One feed followed by the app. The SDK keeps it subscribed across reconnects, resuming from
 * the last applied seq, and fills gaps before anything later is shown.
 */
export class Subscription extends TypedEmitter<SubscriptionEvents> {
  private readonly feedState = new FeedState();
  private gapTimer: ReturnType<typeof setTimeout> | undefined;
  private active = true;
  /** A new subscription is `subscribing` at once: the client sends it as soon as it is connected. */
  private current: SubscriptionState = "subscribing";

  constructor(
    readonly feedId: string,
    private readonly host: SubscriptionHost,
    private readonly gapTimeoutMs: number,
  ) {
    super();
  }

  /** Current entries, newest first; `pinned` is flagged on each entry. */
  get entries(): Entry[] {
    return this.feedState.list();
  }

  get pinned(): Entry[] {
    return this.feedState.list().filter((e) => e.pinned);
  }

  get feed(): Feed | undefined {
    return this.feedState.feed;
  }

  /** Last applied seq, or undefined before the first answer. */
  get seq(): number | undefined {
    return this.feedState.seq;
  }

  /** The app still follows this feed (false once `unsubscribe()` or `client.close()` ran). */
  get isActive(): boolean {
    return this.active;
  }

  /** `subscribing` until the server accepted it, `subscribed` while live, `unsubscribed` at the end or when refused. */
  get state(): SubscriptionState {
    return this.current;
  }

  entry(entryId: string): Entry | undefined {
    return this.feedState.get(entryId);
  }

  /** Stop following the feed. */
  unsubscribe(): void {
    if (!this.active) return;
    this.host.requestUnsubscribe(this);
    this.dispose("unsubscribe_called");
  }

  /** @internal the client is about to send a subscribe: a refused subscription tries again. */
  resubscribing(): void {
    if (this.current === "unsubscribed" && this.active) this.setState("subscribing", "resubscribe");
  }

  /** @internal the client's connection is down: the subscription resumes when it is back. */
  connectionLost(reason: "transport_closed" | "disconnect_called"): void {
    if (this.current === "subscribed") this.setState("subscribing", reason);
  }

  /** @internal the payload to (re)subscribe with. */
  subscribePayload(): { feedId: string; since?: number } {
    return this.feedState.seq === undefined
      ? { feedId: this.feedId }
      : { feedId: this.feedId, since: this.feedState.seq };
  }

  /** @internal an answer to `subscribe`. */
  handleAck(ack: SubscribeAck, resumed: boolean): void {
    if (!ack.ok) {
      this.setState("unsubscribed", "subscribe_refused", ack.error);
      this.emit("error", ack.error);
      return;
    }
    const before = this.feedState.feed;
    let applied: FeedEvent[];
    let reset = false;
    if ("reset" in ack) {
      applied = this.feedState.reset(ack.feed, ack.seq, ack.entries);
      reset = true;
    } else {
      if (this.feedState.seq === undefined) this.feedState.reset(ack.feed, ack.seq - ack.events.length, []);
      applied = [];
      for (const e of ack.events) applied.push(...this.feedState.offer(e).applied);
    }
    this.clearGapTimer();
    this.setState("subscribed", "subscribe_ok");
    this.emit("subscribed", { seq: this.feedState.seq ?? ack.seq, reset, recovered: resumed && !reset });
    this.publish(applied, reset || before === undefined);
    if (this.feedState.waiting > 0) this.scheduleGapFill();
  }

  /**
   * @internal the server ended the subscription (`feed:error`): it waits, holding its seq, for
   * the client to subscribe again (`resumed`, so nothing is missed).
   */
  handleEnded(error: WireError): void {
    if (!this.active) return;
    this.clearGapTimer();
    this.setState("subscribing", "subscription_ended", error);
    this.emit("error", error);
  }

  /** @internal an answer of the HTTP catch-up endpoint (see fetchCatchUp). */
  handleCatchUp(r: CatchUpResult): void {
    const feed = this.feedState.feed;
    if (!this.active || this.feedState.seq === undefined || feed === undefined) return;
    let applied: FeedEvent[] = [];
    if (r.reset) {
      // A snapshot older than what is applied already would step back in time: ignore it.
      if (r.seq <= this.feedState.seq) return;
      applied = this.feedState.reset({ ...feed, seq: r.seq }, r.seq, r.entries);
      this.emit("subscribed", { seq: this.feedState.seq, reset: true, recovered: false });
    } else {
      for (const e of r.events) if (e.feedId === this.feedId) applied.push(...this.feedState.offer(e).applied);
    }
    this.publish(applied, r.reset);
    if (this.feedState.waiting > 0) this.scheduleGapFill();
    else this.clearGapTimer();
  }

  /** @internal a live `feed:event`. */
  handleEvent(event: FeedEvent): void {
    if (!this.active) return;
    const { applied, gap } = this.feedState.offer(event);
    this.publish(applied, false);
    if (gap) this.scheduleGapFill();
    else if (applied.length > 0) this.clearGapTimer();
  }

  /** @internal the end of the subscription (idempotent). */
  dispose(reason: "unsubscribe_called"): void {
    this.active = false;
    this.clearGapTimer();
    this.setState("unsubscribed", reason);
  }

  private setState(state: SubscriptionState, reason: SubscriptionStateReason, error?: WireError): void {
    if (state === this.current) return;
    const previous = this.current;
    this.current = state;
    this.emit("state", error === undefined ? { state, previous, reason } : { state, previous, reason, error });
  }

  private publish(applied: FeedEvent[], snapshotChanged: boolean): void {
    for (const e of applied) {
      this.emit("event", e);
      if (e.type === "feed.updated") this.emit("feed", e.feed);
    }
    if (applied.length > 0 || snapshotChanged) this.emit("entries", this.feedState.list());
  }

  /**
   * A later seq arrived before an earlier one. Usually the earlier one is just behind it;
   * if it has not come within `gapTimeoutMs`, ask for the missing range.
   */
  private scheduleGapFill(): void {
    if (this.gapTimer !== undefined) return;
    this.gapTimer = setTimeout(() => {
      this.gapTimer = undefined;
      if (this.active && this.feedState.waiting > 0) this.host.requestGapFill(this);
    }, this.gapTimeoutMs);
  }

  private clearGapTimer(): void {
    if (this.gapTimer !== undefined) clearTimeout(this.gapTimer);
    this.gapTimer = undefined;
  }
}
