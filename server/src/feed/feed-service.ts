import { createHash, randomUUID } from "node:crypto";
import {
  LIMITS,
  type Entry,
  type EntryPage,
  type EventsResponse,
  type FailedChangesResponse,
  type CreateFeedRequest,
  type Feed,
  type PublishEntryRequest,
  type Revision,
  type UpdateEntryRequest,
  type UpdateFeedRequest,
} from "@liveline/protocol";
import type { Change, EntryPatch, FeedStore, PublishQueue } from "@liveline/core";
import { LivelineError, feedNotFound } from "../errors.js";
import { CoalescedReads } from "../reader/coalesced-reads.js";
import { sanitizeEntryHtml } from "./sanitize.js";

export interface Accepted {
  entryId?: string;
  status: "queued";
}

/**
 * The feed service: what the HTTP routes and the socket gateway call. Writes are accepted
 * into the store (ticket + pending change, atomically) and then scheduled on the queue; the
 * 202 goes out only after both succeeded.
 *
 * Reads that a burst of readers makes all at once (the feed, its log since a seq, its snapshot)
 * are coalesced: concurrent callers share one read, each still answered by a read that started
 * after it asked (see CoalescedReads). A deploy hands thousands of readers to a node at once,
 * most of them resuming from the same seq.
 */
export class FeedService {
  private readonly feeds = new CoalescedReads((feedId) => this.readFeed(feedId));
  private readonly snapshots = new CoalescedReads((feedId) => this.store.snapshot(feedId, LIMITS.snapshotSize));
  /** Keyed `feedId@since@epoch`: one log read per feed and resume point (ids and epochs hold no '@'). */
  private readonly logReads = new CoalescedReads((key) => {
    const [feedId = "", since = "0", epoch = ""] = key.split("@");
    return this.store.eventsSince(feedId, Number(since), LIMITS.maxCatchUpEvents, epoch === "" ? undefined : epoch);
  });

  constructor(
    private readonly store: FeedStore,
    private readonly queue: PublishQueue,
  ) {}

  async createFeed(input: CreateFeedRequest): Promise<Feed> {
    const created = await this.store.createFeed(input, new Date());
    if (!created) throw new LivelineError("feed_exists", `feed '${input.id}' already exists`);
    return this.getFeed(input.id);
  }

  getFeed(feedId: string): Promise<Feed> {
    return this.feeds.get(feedId);
  }

  private async readFeed(feedId: string): Promise<Feed> {
    const feed = await this.store.getFeed(feedId);
    if (feed === undefined) throw feedNotFound(feedId);
    return feed;
  }

  listFeeds(): Promise<Feed[]> {
    return this.store.listFeeds();
  }

  async publish(
    feedId: string,
    input: PublishEntryRequest,
    idempotencyKey?: string,
    requestId?: string,
    by = "unknown",
  ): Promise<Accepted> {
    const body = cleanBody(input.body);
    const entry = {
      id: input.id ?? randomUUID(),
      ...(input.headline === undefined ? {} : { headline: input.headline }),
      body,
      ...(input.author === undefined ? {} : { author: input.author }),
      pinned: input.pinned ?? false,
      keyEvent: input.keyEvent ?? false,
      breaking: input.breaking ?? false,
    };
    // The hash covers what the editor sent (not the generated id), so a retry with the same
    // Idempotency-Key and the same body is recognised as the same publish.
    const contentHash = hashOf({ ...input, body });
    const change: Change = { v: 2, op: "publish", at: now(), by, entry, ...(requestId ? { requestId } : {}) };
    const result = await this.store.accept(feedId, change, {
      entryId: entry.id,
      contentHash,
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    });
    switch (result.status) {
      case "ok":
        await this.queue.enqueue(feedId, result.ticket, requestId);
        return { entryId: entry.id, status: "queued" };
      case "duplicate_key": {
        if (result.previous.contentHash !== contentHash) {
          throw new LivelineError("idempotency_key_reused", "this Idempotency-Key was used for a different entry");
        }
        // Schedule again in case the first attempt's enqueue never happened; same job id = no-op.
        await this.queue.enqueue(feedId, result.ticket, requestId);
        return { entryId: result.previous.entryId, status: "queued" };
      }
      case "duplicate_id":
        // A retracted id stays retracted: publishing it again is refused, not a silent no-op.
        if (result.previous.retracted) {
          throw new LivelineError("entry_retracted", `entry '${entry.id}' was retracted; publish under a new id`);
        }
        if (result.previous.contentHash !== contentHash) {
          throw new LivelineError("entry_exists", `entry '${entry.id}' already exists with different content`);
        }
        await this.queue.enqueue(feedId, result.ticket, requestId);
        return { entryId: entry.id, status: "queued" };
      default:
        throw storeRejection(result.status, feedId, entry.id);
    }
  }

  async updateEntry(
    feedId: string,
    entryId: string,
    input: UpdateEntryRequest,
    requestId?: string,
    by = "unknown",
  ): Promise<Accepted> {
    const patch: EntryPatch = { ...input };
    if (input.body !== undefined) patch.body = cleanBody(input.body);
    const change: Change = { v: 2, op: "update", at: now(), by, entryId, patch, ...(requestId ? { requestId } : {}) };
    return this.acceptEntryChange(feedId, entryId, change, requestId);
  }

