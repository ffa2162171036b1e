import { randomUUID } from "node:crypto";
import {
  LIMITS,
  type DraftEntry,
  type Entry,
  type EntryPage,
  type EventsResponse,
  type FailedChangesResponse,
  type CreateFeedRequest,
  type Feed,
  type PublishEntryRequest,
  type Revision,
  type Actor,
  type UpdateEntryRequest,
  type UpdateFeedRequest,
} from "@liveline/protocol";
import {
  CoalescedReads,
  compactActor,
  contributorRefusal,
  type AcceptResult,
  type ContributorRule,
  type Change,
  type DrainMark,
  type EntryPatch,
  type FeedStore,
  type PublishQueue,
  type RateWindow,
} from "@liveline/core";
import { LivelineError, feedNotFound } from "../errors.js";
import type { EmbedResolver } from "../embeds/embed-resolver.js";
import type { MediaService } from "../media/media-service.js";
import { resolveEmbeds, resolveMedia } from "./entry-attachments.js";
import { cleanBody, hashOf, now } from "./entry-input.js";

/** The writer of a change no principal stands for (the demo feed's entries). */
const UNKNOWN_WRITER: Actor = { id: "unknown", name: "unknown" };

export interface Accepted {
  entryId?: string;
  status: "queued";
}

/** Who asks for a write, and on what terms: one value each write takes, built once per request. */
export interface WriteContext {
  /** The person or service account the change records. */
  by: Actor;
  /** The request's id, carried to the worker's job and its log lines. */
  requestId?: string | undefined;
  /** A contributor may write drafts of their own only. */
  contributor?: boolean;
  /** If-Match: the entry revision the writer saw (412 `revision_conflict` if it moved). */
  ifMatch?: number | undefined;
  /** A publish's Idempotency-Key. */
  idempotencyKey?: string | undefined;
  /** The token's write limit, counted by the store's accept with the write (RateLimits.atAccept). */
  limit?: WriteLimit | undefined;
}

/**
 * A write's rate limit (its token's), for the store's accept to count in the same step as the
 * write; `spend` counts it on its own instead, for a write that looks something up first.
 */
export interface WriteLimit extends RateWindow {
  spend(): Promise<void>;
  /** The 429 of a write past the limit, `ms` before its window ends. */
  refused(ms: number): LivelineError;
}

export interface FeedServiceOptions {
  /** Resolves the media entries attach (without it, attaching media is refused). */
  media?: MediaService;
  /** PUBLIC_URL: the origin of media URLs stored on entries. */
  publicUrl?: string | undefined;
  /** Looks embeds up (oEmbed) before a write is accepted; without it, embeds are plain cards. */
  embeds?: EmbedResolver;
}

/** Where a node's relay is in a feed: the highest seq it has emitted, and that seq's log epoch. */
export interface RelayedPosition {
  seq: number;
  epoch: string;
}

/**
 * The feed service: what the HTTP routes and the socket gateway call. Writes are accepted
 * into the store (ticket + pending change, atomically) and then scheduled on the queue; the
 * 202 goes out only after both succeeded.
 *
 * Reads that a burst of readers makes all at once (the feed, its log since a seq, its snapshot)
 * are coalesced: concurrent callers share one read, each still answered by a read that started
 * after it asked (see CoalescedReads), or, for a reader already on this node's deliveries, by an
 * earlier result that covers everything the node has emitted (catchUp). A deploy or a failed node
 * hands thousands of readers to a node at once, most of them resuming from the same seq.
 */
