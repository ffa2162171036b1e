import type { Redis, Cluster } from "ioredis";
import {
  LIMITS,
  Entry as EntrySchema,
  DraftEntry as DraftEntrySchema,
  type DraftEntry,
  FailedChange as FailedChangeSchema,
  type FailedChange,
  type Revision,
  type Entry,
  type Feed,
} from "@liveline/protocol";
import type { Change } from "./changes.js";
import type { AcceptInput, NewFeedInput, RateWindow } from "./scripts.js";
import {
  SCRIPTS,
  contributorRefusal,
  readIdRecord,
  scriptSources,
  type AcceptResult,
  type ContributorRule,
  type ApplyResult,
  type ApplyManyResult,
  type ApplySettings,
  type CatchUp,
  type DrainMark,
  type Head,
  type ScriptSpec,
  type Snapshot,
} from "./scripts.js";
import { redisKeys, type RedisKeys } from "./redis-keys.js";
import { newEpoch, type HeldPosition } from "./epoch.js";
import { describeFailedChange } from "./failed-change.js";
import { AcceptedState } from "./accepted-state.js";
import { StoredRevision } from "./stored-actor.js";

export type {
  AcceptResult,
  ApplyManyResult,
  ApplyResult,
  CatchUp,
  ContributorRule,
  DrainMark,
  Head,
  RateWindow,
  Snapshot,
};

export type RedisClient = Redis | Cluster;

export interface EntryPageResult {
  entries: Entry[];
  next?: string;
}

export interface FeedStoreOptions {
  keyPrefix?: string;
  /** How many events of each feed the log keeps for catch-up. @default 1000 */
  eventLogLength?: number;
  /** `SPUBLISH` on a Redis Cluster (sharded pub/sub), `PUBLISH` otherwise. @default "PUBLISH" */
  publishCommand?: "PUBLISH" | "SPUBLISH";
  /**
   * Before a write resolves, wait until this many replicas have it (`WAIT`), so that an
   * accepted change survives the primary's loss. 0: answer once the primary has it.
   * @default { replicas: 0, timeoutMs: 0 }
   */
  replicaAcks?: { replicas: number; timeoutMs: number };
  /**
   * Group commit: a drain job asked for this long ago (ms) and not yet taken by a worker is
   * asked for again by the next change accepted in its slot, so a job lost between accept and
   * enqueue (a server that died there) holds its slot this long at most. @default 2000
   */
  jobMarkAgeMs?: number;
  /**
   * The nudge: an accept that asks for a drain job when its slot asked for none in this long (ms)
   * also publishes the feed's id on `keys.nudge()`, for a worker to apply at once instead of
   * waiting for BullMQ to hand out the job (accept.lua). 0: never; nor with `replicaAcks`, where
   * a change is applied only once its replicas hold it. @default 30
   */
  nudgeQuietMs?: number;
}

/**
 * The write reached the primary but not `replicas` replicas within the timeout: it may still
 * be applied, or be lost if the primary fails now. Callers answer 503 and clients retry with
 * the same Idempotency-Key, which is safe either way.
 */
export class ReplicationTimeoutError extends Error {
  readonly code = "replication_timeout";
  constructor(
    readonly wanted: number,
    readonly acknowledged: number,
  ) {
    super(`write acknowledged by ${acknowledged} of ${wanted} replicas in time`);
    this.name = "ReplicationTimeoutError";
  }
}

/**
 * The feed store: the one place that reads and writes feed state in Redis. Writes go through
 * Lua scripts so that ticket, seq, state, log and publish move together atomically.
 */
export class FeedStore {
  readonly keys: RedisKeys;
  readonly eventLogLength: number;
  private readonly publishCommand: "PUBLISH" | "SPUBLISH";
  /** Replicas a write waits for before it is answered (none on a cluster: WAIT is per shard). */
  private readonly replicaAcks: { replicas: number; timeoutMs: number } | undefined;
  private readonly jobMarkAgeMs: number;
  private readonly nudge: { channel: string; quietMs: number } | undefined;

  constructor(
    private readonly redis: RedisClient,
    options: FeedStoreOptions = {},
  ) {
    this.keys = redisKeys(options.keyPrefix, "nodes" in redis);
    this.eventLogLength = options.eventLogLength ?? 1000;
    this.publishCommand = options.publishCommand ?? "PUBLISH";
    const acks = options.replicaAcks;
    this.replicaAcks = acks !== undefined && acks.replicas > 0 && !("nodes" in redis) ? acks : undefined;
    this.jobMarkAgeMs = options.jobMarkAgeMs ?? 2000;
    const quietMs = options.nudgeQuietMs ?? 30;
    // A store that waits for replicas before a write is answered nudges nobody: its changes are
    // applied, as before, once they are on the replicas and the job is added.
    this.nudge = quietMs > 0 && this.replicaAcks === undefined ? { channel: this.keys.nudge(), quietMs } : undefined;
    for (const { name, numberOfKeys, lua } of scriptSources()) {
      if (!(name in redis)) redis.defineCommand(name, numberOfKeys === undefined ? { lua } : { numberOfKeys, lua });
    }
  }

