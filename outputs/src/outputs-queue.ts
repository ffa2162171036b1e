import { Queue, type ConnectionOptions, type JobsOptions } from "bullmq";
import { z } from "zod";
import { EntryId, FeedId, PushPayload } from "@liveline/protocol";
import { retainedJobs } from "@liveline/core";

/** The output pipeline's own queue: its jobs never wait behind, nor hold up, the publish queue. */
export const OUTPUTS_QUEUE = "outputs";

/** Job payloads, versioned like every job so a rolling deploy reads old and new. */
export const OutputJob = z.discriminatedUnion("kind", [
  /** "Feed F was applied up to seq S": walk its events after the pipeline's cursor. */
  z.object({ v: z.literal(1), kind: z.literal("advance"), feedId: FeedId, seq: z.number().int().positive() }),
  /** Fan an entry's breaking-news alert out to the feed's recipients. */
  z.object({
    v: z.literal(1),
    kind: z.literal("alert"),
    feedId: FeedId,
    entryId: EntryId,
    seq: z.number().int().positive(),
    at: z.string(),
  }),
  /** Send one alert to a chunk of recipients of one channel. */
  z.object({
    v: z.literal(1),
    kind: z.literal("push"),
    channel: z.enum(["webPush", "devices"]),
    at: z.string(),
    ids: z.array(z.string()).max(1000),
    payload: PushPayload,
  }),
  /** Deliver the head of an (endpoint, feed) outbox. */
  z.object({
    v: z.literal(1),
    kind: z.literal("deliver"),
    endpointId: z.string(),
    feedId: FeedId,
    deliveryId: z.string(),
    replays: z.number().int().nonnegative(),
  }),
]);
export type OutputJob = z.infer<typeof OutputJob>;

/** An entry's alert job: one per entry, ever (a second enqueue is a no-op). */
const alertJobId = (feedId: string, entryId: string) => `alert.${feedId}.${entryId}`;

export type AlertRecall = { outcome: "recalled"; seq: number } | { outcome: "sent" | "none" };

export interface OutputsQueueOptions {
  connection: ConnectionOptions;
  prefix: string;
  webhookAttempts: number;
  webhookBackoffMs: number;
}

/**
 * Producer of the outputs queue. Job ids are derived from what the job is about, so a second
 * enqueue of the same work (a retried publish job, a sweep) is a no-op while the first exists.
 */
export class OutputsQueue {
  private readonly queue: Queue<OutputJob>;

  constructor(private readonly options: OutputsQueueOptions) {
    this.queue = new Queue<OutputJob>(OUTPUTS_QUEUE, {
      connection: options.connection,
      prefix: options.prefix,
      defaultJobOptions: retainedJobs(10, 200),
    });
  }

  /** Resolves once the queue's connection is up. */
  async ready(): Promise<void> {
    await this.queue.waitUntilReady();
  }

  async advance(feedId: string, seq: number): Promise<void> {
    await this.add({ v: 1, kind: "advance", feedId, seq }, `adv.${feedId}.${seq}`);
  }

  /**
   * Kept a week once done, so the same alert enqueued again within it is refused by its id.
   * `delayMs`: the undo window (ALERT_UNDO_SECONDS); until it ends the job is a delayed one, which
   * `recallAlert` removes.
   */
  async alert(feedId: string, entryId: string, seq: number, at: string, delayMs = 0): Promise<void> {
    await this.add({ v: 1, kind: "alert", feedId, entryId, seq, at }, alertJobId(feedId, entryId), {
      removeOnComplete: { age: 7 * 24 * 3600 },
      ...(delayMs > 0 ? { delay: delayMs } : {}),
    });
  }

  /**
   * Take an entry's alert back while it waits out its undo window: `recalled` (its job removed,
   * with the seq it was for), `sent` (it began or finished its fan-out), or `none` (no job).
   */
  async recallAlert(feedId: string, entryId: string): Promise<AlertRecall> {
    const job = await this.queue.getJob(alertJobId(feedId, entryId));
    if (job === undefined) return { outcome: "none" };
    const state = await job.getState();
    if (state !== "delayed" && state !== "waiting" && state !== "prioritized") return { outcome: "sent" };
    try {
      // Refused when a worker has just taken it (its lock): then it is on its way out.
      await job.remove();
    } catch {
      return { outcome: "sent" };
    }
    return { outcome: "recalled", seq: job.data.kind === "alert" ? job.data.seq : 0 };
  }

  async push(job: Extract<OutputJob, { kind: "push" }>, chunk: number): Promise<void> {
    const { feedId, entryId } = job.payload;
    await this.add(job, `push.${feedId}.${entryId}.${job.channel}.${chunk}`, { attempts: 5 });
  }

  /**
   * Deliveries retry with exponential backoff up to WEBHOOK_ATTEMPTS; the last try moves the
   * delivery to the dead letters itself. Removed once done, so the id is free for the next head.
   */
  async deliver(endpointId: string, feedId: string, deliveryId: string, replays: number): Promise<void> {
    await this.add(
      { v: 1, kind: "deliver", endpointId, feedId, deliveryId, replays },
      `wh.${endpointId}.${feedId}.${deliveryId}.${replays}`,
      {
        attempts: this.options.webhookAttempts,
        backoff: { type: "exponential", delay: this.options.webhookBackoffMs },
        removeOnComplete: true,
        removeOnFail: true,
      },
    );
  }

  private async add(data: OutputJob, jobId: string, opts: JobsOptions = {}): Promise<void> {
    await this.queue.add(data.kind, data, { ...opts, jobId });
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
