import { SLOT_COUNT, slotOf, slotTag } from "./slot-tags.js";

/**
 * Every Redis key and pub/sub channel Liveline uses is built here, and only here.
 *
 * All keys of one feed share the hash tag `{<feedId>}` so that a feed's Lua scripts touch a
 * single Redis Cluster slot, and the feed's channel lives in that slot too (sharded pub/sub).
 * The prefix keeps tests and tenants apart.
 */
export interface RedisKeys {
  readonly prefix: string;
  /** Sorted set of all feed ids, scored by creation time. */
  feedIndex(): string;
  feed(feedId: string): FeedKeys;
  /**
   * Every cluster slot's set of feeds behind (`FeedKeys.behind`): what the worker's sweep reads
   * to find feeds whose apply job was lost, instead of looking at every feed.
   */
  behindSets(): string[];
  /**
   * Every cluster slot's set of feeds whose outputs may be behind (`FeedKeys.outputsDue`): what
   * the outputs sweep reads to find a feed applied further than its outputs went.
   */
  outputsDueSets(): string[];
  /** The keys about every feed of one cluster slot (on one Redis, slot 0 holds every feed). */
  slot(slot: number): SlotKeys;
  /**
   * Pub/sub channel (not sharded: on a cluster it reaches every node's subscribers): the id of each
   * feed whose accepted change asked for a drain job, for the workers to apply before the job runs.
   */
  nudge(): string;
  /** BullMQ's own prefix; braces keep every queue key in one slot on a cluster. */
  queuePrefix(): string;
  /** String (expiring with its window): one rate limit's counter of `key`'s attempts (rate-window.lua). */
  rateLimit(name: string, key: string): string;
  /** Where server nodes report their readers (server/src/presence). */
  presence: PresenceKeys;
  /** Keys of the output pipeline: push subscriptions, alerts, webhooks (docs/outputs.md). */
  outputs(): OutputKeys;
  /** String (expiring): what a provider's oEmbed endpoint said of one post URL, by the URL's hash. */
  embed(urlHash: string): string;
  /** People's accounts, their sessions and password-reset links (server/src/accounts). */
  accounts: AccountKeys;
}

/**
 * Every account key shares the hash tag `{<prefix>accounts}`, so that creating a user (its record
 * and its email) or ending its sessions is one MULTI on one cluster slot.
 */
export interface AccountKeys {
  /** Hash: user id → stored user JSON (with its password hash). */
  readonly users: string;
  /** Hash: lower-cased email → user id (emails are unique). */
  readonly emails: string;
  /** String (expiring): one session, by the SHA-256 of its cookie value: {userId, expiresAt} JSON. */
  session(digest: string): string;
  /** Set: the session digests of one user (ended together on a new password, role or deletion). */
  sessionsOf(userId: string): string;
  /** String (expiring): one password-reset link, by the SHA-256 of its token: the user id. */
  reset(digest: string): string;
  /** Hash: `<issuer> <subject>` of a single sign-on identity → user id. */
  readonly subjects: string;
  /** String (expiring): one single sign-on under way, by its `state`: its PKCE verifier and nonce. */
  ssoFlow(state: string): string;
}

/**
 * Reader counts reported by every server node. All of them share the hash tag
 * `{<prefix>presence}`: one node's report (DEL, HSET, PEXPIRE, SADD) is one MULTI on one slot, and
 * `/stats` reads every node's hash with one pipeline to one shard.
 */
export interface PresenceKeys {
  /** Set: ids of the server nodes that reported; a member whose hash has expired is dead. */
  readonly nodes: string;
  /** Hash of one node: `at` (ms of its last report), `s:<feedId>` sockets, `e:<feedId>` SSE streams. Expires. */
  node(nodeId: string): string;
  /** Sorted set: feed ids scored by the last time (ms) a sample of theirs counted readers. */
  readonly audienceFeeds: string;
  /** String (SET NX, expiring): the node that takes the audience sample of one interval, by its start (ms). */
  audienceClaim(slotMs: number): string;
}

export interface OutputKeys {
  /** Sorted set: feed id scored by the last seq the output pipeline handled (ZADD GT). */
  readonly cursors: string;
  /** String: the VAPID key pair generated in development, shared by every process. */
  readonly vapid: string;
  /** Hash: webhook endpoint id → endpoint JSON. */
  readonly webhooks: string;
  feed(feedId: string): FeedOutputKeys;
  webhook(endpointId: string): WebhookKeys;
}

export interface FeedOutputKeys {
  /** Hash: Web Push subscription id → subscription JSON. */
  readonly webPush: string;
  /** Hash: device id → FCM registration JSON. */
  readonly devices: string;
  /** String: the once-per-entry alert marker (SET NX). */
  alerted(entryId: string): string;
  /** Sorted set: alerts sent, scored by time (the per-hour cap's window). */
  readonly alertWindow: string;
  /** List: the latest alerts, newest first, JSON. */
  readonly alertLog: string;
  /** String: held (SET NX PX) by the one outputs job walking this feed's events. */
  readonly walkLock: string;
}