  /** Run one of SCRIPTS: its keys in the order it names them, its ARGV, its reply decoded. */
  private async run<K extends readonly string[], A, R>(
    script: ScriptSpec<K, A, R>,
    keys: Record<K[number], string>,
    input: A,
  ): Promise<R> {
    const fn: unknown = Reflect.get(this.redis, script.name);
    if (typeof fn !== "function") throw new Error(`Lua script ${script.name} is not registered`);
    const named = script.keys.map((k: K[number]) => keys[k]);
    const more = script.more?.(input);
    // A script with keys beyond its named ones is told how many keys it has, first.
    const argv =
      more === undefined
        ? [...named, ...script.args(input)]
        : [named.length + more.length, ...named, ...more, ...script.args(input)];
    return script.decode(await (fn.apply(this.redis, argv) as Promise<unknown>), input);
  }

  async createFeed(feed: Omit<NewFeedInput, "createdAt">, now: Date): Promise<boolean> {
    const k = this.keys.feed(feed.id);
    // The index and the feed's keys sit in different cluster slots, so they cannot share a
    // script. Index first: a crash in between leaves an id without a feed, which listFeeds skips.
    await this.redis.zadd(this.keys.feedIndex(), "NX", now.getTime(), feed.id);
    const created = await this.run(
      SCRIPTS.createFeed,
      { meta: k.meta },
      { ...feed, createdAt: now.toISOString(), epoch: newEpoch() },
    );
    await this.replicated();
    return created;
  }

  async getFeed(feedId: string): Promise<Feed | undefined> {
    const h = await this.redis.hgetall(this.keys.feed(feedId).meta);
    return parseFeed(h);
  }

  async listFeeds(limit = 100): Promise<Feed[]> {
    const ids = await this.redis.zrevrange(this.keys.feedIndex(), 0, limit - 1);
    const feeds = await Promise.all(ids.map((id) => this.getFeed(id)));
    return feeds.filter((f): f is Feed => f !== undefined);
  }

  async accept(
    feedId: string,
    change: Change,
    options: Omit<AcceptInput, "change"> & { idempotencyKey?: string } = {},
  ): Promise<AcceptResult> {
    const { idempotencyKey, ...input } = options;
    const refusal = input.actor?.contributor === true ? contributorRefusal(change.op, input.status) : undefined;
    if (refusal !== undefined) return { status: "forbidden", rule: refusal };
    const k = this.keys.feed(feedId);
    const idempotency = idempotencyKey === undefined ? k.meta : k.idempotency(idempotencyKey);
    const result = await this.run(
      SCRIPTS.accept,
      {
        meta: k.meta,
        pending: k.pending,
        ids: k.ids,
        idempotency,
        accepted: k.accepted,
        entries: k.entries,
        behind: k.behind,
        drainMark: k.drainMark,
        rate: input.rate?.key ?? k.meta,
      },
      {
        change,
        ...input,
        feedId,
        slot: k.slot,
        now: Date.now(),
        jobMarkAgeMs: this.jobMarkAgeMs,
        ...(this.nudge === undefined ? {} : { nudge: this.nudge }),
      },
    );
    // Also for a duplicate: the first try may have reached the primary only.
    await this.replicated();
    return result;
  }

  /**
   * Whether accept() can count a writer's rate limit (AcceptInput.rate) in its own step: not on a
   * Redis Cluster, where the counter's key and the feed's sit in different slots.
   */
  get countsRateInAccept(): boolean {
    return !("nodes" in this.redis);
  }

  /** Count one attempt against a rate limit: 0 within it, else the ms until its window ends. */
  spendRate({ key, ...window }: RateWindow): Promise<number> {
    return this.run(SCRIPTS.rateLimit, { counter: key }, window);
  }

  /**
   * A drain job's first step: the feeds of `slot` that are behind, with the slot's drain mark
   * deleted in the same step, so that a change accepted from now on asks for a new drain job.
   */
  async takeBehind(slot: number): Promise<string[]> {
    return this.run(SCRIPTS.drain, this.keys.slot(slot), undefined);
  }

