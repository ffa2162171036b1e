import type { Part } from "./parts.js";
import { Queue, type ConnectionOptions, type DefaultJobOptions, type JobType } from "bullmq";
import type { ApplyJob, DrainJob, PublishJob, ReleaseJob } from "./changes.js";
import type { DrainMark } from "./scripts.js";

export const QUEUE_NAME = "publish";

/**
 * How every Liveline queue keeps and retries its jobs: `attempts` tries with exponential backoff
 * from `delayMs`; finished jobs kept an hour (at most 10,000), failed ones a week for inspection.
 */
export function retainedJobs(attempts: number, delayMs: number): DefaultJobOptions {
  return {
    attempts,
    backoff: { type: "exponential", delay: delayMs },
    removeOnComplete: { age: 3600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

export interface PublishQueueOptions {
  connection: ConnectionOptions;
  prefix: string;
}

/**
 * Producer side of the publish queue. A drain job says "apply every feed of cluster slot S that is
 * behind"; the changes themselves already sit in Redis, each written atomically with its ticket.
 * Group commit across feeds: a job is only asked for when accept.lua finds none waiting for the
 * slot, and it takes every change accepted in the slot until it runs. The job id is derived from
 * the slot's drain mark, so adding the job of one mark twice is a no-op in BullMQ.
 */
export class PublishQueue {
  private readonly queue: Queue<PublishJob>;

  constructor(options: PublishQueueOptions) {
    this.queue = new Queue<PublishJob>(QUEUE_NAME, {
      connection: options.connection,
      prefix: options.prefix,
      defaultJobOptions: retainedJobs(12, 100),
    });
  }

  /** Resolves once the queue's connection is up. */
  async ready(): Promise<void> {
    await this.queue.waitUntilReady();
  }

  /** Whether the queue's keys can be read (a readiness check). */
  async usable(): Promise<boolean> {
    return (await this.queue.getJobCounts("waiting")).waiting !== undefined;
  }

  /** How many jobs are in each of `states`. */
  async counts(...states: JobType[]): Promise<Partial<Record<JobType, number>>> {
    return this.queue.getJobCounts(...states);
  }

  /**
   * Add the drain job a slot's drain mark names (accept.lua answered it). `cause`: the feed and
   * request whose accept asked for it, for the logs.
   */
  async drain(drain: DrainMark, cause: { feedId?: string; requestId?: string | undefined } = {}): Promise<void> {
    await this.addDrain(drain.slot, `drain.${drain.slot}.${drain.mark}`, cause);
  }

  /**
   * A drain job for a slot with feeds behind whose job seems lost (see PublishWorker.sweep);
   * `retry` makes its id unique.
   */
  async redrive(slot: number, retry: string): Promise<void> {
    await this.addDrain(slot, `drain.${slot}.${retry}`, {});
  }

  private async addDrain(
    slot: number,
    jobId: string,
    cause: { feedId?: string; requestId?: string | undefined },
  ): Promise<void> {
    const data: DrainJob = {
      v: 1,
      kind: "drain",
      slot,
      ...(cause.feedId === undefined ? {} : { feedId: cause.feedId }),
      ...(cause.requestId === undefined ? {} : { requestId: cause.requestId }),
    };
    await this.queue.add("drain", data, { jobId });
  }

  /**
   * An apply job of one feed, as the previous release added them (the worker still applies them):
   * `retry` names an extra job for a ticket whose first job is stuck.
   */
  async enqueue(feedId: string, ticket: number, requestId?: string, retry?: string): Promise<void> {
    // A '.' never appears in a feed id, so "<feed>.<ticket>" is unambiguous (BullMQ forbids ':').
    const jobId = retry === undefined ? `${feedId}.${ticket}` : `${feedId}.${ticket}.${retry}`;
    const data: ApplyJob = { v: 1, feedId, ticket, ...(requestId === undefined ? {} : { requestId }) };
    await this.queue.add("apply", data, { jobId });
  }

  /**
   * Publish a scheduled entry at `at` (a BullMQ delayed job: kept in Redis, so it outlives the
   * worker that would have run it). The id names the schedule version, so a reschedule adds a
   * new job and a repeated call for the same version is a no-op; the job of a version that was
   * moved or cancelled still fires, and accept.lua answers it `stale`. It is removed here too,
   * when it is still waiting, only to keep the delayed set small.
   */
  async enqueueRelease(feedId: string, entryId: string, scheduleVersion: number, at: Date): Promise<void> {
    const data: ReleaseJob = { v: 1, kind: "release", feedId, entryId, scheduleVersion };
    const delay = Math.max(0, at.getTime() - Date.now());
    await this.queue.add("release", data, { jobId: releaseJobId(feedId, entryId, scheduleVersion), delay });
    await this.cancelRelease(feedId, entryId, scheduleVersion - 1);
  }

  /** Drop the delayed job of an earlier schedule version, if it is still waiting (best effort). */
  async cancelRelease(feedId: string, entryId: string, scheduleVersion: number): Promise<void> {
    if (scheduleVersion < 1) return;
    await this.queue.remove(releaseJobId(feedId, entryId, scheduleVersion)).catch(() => 0);
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

/** "<feed>.<entry>.s<version>": '.' never appears in a feed or entry id (BullMQ forbids ':'). */
function releaseJobId(feedId: string, entryId: string, scheduleVersion: number): string {
  return `${feedId}.${entryId}.s${scheduleVersion}`;
}

/** The publish queue as a part of a process: up once its connection is, ready while its keys answer. */
export function queuePart(queue: PublishQueue): Part {
  return {
    name: "queue",
    start: () => queue.ready(),
    ready: () => queue.usable(),
    notReady: "unusable",
    close: () => queue.close(),
  };
}