export class FeedService {
  private readonly feeds = new CoalescedReads((feedId) => this.readFeed(feedId));
  /** The latest snapshot of up to 256 feeds is kept for readers it still covers (catchUp). */
  private readonly snapshots = new CoalescedReads((feedId) => this.store.snapshot(feedId, LIMITS.snapshotSize), 256);
  /**
   * Keyed `feedId@since@epoch`: one log read per feed and resume point (ids and epochs hold no
   * '@'). The latest result of 32 resume points is kept (up to LIMITS.maxCatchUpEvents events each).
   */
  private readonly logReads = new CoalescedReads((key) => {
    const [feedId = "", since = "0", epoch = ""] = key.split("@");
    return this.store.eventsSince(feedId, Number(since), LIMITS.maxCatchUpEvents, epoch === "" ? undefined : epoch);
  }, 32);

  constructor(
    private readonly store: FeedStore,
    private readonly queue: PublishQueue,
    private readonly options: FeedServiceOptions = {},
  ) {}

  /** Catch-up lookups asked for and Redis reads made for them, log reads and snapshots together. */
  catchUpCounts(): { asked: number; read: number } {
    const a = this.logReads.counts;
    const b = this.snapshots.counts;
    return { asked: a.asked + b.asked, read: a.read + b.read };
  }