export interface WebhookKeys {
  /** Sorted set: delivery ids of one feed waiting for this endpoint, scored by seq. */
  outbox(feedId: string): string;
  /** String: one delivery's JSON record (expires). */
  delivery(deliveryId: string): string;
  /** List: the endpoint's latest delivery ids, newest first. */
  readonly recent: string;
  /** List: delivery ids that failed their last try, newest first. */
  readonly dead: string;
  /** Set: feeds with an outbox for this endpoint (for the sweep and for deletion). */
  readonly outboxFeeds: string;
}

/**
 * Keys about many feeds that a feed's scripts keep, one of each per Redis Cluster slot (named by a
 * hash tag of that slot, so they sit beside the feeds' own keys); on one Redis, one of each.
 */
export interface SlotKeys {
  /** Set: ids of the slot's feeds that have changes accepted and not yet applied (see FeedKeys.behind). */
  readonly behind: string;
  /**
   * String: the slot's drain mark, `<ms>.<feed>.<ticket>` of the accept that asked for a drain
   * job (the job's id names it); deleted when a drain job takes the slot's feeds behind.
   */
  readonly drainMark: string;
}

export interface FeedKeys {
  /**
   * Hash: id, title, description, status, seq, createdAt, updatedAt, ticket, applied, failed,
   * epoch (of the log), coverageStartTime (set at creation, optional).
   */
  readonly meta: string;
  /** Hash: entry id → Entry JSON (current state). */
  readonly entries: string;
  /** Sorted set: entry id scored by the seq it was published at (newest first = highest). */
  readonly order: string;
  /** Set: ids of pinned entries. */
  readonly pinned: string;
  /** Sorted set: FeedEvent JSON scored by seq — the kept event log. */
  readonly log: string;
  /** Hash: accept ticket → Change JSON, accepted but not yet applied. */
  readonly pending: string;
  /**
   * Set: ids of the feeds, of this feed's cluster slot, that have changes accepted and not yet
   * applied (accept.lua adds the feed, apply.lua removes it once caught up). On a Redis Cluster,
   * one key per slot, named by a hash tag of that slot, so a feed's scripts can keep it
   * atomically; on one Redis, one key for every feed.
   */
  readonly behind: string;
  /** The feed's cluster slot (0 on one Redis, whose slot keys are one for every feed). */
  readonly slot: number;
  /** The drain mark of the feed's slot (`SlotKeys.drainMark`). */
  readonly drainMark: string;
  /**
   * Set: ids of the feeds, of this feed's cluster slot, that emitted events their outputs (web
   * push, alerts, webhooks) may not have taken yet: apply.lua adds the feed when it emits, the
   * outputs sweep removes it once the outputs' cursor has reached the feed's seq. Keyed per slot
   * like `behind`.
   */
  readonly outputsDue: string;
  /**
   * Sorted set: changes the worker could not apply and set aside (FailedChange JSON), scored by
   * their ticket, the newest `LIMITS.maxFailedChangesKept` kept; `meta.failed` counts them all.
   */
  readonly failed: string;
  /** Hash: entry id → draft or scheduled Entry JSON (with `by`); never read by a reader's path. */
  readonly drafts: string;
  /**
   * Hash: entry id → the entry's accepted state `{r, st, sv, by}` JSON: revision, status and
   * schedule version once every accepted change is applied (accept.lua checks If-Match on it).
   */
  readonly accepted: string;
  /** Hash: entry id → "<content hash>", or "deleted:<content hash>" once retracted: every id ever accepted on this feed. */
  readonly ids: string;
  /** List: the entry's revision history, {revision, by, at, type} JSON, oldest first, trimmed. */
  revisions(entryId: string): string;
  /**
   * What the apply script appends an entry id to for `revisions(entryId)`: the script learns
   * entry ids from the pending changes it reads, and the `{feedId}` hash tag keeps the key in
   * the feed's cluster slot.
   */
  readonly revisionsPrefix: string;
  /** Idempotency-Key record of a publish. */
  idempotency(key: string): string;
  /** Pub/sub channel carrying this feed's events, in seq order. */
  readonly channel: string;
  /** Set: subs of the editors who said they are in this feed (each has its `editor(sub)` key). */
  readonly editors: string;
  /** String (expiring): one editor's presence in this feed, {sub, name, since, editing?} JSON. */
  editor(sub: string): string;
  /**
   * Sorted set: the feed's audience samples, `<at ms>:<readers>:<node tag>` scored by `at` (the start
   * of the sampled interval), trimmed to AUDIENCE_KEEP_HOURS.
   */
  readonly audience: string;
  /** Sorted set: the feed's highest audience sample ever, `<at ms>` scored by its readers (one member). */
  readonly audiencePeak: string;
}