  async deleteEntry(feedId: string, entryId: string, requestId?: string, by = "unknown"): Promise<Accepted> {
    const change: Change = { v: 2, op: "delete", at: now(), by, entryId, ...(requestId ? { requestId } : {}) };
    return this.acceptEntryChange(feedId, entryId, change, requestId);
  }

  async updateFeed(feedId: string, input: UpdateFeedRequest, requestId?: string, by = "unknown"): Promise<Accepted> {
    const change: Change = {
      v: 2,
      op: "feed.update",
      at: now(),
      by,
      patch: { ...input },
      ...(requestId ? { requestId } : {}),
    };
    const result = await this.store.accept(feedId, change);
    if (result.status !== "ok") throw storeRejection(result.status, feedId);
    await this.queue.enqueue(feedId, result.ticket, requestId);
    return { status: "queued" };
  }

  /** The feed as its editors see it: with how many of its changes were set aside. */
  async withFailedCount(feed: Feed): Promise<Feed> {
    return { ...feed, failedChanges: await this.store.failedCount(feed.id) };
  }

  /** Accepted changes the worker could not apply and set aside, newest first. */
  async failedChanges(feedId: string): Promise<FailedChangesResponse> {
    await this.getFeed(feedId);
    return { feedId, ...(await this.store.failedChanges(feedId)) };
  }

  async getEntry(feedId: string, entryId: string): Promise<Entry> {
    const entry = await this.store.getEntry(feedId, entryId);
    if (entry !== undefined) return entry;
    await this.getFeed(feedId);
    throw new LivelineError("entry_not_found", `entry '${entryId}' does not exist in feed '${feedId}'`);
  }

  /** Who changed an entry, when and how (kept after a retraction). */
  async revisions(feedId: string, entryId: string): Promise<Revision[]> {
    const revisions = await this.store.revisions(feedId, entryId);
    if (revisions.length > 0) return revisions;
    await this.getEntry(feedId, entryId); // 404 feed_not_found / entry_not_found
    return [];
  }

  async listEntries(feedId: string, limit: number, before?: number): Promise<EntryPage> {
    await this.getFeed(feedId);
    return this.store.listEntries(feedId, limit, before);
  }

  /**
   * Where a reader starts: the events after `since` (in order, up to the feed's head `seq`), or,
   * without `since`, when the kept log no longer reaches back to it, or when `epoch` (the one
   * `since` belongs to) is not the log's, a snapshot of the latest entries with `reset: true`.
   * Every answer names the log's epoch. The one catch-up of every reader transport (socket
   * subscribe, SSE, `GET /v1/feeds/:feedId/events`). The caller has read the feed already (to
   * authorize the reader), so a missing feed is not looked for again here.
   */
  async catchUp(feedId: string, since?: number, epoch?: string): Promise<EventsResponse> {
    if (since !== undefined) {
      const r = await this.logReads.get(`${feedId}@${since}@${epoch ?? ""}`);
      if (r.kind === "events") return { events: r.events, seq: r.seq, epoch: r.epoch };
    }
    const snap = await this.snapshots.get(feedId);
    return { reset: true, entries: snap.entries, seq: snap.seq, epoch: snap.epoch };
  }

  /** The feed's latest entries (LIMITS.snapshotSize), as of `seq` in `epoch`. */
  snapshot(feedId: string): Promise<{ seq: number; epoch: string; entries: Entry[] }> {
    return this.snapshots.get(feedId);
  }

  private async acceptEntryChange(
    feedId: string,
    entryId: string,
    change: Change,
    requestId?: string,
  ): Promise<Accepted> {
    const result = await this.store.accept(feedId, change, { entryId });
    if (result.status !== "ok") throw storeRejection(result.status, feedId, entryId);
    await this.queue.enqueue(feedId, result.ticket, requestId);
    return { entryId, status: "queued" };
  }
}

function storeRejection(status: string, feedId: string, entryId?: string): LivelineError {
  switch (status) {
    case "feed_not_found":
      return feedNotFound(feedId);
    case "entry_not_found":
      return new LivelineError("entry_not_found", `entry '${entryId ?? ""}' does not exist in feed '${feedId}'`);
    case "feed_ended":
      return new LivelineError("feed_ended", `feed '${feedId}' has ended; reopen it with status "live" to publish`);
    default:
      return new LivelineError("internal", `unexpected store answer: ${status}`);
  }
}

function cleanBody(raw: string): string {
  const body = sanitizeEntryHtml(raw);
  if (body.length === 0) {
    throw new LivelineError("validation_failed", "invalid request body", [
      { path: "body", message: "is empty once unsafe HTML is removed" },
    ]);
  }
  if (body.length > LIMITS.maxEntryBodyChars) {
    throw new LivelineError("validation_failed", "invalid request body", [
      { path: "body", message: `must be at most ${LIMITS.maxEntryBodyChars} characters` },
    ]);
  }
  return body;
}

function hashOf(value: unknown): string {
  return createHash("sha256").update(canonical(value)).digest("base64url").slice(0, 22);
}

/** JSON with sorted keys, so that {a,b} and {b,a} hash the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj)
      .sort()
      .filter((k) => obj[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical(obj[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

function now(): string {
  return new Date().toISOString();
}