  /**
   * WAIT counts the writes this connection made, so it runs on the connection that wrote.
   * It holds that connection until the replicas answer (one round trip when they are
   * healthy; the timeout when none is), which is the price of a 202 that survives failover.
   */
  private async replicated(): Promise<void> {
    if (this.replicaAcks === undefined) return;
    const { replicas, timeoutMs } = this.replicaAcks;
    const acknowledged = Number(await this.redis.call("WAIT", replicas, timeoutMs));
    if (acknowledged < replicas) throw new ReplicationTimeoutError(replicas, acknowledged);
  }

  /**
   * Apply pending changes up to `ticket` (at most `batch` per call; call again while behind).
   * `held`: where the calling worker last saw the feed; a feed now behind it in the same epoch
   * lost history, and gets a new epoch before anything is applied. `takeDrain`: the first apply
   * of a drain job, of the feed that asked for it, takes the slot's drain in the same step (the
   * result's `behind`; see takeBehind).
   */
  async apply(
    feedId: string,
    ticket: number,
    o: { batch?: number; held?: HeldPosition | undefined; takeDrain?: boolean } = {},
  ): Promise<ApplyResult> {
    const k = this.keys.feed(feedId);
    return this.run(SCRIPTS.apply, k, {
      ...this.applySettings(o.batch ?? 200),
      feedId,
      ticket,
      held: o.held,
      revisionsPrefix: k.revisionsPrefix,
      takeDrain: o.takeDrain ?? false,
    });
  }

  /**
   * Apply several feeds of one cluster slot (a drain job's) in one call, each up to its last
   * accepted change but at most `batch` changes: what `apply` does for one, per feed in order.
   * A feed whose apply raised an error is answered with it; the others are applied all the same.
   */
  async applyMany(
    feeds: { feedId: string; held?: HeldPosition | undefined }[],
    o: { batch?: number } = {},
  ): Promise<ApplyManyResult> {
    const [head] = feeds;
    if (head === undefined) return [];
    const first = this.keys.feed(head.feedId);
    return this.run(
      SCRIPTS.applyMany,
      { behind: first.behind, outputsDue: first.outputsDue },
      {
        settings: this.applySettings(o.batch ?? 50),
        feeds: feeds.map(({ feedId, held }) => {
          const k = this.keys.feed(feedId);
          if (k.slot !== first.slot) throw new Error(`applyMany: ${feedId} is not in slot ${first.slot}`);
          return { feedId, ticket: 0, held, revisionsPrefix: k.revisionsPrefix, keys: k };
        }),
      },
    );
  }

  private applySettings(batch: number): ApplySettings {
    return {
      batch,
      eventLogLength: this.eventLogLength,
      publishCommand: this.publishCommand,
      revisionsKept: LIMITS.maxRevisionsPerEntry,
      fresh: newEpoch(),
    };
  }

  /**
   * Set aside the change right after `applied` (the feed's applied ticket as the caller saw it):
   * record it in the feed's failed set, with `error`, and move the feed past it. Returns the
   * record, or undefined when another worker moved the feed on meanwhile (nothing done).
   */
  async setAside(feedId: string, applied: number, error: string, now = new Date()): Promise<FailedChange | undefined> {
    const k = this.keys.feed(feedId);
    // A pending change never changes once accepted, so reading it before the script is safe;
    // the script itself checks that `applied` still holds.
    const raw = await this.redis.hget(k.pending, String(applied + 1));
    const record = describeFailedChange(applied + 1, raw, error, now);
    const moved = await this.run(
      SCRIPTS.setAside,
      {
        meta: k.meta,
        pending: k.pending,
        ids: k.ids,
        entries: k.entries,
        failed: k.failed,
        drafts: k.drafts,
        accepted: k.accepted,
      },
      { applied, record, kept: LIMITS.maxFailedChangesKept },
    );
    return moved > 0 ? record : undefined;
  }

  /** How many changes were ever set aside on the feed. */
  async failedCount(feedId: string): Promise<number> {
    return Number((await this.redis.hget(this.keys.feed(feedId).meta, "failed")) ?? 0);
  }

  /** Changes set aside on the feed: how many ever, and the most recent ones kept, newest first. */
  async failedChanges(feedId: string): Promise<{ count: number; changes: FailedChange[] }> {
    const [count, raws] = await Promise.all([
      this.failedCount(feedId),
      this.redis.zrevrange(this.keys.feed(feedId).failed, 0, LIMITS.maxFailedChangesKept - 1),
    ]);
    return { count, changes: raws.map((r) => FailedChangeSchema.parse(JSON.parse(r))) };
  }