/**
 * `slotted`: on a Redis Cluster, the set of feeds behind is one key per slot (a feed's scripts
 * touch its own slot only); on one Redis it is one key, which the sweep reads in one command.
 */
export function redisKeys(prefix = "liveline:", slotted = false): RedisKeys {
  return {
    prefix,
    feedIndex: () => `${prefix}feeds`,
    behindSets: () => slotSets(prefix, "behind", slotted),
    outputsDueSets: () => slotSets(prefix, "out-due", slotted),
    slot: (slot) => ({
      behind: slotKey(prefix, "behind", slotted, slot),
      drainMark: slotKey(prefix, "drain-mark", slotted, slot),
    }),
    nudge: () => `${prefix}nudge`,
    queuePrefix: () => `{${prefix}bull}`,
    rateLimit: (name, key) => `${prefix}rl:${name}:${key}`,
    embed: (urlHash) => `${prefix}embed:${urlHash}`,
    accounts: {
      users: `{${prefix}accounts}:users`,
      emails: `{${prefix}accounts}:emails`,
      session: (digest) => `{${prefix}accounts}:session:${digest}`,
      sessionsOf: (userId) => `{${prefix}accounts}:sessions:${userId}`,
      reset: (digest) => `{${prefix}accounts}:reset:${digest}`,
      subjects: `{${prefix}accounts}:subjects`,
      ssoFlow: (state) => `{${prefix}accounts}:sso:${state}`,
    },
    presence: {
      nodes: `{${prefix}presence}:nodes`,
      node: (nodeId) => `{${prefix}presence}:node:${nodeId}`,
      audienceFeeds: `{${prefix}presence}:audience:feeds`,
      audienceClaim: (slotMs) => `{${prefix}presence}:audience:claim:${slotMs}`,
    },
    outputs: () => ({
      cursors: `${prefix}out:cursors`,
      vapid: `${prefix}out:vapid`,
      webhooks: `${prefix}out:webhooks`,
      feed(feedId) {
        // The feed's own hash tag: its output keys live in the feed's cluster slot.
        const base = `${prefix}{${feedId}}:out`;
        return {
          webPush: `${base}:webpush`,
          devices: `${base}:devices`,
          alerted: (entryId) => `${base}:alerted:${entryId}`,
          alertWindow: `${base}:alerts:window`,
          alertLog: `${base}:alerts:log`,
          walkLock: `${base}:walk-lock`,
        };
      },
      webhook(endpointId) {
        // One hash tag per endpoint, so a MULTI over its outbox and records stays in one slot.
        const base = `${prefix}{out:wh:${endpointId}}`;
        return {
          outbox: (feedId) => `${base}:outbox:${feedId}`,
          delivery: (deliveryId) => `${base}:d:${deliveryId}`,
          recent: `${base}:recent`,
          dead: `${base}:dead`,
          outboxFeeds: `${base}:outbox-feeds`,
        };
      },
    }),
    feed(feedId) {
      const base = `${prefix}{${feedId}}`;
      const slot = slotted ? slotOf(base) : 0;
      return {
        meta: `${base}:meta`,
        entries: `${base}:entries`,
        order: `${base}:order`,
        pinned: `${base}:pinned`,
        log: `${base}:log`,
        pending: `${base}:pending`,
        behind: slotKey(prefix, "behind", slotted, slot),
        slot,
        drainMark: slotKey(prefix, "drain-mark", slotted, slot),
        outputsDue: slotKey(prefix, "out-due", slotted, slot),
        failed: `${base}:failed`,
        ids: `${base}:ids`,
        drafts: `${base}:drafts`,
        accepted: `${base}:accepted`,
        revisions: (entryId) => `${base}:rev:${entryId}`,
        revisionsPrefix: `${base}:rev:`,
        idempotency: (key) => `${base}:idem:${key}`,
        channel: `${base}:events`,
        editors: `${base}:editors`,
        // The sub comes from a token (any text): encoded, so it cannot look like another key.
        editor: (sub) => `${base}:editor:${encodeURIComponent(sub)}`,
        audience: `${base}:audience`,
        audiencePeak: `${base}:audience:peak`,
      };
    },
  };
}

/**
 * A key about many feeds that a feed's scripts keep: on a Redis Cluster one key per slot (named
 * by a hash tag of the slot, beside the feed's own keys), on one Redis one key for every feed.
 */
function slotKey(prefix: string, name: string, slotted: boolean, slot: number): string {
  return slotted ? `${prefix}{${slotTag(slot)}}:${name}` : `${prefix}${name}`;
}

/** Every slot's key of a `slotKey`, for a sweep that reads them all. */
function slotSets(prefix: string, name: string, slotted: boolean): string[] {
  return slotted
    ? Array.from({ length: SLOT_COUNT }, (_, slot) => slotKey(prefix, name, slotted, slot))
    : [slotKey(prefix, name, slotted, 0)];
}
