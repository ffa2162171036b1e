import { EventEmitter } from "node:events";
import { UnrecoverableError, Worker, type ConnectionOptions, type Job } from "bullmq";
import { FeedId, type FailedChange } from "@liveline/protocol";
import { CoalescedReads, PublishJob, type ApplyJob, type DrainJob, type ReleaseJob } from "@liveline/core";
import type { ApplyManyResult, ApplyResult, FeedStore, HeldPosition } from "@liveline/core";
import type { Logger, RedisClient } from "@liveline/core";
import { QUEUE_NAME, type PublishQueue } from "@liveline/core";

/** Feeds whose last applied position a worker remembers (about 100 bytes each). */
const HELD_FEEDS = 10_000;

/** Feeds one drain job applies at once, when they go alone. */
const DRAIN_PARALLEL = 16;

/** Feeds of a drain job applied in one script call (applyTogether). */
const TOGETHER = 32;

/** What applying one feed came to: its seq, the events it emitted and the last ticket applied. */
export interface FeedApplied {
  seq: number;
  emitted: number;
  applied: number;
  /**
   * The `emitted` seqs up to `seq` are all this call's (no other worker's in between) and none of
   * them may make an alert: past them the outputs only move the feed's cursor, with nothing to read.
   */
  quiet: boolean;
}

/** What a job came to: the feeds it applied, the events they emitted, the highest seq among them. */
export interface JobResult {
  feeds: number;
  emitted: number;
  seq: number;
}

export interface PublishWorkerOptions {
  connection: ConnectionOptions;
  prefix: string;
  store: FeedStore;
  /** Re-enqueues jobs for feeds whose accepted changes were never scheduled. */
  queue: PublishQueue;
  logger: Logger;
  /** Jobs run at once in this process; feeds stay in order whatever the value. @default 8 */
  concurrency?: number;
  /** How often to look for accepted-but-unscheduled changes, in ms (0 = never). @default 5000 */
  sweepIntervalMs?: number;
  /**
   * A connection for SUBSCRIBE to the store's nudge channel: a feed whose accept asked for a drain
   * job where jobs come seldom (FeedStoreOptions.nudgeQuietMs) is applied as the accept's message
   * arrives, without waiting for BullMQ to hand the job out (the job then finds it applied).
   */
  nudges?: RedisClient;
}

/**
 * Why a change was set aside: the apply script could not read it (`unreadable`, at once: it
 * never would), or applying it failed on every attempt of its job (`retries_exhausted`).
 */
export type SetAsideReason = "unreadable" | "retries_exhausted";

export interface SetAside {
  feedId: string;
  reason: SetAsideReason;
  record: FailedChange;
}

export interface PublishWorkerEvents {
  /** A change was set aside so that the feed's later changes go on (docs/delivery-guarantees.md). */
  "set-aside": [SetAside];
  /** A feed was applied up to its last accepted change (once per feed a job applied). */
  applied: [{ feedId: string } & FeedApplied];
}

/**
 * Applies accepted changes. Ordering does not depend on BullMQ's job order: the store's apply
 * script always takes a feed's pending changes in ticket order, so any number of concurrent
 * jobs and worker processes yield the same, gap-free seq sequence.
 *
 * Group commit across feeds: a drain job applies every feed of its cluster slot that is behind
 * when it runs, so that at capacity one job (BullMQ's add, fetch and finish) carries the changes
 * of many feeds. A feed this process is applying already is not applied twice at once: the job
 * shares the apply that starts once the running one is over (which reads every change accepted
 * before the job asked).
 *
 * A change that cannot be applied never holds the feed for ever: it is set aside (a record in
 * the feed's failed set, a log line with its request id, a `set-aside` event for the metrics)
 * and the changes behind it are applied.
 */