  /** Highest ticket accepted for the feed so far (0 when none or no such feed). */
  async acceptedTicket(feedId: string): Promise<{ ticket: number; applied: number }> {
    const [ticket, applied] = await this.redis.hmget(this.keys.feed(feedId).meta, "ticket", "applied");
    return { ticket: Number(ticket ?? 0), applied: Number(applied ?? 0) };
  }

  async currentSeq(feedId: string): Promise<number> {
    return Number((await this.redis.hget(this.keys.feed(feedId).meta, "seq")) ?? 0);
  }

  async getEntry(feedId: string, entryId: string): Promise<Entry | undefined> {
    const raw = await this.redis.hget(this.keys.feed(feedId).entries, entryId);
    return raw === null ? undefined : parsePublished(raw);
  }

  /** A draft or scheduled entry (editors only: no reader's path calls this). */
  async getDraft(feedId: string, entryId: string): Promise<DraftEntry | undefined> {
    const raw = await this.redis.hget(this.keys.feed(feedId).drafts, entryId);
    return raw === null ? undefined : DraftEntrySchema.parse(JSON.parse(raw));
  }

  /** Every draft and scheduled entry of the feed, scheduled first by time, then drafts newest first. */
  async listDrafts(feedId: string): Promise<DraftEntry[]> {
    const raws = await this.redis.hvals(this.keys.feed(feedId).drafts);
    const drafts = raws.map((r) => DraftEntrySchema.parse(JSON.parse(r)));
    const key = (d: DraftEntry) => (d.publishAt === undefined ? `1${invert(d.updatedAt)}` : `0${d.publishAt}`);
    return drafts.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  }

  /**
   * The entry's accepted revision: the one it has once every change accepted so far is
   * applied (what If-Match is checked against). Undefined when the entry was never accepted.
   */
  async acceptedRevision(feedId: string, entryId: string): Promise<number | undefined> {
    const k = this.keys.feed(feedId);
    const [state, entry, id] = await Promise.all([
      this.redis.hget(k.accepted, entryId),
      this.redis.hget(k.entries, entryId),
      this.redis.hget(k.ids, entryId),
    ]);
    if (state !== null) return AcceptedState.parse(JSON.parse(state)).r;
    // No record: a published entry at its stored revision, 1 until the worker stores it
    // (lua/includes/accepted-state.lua); an id never taken, or retracted, was not accepted.
    if (entry !== null) return parsePublished(entry).revision;
    return id !== null && !readIdRecord(id).retracted ? 1 : undefined;
  }

  /** Entries newest first; `before` is the cursor from a previous page's `next`. */
  async listEntries(feedId: string, limit: number, before?: number): Promise<EntryPageResult> {
    const k = this.keys.feed(feedId);
    const max = before === undefined ? "+inf" : `(${before}`;
    const flat = await this.redis.zrevrangebyscore(k.order, max, "-inf", "WITHSCORES", "LIMIT", 0, limit + 1);
    const ids: string[] = [];
    const scores: string[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      ids.push(String(flat[i]));
      scores.push(String(flat[i + 1]));
    }
    const more = ids.length > limit;
    const pageIds = ids.slice(0, limit);
    if (pageIds.length === 0) return { entries: [] };
    const raws = await this.redis.hmget(k.entries, ...pageIds);
    const entries = raws.flatMap((r) => (r === null ? [] : [parsePublished(r)]));
    const last = scores[pageIds.length - 1];
    return more && last !== undefined ? { entries, next: last } : { entries };
  }

  /** The latest `size` entries and every pinned one, newest first, with the seq and epoch they reflect. */
  async snapshot(feedId: string, size: number): Promise<Snapshot> {
    const k = this.keys.feed(feedId);
    return this.run(SCRIPTS.snapshot, k, { size, fresh: newEpoch() });
  }

  /**
   * The feed's head (seq, epoch, the `at` of its last event), checked against what a watcher
   * holds: when the feed is behind `held`, or has another event at `held.seq`, in the same
   * epoch, history was lost and the epoch changes (once, whoever notices first).
   */
  async head(feedId: string, held?: HeldPosition): Promise<Head> {
    const k = this.keys.feed(feedId);
    return this.run(SCRIPTS.head, k, { held, fresh: newEpoch() });
  }

  /** The entry's revision history, oldest first (kept after a retraction, too). */
  async revisions(feedId: string, entryId: string): Promise<Revision[]> {
    const raws = await this.redis.lrange(this.keys.feed(feedId).revisions(entryId), 0, -1);
    return raws.map((r) => StoredRevision.parse(JSON.parse(r)));
  }

