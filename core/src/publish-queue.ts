import { Queue, type ConnectionOptions, type DefaultJobOptions } from "bullmq";
import type { ApplyJob } from "./changes.js";

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
 * Producer side of the publish queue. A job says "apply feed F's pending changes up to ticket
 * T"; the change itself already sits in Redis, written atomically with its ticket. The job id
 * is derived from (feed, ticket), so enqueuing the same ticket twice is a no-op in BullMQ.
 */
export class PublishQueue {
  readonly queue: Queue<ApplyJob>;

  constructor(options: PublishQueueOptions) {
    this.queue = new Queue<ApplyJob>(QUEUE_NAME, {
      connection: options.connection,
      prefix: options.prefix,
      defaultJobOptions: retainedJobs(12, 100),
    });
  }

  /** `retry` names an extra job for a ticket whose first job is stuck (see PublishWorker.sweep). */
  async enqueue(feedId: string, ticket: number, requestId?: string, retry?: string): Promise<void> {
    // A '.' never appears in a feed id, so "<feed>.<ticket>" is unambiguous (BullMQ forbids ':').
    const jobId = retry === undefined ? `${feedId}.${ticket}` : `${feedId}.${ticket}.${retry}`;
    const data: ApplyJob = { v: 1, feedId, ticket, ...(requestId === undefined ? {} : { requestId }) };
    await this.queue.add("apply", data, { jobId });
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