  async createFeed(input: CreateFeedRequest): Promise<Feed> {
    const now = new Date();
    // Coverage that starts later than now is coverage of now: the feed's story begins at its creation.
    const { coverageStartTime, ...rest } = input;
    const earlier = coverageStartTime !== undefined && Date.parse(coverageStartTime) < now.getTime();
    const created = await this.store.createFeed(earlier ? input : rest, now);
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
    ctx: WriteContext = { by: UNKNOWN_WRITER },
  ): Promise<Accepted> {
    const { by, requestId, idempotencyKey } = ctx;
    const body = cleanBody(input.body, this.options.publicUrl);
    // A publishAt that has already passed is due at once: the worker releases the entry as soon
    // as it takes the job (a CMS that schedules "now", or whose clock runs ahead, is not refused).
    const publishAt = input.publishAt === undefined ? undefined : new Date(input.publishAt);
    const status: "draft" | "scheduled" | "published" =
      publishAt !== undefined ? "scheduled" : input.status === "draft" ? "draft" : "published";
    refuseContributor(ctx, "publish", status);
    const limit = await this.limitFor(ctx, input.media !== undefined || input.embeds !== undefined);
    const media = await resolveMedia(input.media ?? [], this.mediaResolver());
    const embeds = await resolveEmbeds(input.embeds ?? [], this.options.embeds);
    const entry = {
      id: input.id ?? randomUUID(),
      ...(input.headline === undefined ? {} : { headline: input.headline }),
      body,
      ...(input.author === undefined ? {} : { author: input.author }),
      ...(media.length === 0 ? {} : { media }),
      ...(embeds.length === 0 ? {} : { embeds }),
      pinned: input.pinned ?? false,
      keyEvent: input.keyEvent ?? false,
      breaking: input.breaking ?? false,
      status,
      ...(publishAt === undefined ? {} : { publishAt: publishAt.toISOString() }),
    };
    // The hash covers what the editor sent (not the generated id), so a retry with the same
    // Idempotency-Key and the same body is recognised as the same publish.
    const contentHash = hashOf({ ...input, body });
    const change: Change = {
      v: 3,
      op: "publish",
      ...stamp(ctx),
      entry,
    };
    const result = await this.accept(feedId, change, limit, {
      entryId: entry.id,
      contentHash,
      status,
      actor: { sub: by.id, contributor: ctx.contributor === true },
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    });
    // A scheduled publish always starts at schedule version 1: a retry adds the same job (a
    // no-op), and a job of a schedule moved since is answered `stale` by accept.lua.
    const schedule = () =>
      publishAt === undefined ? Promise.resolve() : this.queue.enqueueRelease(feedId, entry.id, 1, publishAt);
    switch (result.status) {
      case "ok":
        await this.drain(feedId, result.drain, requestId);
        await schedule();
        return { entryId: entry.id, status: "queued" };
      case "duplicate_key": {
        if (result.previous.contentHash !== contentHash) {
          throw new LivelineError("idempotency_key_reused", "this Idempotency-Key was used for a different entry");
        }
        // Ask again for the drain job the first attempt may never have added; same job id = no-op.
        await this.drain(feedId, result.drain, requestId);
        await schedule();
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
        await this.drain(feedId, result.drain, requestId);
        await schedule();
        return { entryId: entry.id, status: "queued" };
      default:
        throw await this.rejection(result, feedId, entry.id);
    }
  }

  async updateEntry(
    feedId: string,
    entryId: string,
    input: UpdateEntryRequest,
    ctx: WriteContext = { by: UNKNOWN_WRITER },
  ): Promise<Accepted> {
    const { media, embeds, publishAt, ...rest } = input;
    // publishAt schedules, reschedules, or cancels (null) a draft; a time already past is due at once.
    const when = publishAt === undefined || publishAt === null ? publishAt : new Date(publishAt);
    const status = when === undefined ? undefined : when === null ? "draft" : "scheduled";
    refuseContributor(ctx, "update", status);
    const limit = await this.limitFor(ctx, media !== undefined || embeds !== undefined);
    const patch: EntryPatch = { ...rest };
    if (input.body !== undefined) patch.body = cleanBody(input.body, this.options.publicUrl);
    if (media !== undefined) patch.media = await resolveMedia(media, this.mediaResolver());
    if (embeds !== undefined) patch.embeds = await resolveEmbeds(embeds, this.options.embeds);
    if (when !== undefined) patch.publishAt = when === null ? null : when.toISOString();
    const change: Change = {
      v: 3,
      op: "update",
      ...stamp(ctx),
      entryId,
      patch,
    };
    const result = await this.acceptEntryChange(feedId, entryId, change, { ...ctx, limit }, status);
    if (when instanceof Date) await this.queue.enqueueRelease(feedId, entryId, result.scheduleVersion, when);
    else if (when === null) await this.queue.cancelRelease(feedId, entryId, result.scheduleVersion - 1);
    return { entryId, status: "queued" };
  }

  /** Retract (or discard a draft); `reason` is recorded on the entry's `entry.deleted` revision. */
  async deleteEntry(
    feedId: string,
    entryId: string,
    ctx: WriteContext = { by: UNKNOWN_WRITER },
    reason?: string,
  ): Promise<Accepted> {
    const change: Change = {
      v: 3,
      op: "delete",
      ...stamp(ctx),
      entryId,
      ...(reason === undefined ? {} : { reason }),
    };
    await this.acceptEntryChange(feedId, entryId, change, ctx);
    return { entryId, status: "queued" };
  }

  /**
   * Publish a draft or scheduled entry now (`POST …/entries/:entryId/publish`): it gets its seq
   * when the worker applies the release. A scheduled one's delayed job then finds it published
   * and does nothing.
   */
  async releaseEntry(feedId: string, entryId: string, ctx: WriteContext = { by: UNKNOWN_WRITER }): Promise<Accepted> {
    const change: Change = {
      v: 3,
      op: "release",
      ...stamp(ctx),
      entryId,
    };
    await this.acceptEntryChange(feedId, entryId, change, ctx);
    return { entryId, status: "queued" };
  }

  /** Drafts and scheduled entries (scheduled first, soonest first); a contributor's own only. */
  async listDrafts(feedId: string, onlyBy?: string): Promise<DraftEntry[]> {
    await this.getFeed(feedId);
    const drafts = await this.store.listDrafts(feedId);
    return onlyBy === undefined ? drafts : drafts.filter((d) => d.by === onlyBy);
  }

  /**
   * An entry for its editors: published, or else a draft (a contributor's own only), with its
   * accepted revision, the ETag that If-Match names.
   */
  async getEntryForEditor(
    feedId: string,
    entryId: string,
    onlyBy?: string,
  ): Promise<{ entry: Entry | DraftEntry; revision: number }> {
    const [published, draft, revision] = await Promise.all([
      this.store.getEntry(feedId, entryId),
      this.store.getDraft(feedId, entryId),
      this.store.acceptedRevision(feedId, entryId),
    ]);
    const entry =
      published ?? (draft !== undefined && (onlyBy === undefined || draft.by === onlyBy) ? draft : undefined);
    if (entry === undefined) return { entry: await this.getEntry(feedId, entryId), revision: 0 }; // throws the 404
    return { entry, revision: revision ?? entry.revision };
  }

  /**
   * Throws 404 unless the entry was accepted, applied yet or not (a write answered 202 a moment
   * ago names an entry the worker may not have stored), and not retracted since.
   */
  async assertAccepted(feedId: string, entryId: string): Promise<void> {
    if ((await this.store.acceptedRevision(feedId, entryId)) !== undefined) return;
    await this.getEntry(feedId, entryId); // 404 feed_not_found / entry_not_found
  }

  /** The accepted revision of a published entry (its ETag), or its stored one. */
  async acceptedRevision(feedId: string, entry: Entry): Promise<number> {
    return (await this.store.acceptedRevision(feedId, entry.id)) ?? entry.revision;
  }

  async updateFeed(
    feedId: string,
    input: UpdateFeedRequest,
    ctx: WriteContext = { by: UNKNOWN_WRITER },
  ): Promise<Accepted> {
    const change: Change = {
      v: 3,
      op: "feed.update",
      ...stamp(ctx),
      patch: { ...input },
    };
    const result = await this.accept(feedId, change, ctx.limit);
    if (result.status !== "ok") throw storeRejection(result, feedId);
    await this.drain(feedId, result.drain, ctx.requestId);
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
   * authorize the reader), so a missing feed is not looked for again here. `relayed`: for a
   * reader already on this node's deliveries of the feed, the relay's position (`FeedRelay.position`).
   */
  async catchUp(feedId: string, since?: number, epoch?: string, relayed?: RelayedPosition): Promise<EventsResponse> {
    // A result read earlier serves a reader that joined its feed's deliveries when nothing this
    // node emitted is past it: all it could have missed is in the result, the rest reaches it live.
    const covers =
      relayed && ((r: { seq: number; epoch: string }) => r.epoch === relayed.epoch && r.seq >= relayed.seq);
    if (since !== undefined) {
      const r = await this.logReads.get(
        `${feedId}@${since}@${epoch ?? ""}`,
        covers && ((r) => r.kind === "events" && covers(r)),
      );
      if (r.kind === "events") return { events: r.events, seq: r.seq, epoch: r.epoch };
    }
    const snap = await this.snapshots.get(feedId, covers);
    return { reset: true, entries: snap.entries, seq: snap.seq, epoch: snap.epoch };
  }

  /** The feed's latest entries (LIMITS.snapshotSize), as of `seq` in `epoch`. */
  snapshot(feedId: string): Promise<{ seq: number; epoch: string; entries: Entry[] }> {
    return this.snapshots.get(feedId);
  }

  /**
   * Media URLs stored on entries: absolute on PUBLIC_URL, else root-relative. Never from the
   * request's Host header, which would store a forged origin in the entry for every reader.
   */
  private mediaResolver() {
    const base = (this.options.publicUrl ?? "").replace(/\/$/, "");
    return this.options.media === undefined ? undefined : { media: this.options.media, base };
  }

  private async acceptEntryChange(
    feedId: string,
    entryId: string,
    change: Change,
    ctx: WriteContext,
    status?: "draft" | "scheduled",
  ): Promise<{ ticket: number; scheduleVersion: number }> {
    const result = await this.accept(feedId, change, ctx.limit, {
      entryId,
      ifMatch: ctx.ifMatch,
      actor: { sub: ctx.by.id, contributor: ctx.contributor === true },
      status,
    });
    if (result.status !== "ok") throw await this.rejection(result, feedId, entryId);
    await this.drain(feedId, result.drain, ctx.requestId);
    return result;
  }

  /**
   * The store's accept, with the write's limit counted in the same step (one round trip); a write
   * past it is refused there, with nothing stored, and answered 429 here.
   */
  private async accept(
    feedId: string,
    change: Change,
    limit: WriteLimit | undefined,
    options: Parameters<FeedStore["accept"]>[2] = {},
  ): Promise<AcceptResult> {
    const result = await this.store.accept(feedId, change, limit === undefined ? options : { ...options, rate: limit });
    if (result.status !== "rate_limited") return result;
    if (limit === undefined) throw new Error("accept answered rate_limited to a write it was given no limit for");
    throw limit.refused(result.retryAfterMs);
  }

  /**
   * The limit the write's accept is to count: counted now instead, once, when the write looks
   * something up first (its media, its embeds' oEmbed providers), so that writes past the limit
   * never reach those.
   */
  private async limitFor(ctx: WriteContext, looksUp: boolean): Promise<WriteLimit | undefined> {
    if (ctx.limit === undefined || !looksUp) return ctx.limit;
    await ctx.limit.spend();
    return undefined;
  }

  /**
   * Add the drain job accept.lua asked for, if it asked (group commit: otherwise the job waiting
   * for the feed's slot takes the change). Every accept answered `ok` must come here: a mark whose
   * job is never added holds the slot's feeds until the mark ages (FeedStoreOptions.jobMarkAgeMs).
   */
  private async drain(feedId: string, drain: DrainMark | undefined, requestId: string | undefined): Promise<void> {
    if (drain !== undefined) await this.queue.drain(drain, { feedId, requestId });
  }

  /** The error for a change the store refused; a conflict carries the entry as it is now. */
  private async rejection(result: AcceptResult, feedId: string, entryId: string): Promise<LivelineError> {
    if (result.status !== "revision_conflict") return storeRejection(result, feedId, entryId);
    const current = (await this.store.getEntry(feedId, entryId)) ?? (await this.store.getDraft(feedId, entryId));
    return new LivelineError(
      "revision_conflict",
      `entry '${entryId}' is at revision ${result.revision}: someone changed it first; reload and apply your edit again`,
      {
        revision: result.revision,
        etag: `"r${result.revision}"`,
        ...(current === undefined ? {} : { entry: current }),
      },
    );
  }
}

/** What every change records of its write: when, who, and the request's id when there is one. */
function stamp(ctx: WriteContext): { at: string; by: ReturnType<typeof compactActor>; requestId?: string } {
  return { at: now(), by: compactActor(ctx.by), ...(ctx.requestId ? { requestId: ctx.requestId } : {}) };
}

/**
 * A contributor's change refused on its face (contributorRefusal), before its media and embeds are
 * looked up: the store would refuse it the same way, after those lookups.
 */
function refuseContributor(
  ctx: WriteContext,
  op: Change["op"],
  status: Parameters<typeof contributorRefusal>[1],
): void {
  const rule = ctx.contributor === true ? contributorRefusal(op, status) : undefined;
  if (rule !== undefined) throw storeRejection({ status: "forbidden", rule }, "");
}

/** How each part of the contributor rule is told to the contributor. */
const CONTRIBUTOR_REFUSALS: Record<ContributorRule, string> = {
  drafts_only: 'a contributor writes drafts only: send "status": "draft"',
  not_own_draft: "a contributor may change drafts of their own only",
  no_schedule: "a contributor may not schedule: an editor publishes contributions",
  no_release: "a contributor may not publish a draft: an editor publishes contributions",
};

function storeRejection(result: AcceptResult, feedId: string, entryId?: string): LivelineError {
  const { status } = result;
  switch (status) {
    case "forbidden":
      return new LivelineError("forbidden", CONTRIBUTOR_REFUSALS[result.rule]);
    case "entry_published":
      return new LivelineError("entry_published", `entry '${entryId ?? ""}' is published already`);
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
