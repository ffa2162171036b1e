import { randomUUID } from "node:crypto";
import DataLoader from "dataloader";
import { UnrecoverableError, Worker, type ConnectionOptions, type Job } from "bullmq";
import type { FeedStore, Logger } from "@liveline/core";
import { mayAlert, type Alerts } from "./alerts.js";
import { OUTPUTS_QUEUE, OutputJob, type OutputsQueue } from "./outputs-queue.js";
import type { PushStore } from "./push-store.js";
import type { WebhookStore } from "./webhook-store.js";
import type { Webhooks } from "./webhooks.js";

export interface OutputsWorkerOptions {
  connection: ConnectionOptions;
  prefix: string;
  store: FeedStore;
  push: PushStore;
  hooks: WebhookStore;
  queue: OutputsQueue;
  alerts: Alerts;
  webhooks: Webhooks;
  logger: Logger;
  concurrency: number;
  /** How often to look for feeds the pipeline is behind on and outboxes without a job (0 = never). */
  sweepIntervalMs: number;
}

/** Events read from the log per step of an advance job. */
const STEP = 200;
/** How long a walk holds its feed's lock without progress before another job may take over. */
const LOCK_MS = 30_000;

/** A feed applied up to `target`, to pass without a walk if nothing needs an output (passQuietly). */
interface QuietPass {
  feedId: string;
  target: number;
  quietFrom: number | undefined;
}

/**
 * The outputs worker: one BullMQ worker on the `outputs` queue, with its own concurrency, so
 * a slow webhook or push service never holds up applying changes. An advance job walks the
 * feed's event log from the pipeline's cursor, in seq order; every step of it is idempotent
 * (SET NX records, deterministic job ids), so a retried or duplicated job changes nothing.
 */
export class OutputsWorker {
  readonly worker: Worker<OutputJob>;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping = false;
  /** The quiet passes asked for in this turn of the event loop, passed together (passQuietly). */
  private readonly quietPasses = new DataLoader<QuietPass, boolean>((passes) => this.passAllQuietly(passes), {
    cache: false,
    // Until the loop's next turn, so that the applies whose replies came in one read are one batch.
    batchScheduleFn: (run) => setImmediate(run),
  });

  constructor(private readonly o: OutputsWorkerOptions) {
    this.worker = new Worker<OutputJob>(OUTPUTS_QUEUE, (job) => this.process(job), {
      connection: o.connection,
      prefix: o.prefix,
      concurrency: o.concurrency,
    });
    this.worker.on("failed", (job, err) => {
      o.logger.debug({ jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, "output job failed");
    });
    this.worker.on("error", (err) => o.logger.error({ err: err.message }, "outputs worker error"));
    if (o.sweepIntervalMs > 0) {
      this.sweepTimer = setInterval(() => void this.sweep(), o.sweepIntervalMs);
      this.sweepTimer.unref();
    }
  }

  private async process(job: Job<OutputJob>): Promise<unknown> {
    const parsed = OutputJob.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`malformed output job: ${parsed.error.message}`);
    const data = parsed.data;
    switch (data.kind) {
      case "advance":
        return this.advance(data.feedId, data.seq);
      case "alert":
        return this.o.alerts.fanOut(data);
      case "push":
        return this.o.alerts.pushChunk(data);
      case "deliver":
        return this.o.webhooks.deliver(data, job.attemptsMade);
    }
  }

  /**
   * Walk the feed's events after the cursor, up to `target`, handing each to the outputs. One
   * job walks a feed at a time; a job that finds the feed taken is retried with backoff (and
   * then usually finds the walk already past its target).
   */
  private async advance(feedId: string, target: number): Promise<{ cursor: number }> {
    if ((await this.o.push.cursor(feedId)) >= target) return { cursor: target };
    const token = randomUUID();
    if (!(await this.o.push.lockWalk(feedId, token, LOCK_MS))) {
      throw new Error(`feed ${feedId} is being walked by another job`);
    }
    try {
      return await this.walk(feedId, target, token);
    } finally {
      await this.o.push.unlockWalk(feedId, token);
    }
  }