  /**
   * Events after `since`, or `reset` when the kept log no longer reaches back that far, or when
   * `epoch` (the reader's) is not the log's. A reader of the log's epoch holding a seq the feed
   * never reached proves history was lost: the epoch changes, and the answer is `reset`.
   */
  async eventsSince(feedId: string, since: number, most: number, epoch?: string): Promise<CatchUp> {
    const k = this.keys.feed(feedId);
    return this.run(SCRIPTS.catchUp, k, { since, most, epoch, fresh: newEpoch() });
  }

  /**
   * Feeds that have accepted changes not applied yet (used to re-drive lost jobs), from every
   * cluster slot's set of feeds behind, which accept.lua and apply.lua keep: however many feeds
   * there are, only those behind are read.
   */
  async feedsBehind(): Promise<{ feedId: string; ticket: number; applied: number }[]> {
    const ids = await this.membersOf(this.keys.behindSets());
    // One read per feed behind, all in flight at once (each feed's meta may sit on another shard).
    const marks = await Promise.all(ids.map(async (feedId) => ({ feedId, ...(await this.acceptedTicket(feedId)) })));
    return marks.filter((m) => m.ticket > m.applied);
  }

  /**
   * The slots among `slots` whose drain mark is older than a drain job takes to start
   * (`jobMarkAgeMs`): the job it asked for was never added (the API lost Redis between the accept
   * and the add) or has not run, and the slot's later changes ask for none until it ages, so the
   * sweep may re-drive the slot at once. A slot whose mark a drain took (`taken.<mark>`), or
   * without one, has no job waiting.
   */
  async overdueSlots(slots: Iterable<number>, now = Date.now()): Promise<number[]> {
    const distinct = [...new Set(slots)];
    const marks = await Promise.all(distinct.map((slot) => this.redis.get(this.keys.slot(slot).drainMark)));
    return distinct.filter((_, i) => {
      const markedAt = Number.parseInt(marks[i] ?? "", 10);
      return Number.isFinite(markedAt) && Math.abs(now - markedAt) > this.jobMarkAgeMs;
    });
  }

  /**
   * Feeds that emitted events their outputs may not have taken yet, with their seq, from every
   * cluster slot's set apply.lua keeps: the outputs sweep's cost follows the feeds that changed,
   * not the number of feeds. A feed stays listed until `outputsCaughtUp` lets it go.
   */
  async feedsWithOutputsDue(): Promise<{ feedId: string; seq: number }[]> {
    const ids = await this.membersOf(this.keys.outputsDueSets());
    return Promise.all(ids.map(async (feedId) => ({ feedId, seq: await this.currentSeq(feedId) })));
  }

  /** The feed leaves the outputs' due set if `cursor` has reached its seq (see outputs-caught-up.lua). */
  async outputsCaughtUp(feedId: string, cursor: number): Promise<boolean> {
    const k = this.keys.feed(feedId);
    return this.run(SCRIPTS.outputsCaughtUp, { meta: k.meta, outputsDue: k.outputsDue }, { feedId, cursor });
  }

  /** The members of sets about many feeds (one per cluster slot, or one). */
  private async membersOf(sets: string[]): Promise<string[]> {
    if ("nodes" in this.redis) {
      // Each set may sit on another shard: one read each, all in flight at once.
      const members = await Promise.all(sets.map((key) => this.redis.smembers(key)));
      return members.flat();
    }
    const replies = (await this.redis.pipeline(sets.map((key) => ["smembers", key])).exec()) ?? [];
    return replies.flatMap(([err, members]) => {
      if (err) throw err;
      return Array.isArray(members) ? members.map(String) : [];
    });
  }
}

/** An entry of the entries hash: published, whether or not it was stored before statuses. */
function parsePublished(raw: string): Entry {
  return { ...EntrySchema.parse(JSON.parse(raw)), status: "published" };
}

/** An ISO time that sorts the other way round (newest first as text). */
function invert(iso: string): string {
  return String(1e15 - Date.parse(iso)).padStart(16, "0");
}

function parseFeed(h: Record<string, string>): Feed | undefined {
  const { id, title, status, createdAt, updatedAt } = h;
  if (id === undefined || title === undefined || createdAt === undefined || updatedAt === undefined) return undefined;
  const feed: Feed = {
    id,
    title,
    status: status === "ended" ? "ended" : "live",
    visibility: h.visibility === "private" ? "private" : "public",
    seq: Number(h.seq ?? 0),
    createdAt,
    updatedAt,
  };
  if (h.description) feed.description = h.description;
  if (h.coverageStartTime) feed.coverageStartTime = h.coverageStartTime;
  return feed;
}