export class PublishWorker {
  readonly worker: Worker<PublishJob>;
  readonly events = new EventEmitter<PublishWorkerEvents>();
  private sweepTimer: NodeJS.Timeout | undefined;
  /** What the previous sweep saw per feed behind: "<ticket>/<applied>". */
  private lastSeen = new Map<string, string>();
  private sweeping = false;
  private closing = false;
  /**
   * The epoch and seq this process last applied each feed at (the most recent feeds, bounded).
   * The apply script compares them with the store: a feed behind them in the same epoch lost
   * history (Redis restored from an older backup, failed over behind), and gets a new epoch
   * before new changes take those seqs again (docs/delivery-guarantees.md#lost-history-the-epoch).
   */
  private readonly held = new Map<string, HeldPosition>();
  /** One apply per feed in flight in this process; a caller arriving meanwhile shares the next. */
  private readonly applying = new CoalescedReads<FeedApplied>((feedId) => this.applyUpTo(feedId, 0));

  constructor(private readonly options: PublishWorkerOptions) {
    this.worker = new Worker<PublishJob>(QUEUE_NAME, (job) => this.process(job), {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency ?? 8,
      autorun: true,
    });
    this.worker.on("failed", (job, err) => {
      options.logger.warn({ jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, "apply job failed");
    });
    this.worker.on("error", (err) => options.logger.error({ err: err.message }, "worker error"));
    if (options.nudges !== undefined) {
      const channel = options.store.keys.nudge();
      options.nudges.on("message", (from: string, feedId: string) => {
        // A paused or closing worker takes no work, and a message that names no feed is nobody's.
        // A failed apply is the job's to retry (and to set the change aside on its last attempt).
        if (from !== channel || this.closing || this.worker.isPaused() || !FeedId.safeParse(feedId).success) return;
        this.applyShared(feedId).catch(() => undefined);
      });
      void options.nudges.subscribe(channel).catch((err: unknown) => {
        options.logger.warn({ err: (err as Error).message }, "could not subscribe to the nudges");
      });
    }
    const every = options.sweepIntervalMs ?? 5000;
    if (every > 0) {
      this.sweepTimer = setInterval(() => void this.sweep(), every);
      this.sweepTimer.unref();
    }
  }

  private async process(job: Job<PublishJob>): Promise<JobResult> {
    const parsed = PublishJob.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`malformed job data: ${parsed.error.message}`);
    const data = parsed.data;
    if (!("kind" in data)) return { ...(await this.applyJob(job, data)), feeds: 1 };
    if (data.kind === "release") return { ...(await this.release(job, data)), feeds: 1 };
    return this.drain(job, data);
  }