  private async walk(feedId: string, target: number, token: string): Promise<{ cursor: number }> {
    let cursor = await this.o.push.cursor(feedId);
    while (cursor < target) {
      const page = await this.o.store.eventsSince(feedId, cursor, STEP);
      if (page.kind === "reset") {
        // The log no longer reaches back to the cursor (a long outage): those events are gone.
        this.o.logger.warn({ feedId, cursor, seq: page.seq }, "outputs skipped events no longer in the log");
        await this.o.push.advanceCursor(feedId, page.seq);
        return { cursor: page.seq };
      }
      if (page.events.length === 0) break;
      for (const event of page.events) {
        await this.o.webhooks.fanIn(event);
        await this.o.alerts.consider(event);
        await this.o.push.advanceCursor(feedId, event.seq);
        cursor = event.seq;
        if (!(await this.o.push.lockWalk(feedId, token, LOCK_MS))) throw new Error(`lost the walk lock of ${feedId}`);
      }
    }
    return { cursor };
  }

  /**
   * Move the feed's cursor to `target` without a job when nothing after it needs an output: no
   * webhook endpoint exists and no event up to `target` is a breaking entry (`mayAlert`, the
   * events alerts consider). Most publishes of most newsrooms are such, and a queued walk costs a
   * BullMQ job on both sides. False when a walk is needed; then the caller queues it. A crash
   * before the cursor moves leaves it behind, and the sweep re-drives it as for a lost job.
   * `quietFrom`: the applier saw every event after that seq up to `target` and none may alert
   * (FeedApplied.quiet), so from a cursor there on nothing needs reading.
   *
   * The feeds passed in one turn of the event loop (a drain job applies many at once) are passed
   * together: one count of the endpoints, one read of their cursors, one write of those that move.
   */
  passQuietly(feedId: string, target: number, quietFrom?: number): Promise<boolean> {
    return this.quietPasses.load({ feedId, target, quietFrom });
  }

  private async passAllQuietly(passes: readonly QuietPass[]): Promise<boolean[]> {
    // Read after every pass in the batch was asked for, so after each of their events was emitted:
    // an endpoint registered before one of them is counted. Both at once (one wait for Redis).
    const [endpoints, cursors] = await Promise.all([
      this.o.hooks.count(),
      this.o.push.cursors(passes.map((p) => p.feedId)),
    ]);
    if (endpoints > 0) return passes.map(() => false);
    const moves: [string, number][] = [];
    const passed = await Promise.all(
      passes.map(async ({ feedId, target, quietFrom }, i) => {
        const cursor = cursors[i] ?? 0;
        if (cursor >= target) return true;
        if ((quietFrom !== undefined && cursor >= quietFrom) || (await this.quietInLog(feedId, cursor, target))) {
          moves.push([feedId, target]);
          return true;
        }
        return false;
      }),
    );
    await this.o.push.advanceCursors(moves);
    return passed;
  }

  /** Whether the log has every event after `cursor` up to `target`, none of which may alert. */
  private async quietInLog(feedId: string, cursor: number, target: number): Promise<boolean> {
    const page = await this.o.store.eventsSince(feedId, cursor, STEP);
    if (page.kind === "reset") return false; // the log no longer reaches back: the walk reports it
    const last = page.events.at(-1);
    return last !== undefined && last.seq >= target && !page.events.some(mayAlert);
  }

  /**
   * Heal what a crash can leave behind: a feed applied further than the pipeline went (its
   * advance job lost between apply and enqueue), an outbox whose head has no job.
   */
  async sweep(): Promise<void> {
    // A sweep still running (a slow Redis) is not joined by another.
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      // Only feeds that emitted since their outputs last caught up are looked at (apply.lua
      // keeps the set), however many feeds there are.
      for (const { feedId, seq } of await this.o.store.feedsWithOutputsDue()) {
        const cursor = await this.o.push.cursor(feedId);
        if (seq > cursor) await this.o.queue.advance(feedId, seq);
        else await this.o.store.outputsCaughtUp(feedId, cursor);
      }
      for (const { endpointId, feedId } of await this.o.hooks.outboxes()) {
        await this.o.webhooks.kick(endpointId, feedId);
      }
    } catch (err) {
      this.o.logger.warn({ err: (err as Error).message }, "outputs sweep failed");
    } finally {
      this.sweeping = false;
    }
  }

  async close(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await this.worker.close();
  }
}
