import type { Entry, Feed, FeedEvent, FeedResetNotice, SubscribeAck, WireError } from "@liveline/protocol";
import { FeedState } from "./feed-state.js";
import type { CatchUpResult } from "./http-catch-up.js";
import type { SubscriptionState, SubscriptionStateChange, SubscriptionStateReason } from "./states.js";
import { TypedEmitter } from "./typed-emitter.js";

export interface SubscribedContext {
  /** The seq the subscription now stands at. */
  seq: number;
  /** The feed log's epoch that `seq` belongs to (undefined from servers before epochs). */
  epoch?: string;
  /** The state was replaced by a snapshot (first subscribe, the log no longer reached back, or history was lost). */
  reset: boolean;
  /** The subscription held a position and asked to resume from it (as centrifuge-js's `wasRecovering`). */
  wasRecovering: boolean;
  /** A resubscribe got exactly the missed events: nothing was lost while away. */
  recovered: boolean;
  /**
   * Why a resume was not recovered: `epoch_changed` — the feed's history was lost (Redis wiped,
   * restored from a backup, failed over behind) and what was shown is replaced by the current
   * state; `too_far_behind` — the kept log no longer reached back to the held seq.
   */
  reason?: UnrecoveredReason;
}

export type UnrecoveredReason = "epoch_changed" | "too_far_behind";

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
  /**
   * A gap stayed open for `gapTimeout`, or the feed's epoch changed: fetch what is missing (or
   * the reset) by whatever path works, resuming from the held seq and epoch.
   */
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
  /** A resume was asked for because the epoch changed; cleared by the answer. */
  private resyncAsked = false;

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

  /** The feed log's epoch that `seq` belongs to (sent back with `seq` on every resume). */
  get epoch(): string | undefined {
    return this.feedState.epoch;
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
  subscribePayload(): { feedId: string; since?: number; epoch?: string } {
    const { seq, epoch } = this.feedState;
    if (seq === undefined) return { feedId: this.feedId };
    return epoch === undefined ? { feedId: this.feedId, since: seq } : { feedId: this.feedId, since: seq, epoch };
  }

  /** @internal an answer to `subscribe`. */
  handleAck(ack: SubscribeAck, resumed: boolean): void {
    if (!ack.ok) {
      this.resyncAsked = false;
      this.setState("unsubscribed", "subscribe_refused", ack.error);
      this.emit("error", ack.error);
      return;
    }
    const before = this.feedState.feed;
    const epochChanged = this.changesEpoch(ack.epoch);
    this.resyncAsked = false;
    let applied: FeedEvent[];
    let reset = false;
    if ("reset" in ack) {
      applied = this.feedState.reset(ack.feed, ack.seq, ack.entries, ack.epoch);
      reset = true;
    } else {
      if (this.feedState.seq === undefined) {
        this.feedState.reset(ack.feed, ack.seq - ack.events.length, [], ack.epoch);
      }
      // A server before epochs never names one; the first that does names this history.
      this.feedState.epoch ??= ack.epoch;
      applied = [];
      for (const e of ack.events) applied.push(...this.feedState.offer(e).applied);
    }
    this.clearGapTimer();
    this.setState("subscribed", "subscribe_ok");
    this.emit("subscribed", this.context(resumed, reset, epochChanged));
    this.publish(applied, reset || before === undefined);
    if (this.feedState.waiting > 0) this.scheduleGapFill();
  }

  /** @internal a `feed:reset`: the feed's history was lost; resume (with the held epoch) to get the reset. */
  handleReset(notice: FeedResetNotice): void {
    if (!this.active || this.feedState.seq === undefined || notice.epoch === this.feedState.epoch) return;
    this.resync();
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
    const epochChanged = this.changesEpoch(r.epoch);
    if (r.reset) {
      // A snapshot older than what is applied already would step back in time (unless it is
      // of another history): ignore it.
      if (!epochChanged && r.seq <= this.feedState.seq) return;
      this.resyncAsked = false;
      applied = this.feedState.reset({ ...feed, seq: r.seq }, r.seq, r.entries, r.epoch);
      this.emit("subscribed", this.context(true, true, epochChanged));
    } else {
      this.feedState.epoch ??= r.epoch;
      for (const e of r.events) if (e.feedId === this.feedId) applied.push(...this.offer(e));
    }
    this.publish(applied, r.reset);
    if (this.feedState.waiting > 0) this.scheduleGapFill();
    else this.clearGapTimer();
  }

  /** @internal a live `feed:event`. */
  handleEvent(event: FeedEvent): void {
    if (!this.active) return;
    const { applied, gap, epochChanged } = this.feedState.offer(event);
    if (epochChanged) this.resync();
    this.publish(applied, false);
    if (gap) this.scheduleGapFill();
    else if (applied.length > 0) this.clearGapTimer();
  }

  private offer(event: FeedEvent): FeedEvent[] {
    const { applied, epochChanged } = this.feedState.offer(event);
    if (epochChanged) this.resync();
    return applied;
  }

  /** Whether an answer naming `epoch` moves this subscription to another history. */
  private changesEpoch(epoch: string | undefined): boolean {
    return epoch !== undefined && this.feedState.epoch !== undefined && epoch !== this.feedState.epoch;
  }

  /** The feed's epoch changed: resume now (once until answered); the answer is a reset. */
  private resync(): void {
    if (this.resyncAsked || !this.active) return;
    this.resyncAsked = true;
    this.host.requestGapFill(this);
  }

  private context(resumed: boolean, reset: boolean, epochChanged: boolean): SubscribedContext {
    const ctx: SubscribedContext = {
      seq: this.feedState.seq ?? 0,
      reset,
      wasRecovering: resumed,
      recovered: resumed && !reset,
    };
    if (this.feedState.epoch !== undefined) ctx.epoch = this.feedState.epoch;
    if (resumed && reset) ctx.reason = epochChanged ? "epoch_changed" : "too_far_behind";
    return ctx;
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