  /**
   * Apply every feed of the job's slot that is behind, up to its last accepted change, a few at
   * once. A feed that fails does not hold the others: the job then fails after them, and its
   * retry reads the slot's feeds behind again; on the last attempt the change that blocks a feed
   * is set aside, as for any job. Returns the events emitted in all, with the highest seq.
   */
  private async drain(job: Job<PublishJob>, data: DrainJob): Promise<JobResult> {
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    let emitted = 0;
    let seq = 0;
    let feeds = 0;
    const done = (feedId: string, result: FeedApplied) => {
      feeds++;
      emitted += result.emitted;
      seq = Math.max(seq, result.seq);
      // One line per feed, with the ticket it reached; the request that asked for the job is
      // named on its own feed's line only (it ties the API request to the relays' emits).
      const requestId = feedId === data.feedId ? data.requestId : undefined;
      const line = { jobId: job.id, feedId, ticket: result.applied, seq: result.seq, emitted: result.emitted };
      this.options.logger.info({ ...line, requestId }, "applied");
    };
    const feedIds = await this.applyTogether(await this.takeDrain(data, done), done);
    const failures: string[] = [];
    let next = 0;
    const lane = async () => {
      for (let feedId = feedIds[next++]; feedId !== undefined; feedId = feedIds[next++]) {
        try {
          done(feedId, await this.applyFeed(job, feedId, lastAttempt));
        } catch (err) {
          failures.push(`${feedId}: ${(err as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(DRAIN_PARALLEL, feedIds.length) }, lane));
    if (failures.length > 0)
      throw new Error(`${failures.length} of ${feedIds.length} feeds failed: ${failures.join("; ")}`);
    return { seq, emitted, feeds };
  }

  /**
   * A drain job's first step: the slot's feeds behind, with its drain mark deleted. A job that
   * names the feed that asked for it applies that feed in the same step (one round trip less
   * between the feed's change and its readers, where most jobs carry that one change) and
   * returns the others; if that apply fails, the feed is left to the others' way (`applyFeed`:
   * retried with the job, set aside on its last attempt).
   */
  private async takeDrain(data: DrainJob, done: (feedId: string, result: FeedApplied) => void): Promise<string[]> {
    const own = data.feedId;
    if (own !== undefined) {
      try {
        const { behind, ...result } = await this.applyUpTo(own, 0, true);
        done(own, result);
        return (behind ?? []).filter((f) => f !== own);
      } catch {
        // Redis away, or a change that fails: the drain is taken again below (the mark, if it
        // was deleted, stays deleted), this feed among the others.
      }
    }
    return this.options.store.takeBehind(data.slot);
  }

  /**
   * A drain job's feeds, applied together: one script call per TOGETHER of them (group commit
   * across feeds). Returns the feeds that go on alone, as before (`applyFeed`): those this process
   * is applying already (the job shares the apply that starts after it), those that did not come
   * to their last accepted change in the call (a change that cannot be read, a long backlog), or
   * whose apply raised an error, or all of a call that failed.
   */
  private async applyTogether(
    feedIds: string[],
    done: (feedId: string, result: FeedApplied) => void,
  ): Promise<string[]> {
    const alone = feedIds.filter((feedId) => this.applying.running(feedId));
    const together = feedIds.filter((feedId) => !this.applying.running(feedId));
    for (let i = 0; i < together.length; i += TOGETHER) {
      const chunk = together.slice(i, i + TOGETHER);
      let results: ApplyManyResult;
      try {
        results = await this.options.store.applyMany(chunk.map((feedId) => ({ feedId, held: this.held.get(feedId) })));
      } catch {
        alone.push(...chunk);
        continue;
      }
      for (const result of results) {
        const { feedId } = result;
        if ("error" in result) {
          alone.push(feedId);
          continue;
        }
        this.remember(feedId, result);
        if (result.blocked !== undefined || result.applied < result.ticket) {
          alone.push(feedId);
          continue;
        }
        // One script's events: consecutive seqs, all this call's.
        const applied = {
          seq: result.seq,
          emitted: result.emitted,
          applied: result.applied,
          quiet: result.emitted > 0 && !result.alerting,
        };
        this.events.emit("applied", { feedId, ...applied });
        done(feedId, applied);
      }
    }
    return alone;
  }

  /**
   * One feed of a drain job, up to its last accepted change. On the job's last attempt, a failure
   * sets aside the change that blocks the feed (unless the feed is caught up: the failure was
   * elsewhere), so that one change that always fails does not hold every later one.
   */
  private async applyFeed(job: Job<PublishJob>, feedId: string, lastAttempt: boolean): Promise<FeedApplied> {
    try {
      return await this.applyShared(feedId);
    } catch (err) {
      if (!lastAttempt) throw err;
      const { ticket, applied } = await this.options.store.acceptedTicket(feedId);
      if (applied >= ticket) throw err;
      this.options.logger.warn({ jobId: job.id, feedId, applied }, "applying the feed failed on the last attempt");
      await this.setAside(feedId, applied, (err as Error).message, "retries_exhausted");
      return this.applyShared(feedId);
    }
  }

  /** Apply the feed, sharing an apply of this process that starts after this call. */
  private applyShared(feedId: string): Promise<FeedApplied> {
    return this.applying.get(feedId);
  }

  /**
   * A scheduled entry's time has come: accept its release (a change like any other, in ticket
   * order with the feed's other changes), then apply. accept.lua answers `stale` when the
   * schedule was moved or cancelled after this job was added: nothing to do.
   */
  private async release(job: Job<PublishJob>, data: ReleaseJob): Promise<FeedApplied> {
    const { feedId, entryId, scheduleVersion } = data;
    const at = new Date().toISOString();
    const result = await this.options.store.accept(
      feedId,
      { v: 2, op: "release", at, by: "schedule", entryId, scheduleVersion },
      { entryId, scheduleVersion },
    );
    if (result.status !== "ok") {
      this.options.logger.info(
        { jobId: job.id, feedId, entryId, scheduleVersion, status: result.status },
        "release skipped",
      );
      return { seq: 0, emitted: 0, applied: 0, quiet: false };
    }
    // The accept set the slot's drain mark: its job must be added like any accept's, or the mark
    // would hold the slot's other feeds until it ages. This job applies the feed itself at once.
    if (result.drain !== undefined) await this.options.queue.drain(result.drain, { feedId });
    return this.applyJob(job, { v: 1, feedId, ticket: result.ticket });
  }

  /** An apply job of one feed (added by an earlier release, or a release job's own feed). */
  private async applyJob(job: Job<PublishJob>, data: ApplyJob): Promise<FeedApplied> {
    const { feedId, ticket, requestId } = data;
    let result: FeedApplied;
    try {
      result = await this.applyShared(feedId);
    } catch (err) {
      // BullMQ retries with backoff; on the last attempt the change that blocks the feed is set
      // aside, so that one change that always fails does not hold every later one.
      if (job.attemptsMade + 1 < (job.opts.attempts ?? 1)) throw err;
      const { applied } = await this.options.store.acceptedTicket(feedId);
      if (applied >= ticket) throw err; // this job's changes are applied: the failure was elsewhere
      await this.setAside(feedId, applied, (err as Error).message, "retries_exhausted");
      result = await this.applyShared(feedId);
    }
    // One line per job; the request id ties it to the API request and to the relays' emits.
    this.options.logger.info(
      { jobId: job.id, feedId, ticket, seq: result.seq, emitted: result.emitted, requestId },
      "applied",
    );
    return result;
  }

  /**
   * Apply the feed up to `ticket` and every change accepted after it, setting aside on the way
   * every change the script cannot read; then tell the listeners (the outputs, the metrics).
   */
  private async applyUpTo(
    feedId: string,
    ticket: number,
    takeDrain = false,
  ): Promise<FeedApplied & { behind?: string[] }> {
    let emitted = 0;
    let quiet = true;
    let lastSeq: number | undefined;
    let before = -1;
    // Where this process last left the feed: an apply that finds it there has nothing new to tell.
    const held = this.held.get(feedId);
    // With `takeDrain`, the first call takes the feed's slot's drain (the feeds behind).
    let behind: string[] | undefined;
    // A long backlog is applied in bounded batches so no single script blocks Redis for long.
    for (;;) {
      const result = await this.applyOnce(feedId, ticket, takeDrain && behind === undefined);
      behind ??= result.behind;
      emitted += result.emitted;
      if (result.alerting) quiet = false;
      if (result.emitted > 0) {
        // Another worker's events between two of this call's batches: the seqs are not all ours.
        if (lastSeq !== undefined && result.seq - result.emitted !== lastSeq) quiet = false;
        lastSeq = result.seq;
      }
      if (result.blocked !== undefined) {
        await this.setAside(feedId, result.applied, result.blocked, "unreadable");
        continue;
      }
      // Caught up with every change accepted so far (group commit: the job takes those accepted
      // after it was asked for too), or no progress at all: the feed is gone.
      const done = result.applied >= ticket && result.applied >= result.ticket;
      if (done || result.applied <= before) {
        const applied = { seq: result.seq, emitted, applied: result.applied, quiet: quiet && lastSeq === result.seq };
        // The outputs heard of this seq from this process's apply that reached it (most often the
        // nudged apply whose job this is: docs/design-notes.md, "The nudge").
        const told = emitted === 0 && held?.seq === result.seq && held.epoch === result.epoch;
        if (!told) this.events.emit("applied", { feedId, ...applied });
        return behind === undefined ? applied : { ...applied, behind };
      }
      before = result.applied;
    }
  }

  private async setAside(feedId: string, applied: number, error: string, reason: SetAsideReason): Promise<void> {
    const record = await this.options.store.setAside(feedId, applied, error);
    if (record === undefined) return; // another worker moved the feed on meanwhile
    const { ticket, op, entryId, requestId } = record;
    this.options.logger.error(
      { feedId, ticket, op, entryId, requestId, reason, err: record.error },
      "change set aside: it cannot be applied; the feed goes on without it",
    );
    this.events.emit("set-aside", { feedId, reason, record });
  }

  /** One apply call, with where this worker last saw the feed: a feed now behind it gets a new epoch. */
  private async applyOnce(feedId: string, ticket: number, takeDrain: boolean): Promise<ApplyResult> {
    const result = await this.options.store.apply(feedId, ticket, { held: this.held.get(feedId), takeDrain });
    this.remember(feedId, result);
    return result;
  }

  /** Where an apply left the feed, for the next one (an epoch that changed is logged). */
  private remember(feedId: string, result: ApplyResult): void {
    const held = this.held.get(feedId);
    if (held !== undefined && result.epoch !== "" && result.epoch !== held.epoch) {
      this.options.logger.warn(
        { feedId, from: held, to: { epoch: result.epoch, seq: result.seq } },
        "feed epoch changed",
      );
    }
    this.held.delete(feedId); // re-inserted last: the map's order is least recently applied first
    if (result.epoch !== "") this.held.set(feedId, { epoch: result.epoch, seq: result.seq });
    if (this.held.size > HELD_FEEDS) {
      const oldest = this.held.keys().next();
      if (oldest.done !== true) this.held.delete(oldest.value);
    }
  }

  /**
   * Re-drive feeds whose accepted changes are not being applied: an enqueue that failed after
   * accept, or a job held by a worker that was SIGKILLed (BullMQ only notices that stalled job
   * when its lock expires, 30 s later). A feed behind by the same amount at two sweeps in a row
   * gets a fresh drain job of its slot; applying is idempotent, so a job too many costs a few
   * no-op scripts. A feed seen behind once is left alone (its change may have been accepted a
   * moment ago, with the API's own job, carrying the request's id, about to be added) unless its
   * slot's drain mark is older than a job takes to start: then the job was lost with the add.
   * Returns how many feeds were behind.
   */
  async sweep(): Promise<number> {
    // A sweep still running (a slow Redis) is not joined by another.
    if (this.sweeping) return 0;
    this.sweeping = true;
    try {
      const { store } = this.options;
      const behind = await store.feedsBehind();
      const slotOf = (feedId: string) => store.keys.feed(feedId).slot;
      // A slot whose drain job was asked for and never started needs no second look.
      const overdue = new Set(await store.overdueSlots(behind.map((b) => slotOf(b.feedId))));
      const seen = new Map<string, string>();
      const stuck = new Set<number>();
      for (const { feedId, ticket, applied } of behind) {
        const mark = `${ticket}/${applied}`;
        seen.set(feedId, mark);
        const slot = slotOf(feedId);
        if (this.lastSeen.get(feedId) !== mark && !overdue.has(slot)) continue;
        stuck.add(slot);
        this.options.logger.info({ feedId, ticket, applied }, "re-drove a stuck feed");
      }
      // One drain job per slot with a stuck feed: it applies every feed of the slot behind.
      const now = Date.now();
      for (const slot of stuck) await this.options.queue.redrive(slot, `redrive-${now}`);
      this.lastSeen = seen;
      return behind.length;
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, "sweep failed");
      return 0;
    } finally {
      this.sweeping = false;
    }
  }

  /** Finish the jobs in hand, take no new ones. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await this.worker.close();
  }
}
