import { createHash } from "node:crypto";
import { z } from "zod";
import { AlertRecord, DeviceRegistration, WebPushSubscription, type AlertStatus } from "@liveline/protocol";
import type { OutputKeys, RedisClient } from "@liveline/core";

const HOUR_MS = 3_600_000;
/** How long the once-per-entry marker is kept: far longer than any entry stays news. */
const ALERT_MARKER_TTL_SECONDS = 90 * 86_400;
const ALERT_LOG_LENGTH = 50;

const StoredWebPush = WebPushSubscription.extend({ createdAt: z.string() });
export type StoredWebPush = z.infer<typeof StoredWebPush>;
const StoredDevice = DeviceRegistration.extend({ createdAt: z.string() });
export type StoredDevice = z.infer<typeof StoredDevice>;

/** A recipient's id: a digest of its endpoint or token, so the same browser or app registers once. */
export function recipientId(address: string): string {
  return createHash("sha256").update(address).digest("base64url").slice(0, 24);
}

/** How far the decision about an entry's alert went: never made, made but not queued, queued. */
export type AlertClaim = "won" | "pending" | "queued";

/**
 * Where push subscriptions, device tokens, alert markers and the pipeline's per-feed cursor
 * live in Redis. Each recipient sits in one hash per feed, keyed by its id; the fan-out reads
 * the ids once and hands them out in chunks.
 */
export class PushStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: OutputKeys,
  ) {}

  async addWebPush(feedId: string, sub: WebPushSubscription, now: Date): Promise<string> {
    const id = recipientId(sub.endpoint);
    const stored: StoredWebPush = { endpoint: sub.endpoint, keys: sub.keys, createdAt: now.toISOString() };
    await this.redis.hset(this.keys.feed(feedId).webPush, id, JSON.stringify(stored));
    return id;
  }

  async removeWebPush(feedId: string, endpoint: string): Promise<boolean> {
    return (await this.redis.hdel(this.keys.feed(feedId).webPush, recipientId(endpoint))) > 0;
  }

  async addDevice(feedId: string, device: DeviceRegistration, now: Date): Promise<string> {
    const id = recipientId(device.token);
    const stored: StoredDevice = { ...device, createdAt: now.toISOString() };
    await this.redis.hset(this.keys.feed(feedId).devices, id, JSON.stringify(stored));
    return id;
  }

  async removeDevice(feedId: string, token: string): Promise<boolean> {
    return (await this.redis.hdel(this.keys.feed(feedId).devices, recipientId(token))) > 0;
  }

  /** Every recipient id of one kind, for the fan-out to split into chunks. */
  async recipientIds(feedId: string, kind: "webPush" | "devices"): Promise<string[]> {
    return this.redis.hkeys(this.keys.feed(feedId)[kind]);
  }

  async webPushByIds(feedId: string, ids: string[]): Promise<[string, StoredWebPush][]> {
    return this.load(this.keys.feed(feedId).webPush, ids, StoredWebPush);
  }

  async devicesByIds(feedId: string, ids: string[]): Promise<[string, StoredDevice][]> {
    return this.load(this.keys.feed(feedId).devices, ids, StoredDevice);
  }

  /** Forget a recipient the push service said is gone (404/410, UNREGISTERED). */
  async dropRecipient(feedId: string, kind: "webPush" | "devices", id: string): Promise<boolean> {
    return (await this.redis.hdel(this.keys.feed(feedId)[kind], id)) > 0;
  }

  private async load<T>(key: string, ids: string[], schema: z.ZodType<T>): Promise<[string, T][]> {
    if (ids.length === 0) return [];
    const raws = await this.redis.hmget(key, ...ids);
    const out: [string, T][] = [];
    raws.forEach((raw, i) => {
      const id = ids[i];
      if (raw === null || id === undefined) return; // unsubscribed since the fan-out began
      const parsed = schema.safeParse(JSON.parse(raw));
      if (parsed.success) out.push([id, parsed.data]);
    });
    return out;
  }

  /**
   * Claim the decision about an entry's alert. Only one claim ever wins (SET NX), whatever the
   * retries, workers or re-marks; a claim left "pending" by a crash is finished by the next
   * pass (its job id makes the enqueue a no-op if it did happen).
   */
  async claimAlert(feedId: string, entryId: string): Promise<AlertClaim> {
    const key = this.keys.feed(feedId).alerted(entryId);
    const won = await this.redis.set(key, "pending", "EX", ALERT_MARKER_TTL_SECONDS, "NX");
    if (won === "OK") return "won";
    return (await this.redis.get(key)) === "pending" ? "pending" : "queued";
  }

  /**
   * The alert's job is queued (unless it was recalled meanwhile: that mark stays, except when
   * `over` says the recall came too late).
   */
  async alertQueued(feedId: string, entryId: string, opts: { over?: "recalled" } = {}): Promise<void> {
    const key = this.keys.feed(feedId).alerted(entryId);
    if (opts.over === undefined && (await this.redis.get(key)) === "recalled") return;
    await this.redis.set(key, "queued", "EX", ALERT_MARKER_TTL_SECONDS);
  }

  /**
   * An editor recalled the entry's alert: no alert job is queued for it from now on (the claim
   * is taken), and one queued meanwhile finds the mark when it runs and sends nothing.
   */
  async markRecalled(feedId: string, entryId: string): Promise<void> {
    await this.redis.set(this.keys.feed(feedId).alerted(entryId), "recalled", "EX", ALERT_MARKER_TTL_SECONDS);
  }

  async alertRecalled(feedId: string, entryId: string): Promise<boolean> {
    return (await this.redis.get(this.keys.feed(feedId).alerted(entryId))) === "recalled";
  }

  /** Readers an alert of the feed would reach now: browsers (Web Push) and app devices (FCM). */
  async recipientCounts(feedId: string): Promise<{ webPush: number; devices: number }> {
    const k = this.keys.feed(feedId);
    const [webPush, devices] = await Promise.all([this.redis.hlen(k.webPush), this.redis.hlen(k.devices)]);
    return { webPush, devices };
  }

  /**
   * Count an alert against the feed's hourly cap; false (and not counted) when the cap is
   * reached. Add-then-count in one MULTI: two workers racing at the cap both see it exceeded
   * and both hold back, so the cap is never overshot.
   */
  async admitAlert(feedId: string, entryId: string, cap: number, now: number): Promise<boolean> {
    const key = this.keys.feed(feedId).alertWindow;
    // The entry itself is the member: a retried alert job re-scores it rather than counting twice.
    const member = entryId;
    const replies = await this.redis
      .multi()
      .zremrangebyscore(key, "-inf", now - HOUR_MS)
      .zadd(key, now, member)
      .zcard(key)
      .pexpire(key, HOUR_MS)
      .exec();
    const count = Number(replies?.[2]?.[1] ?? Number.POSITIVE_INFINITY);
    if (count <= cap) return true;
    await this.redis.zrem(key, member);
    return false;
  }

  async recordAlert(feedId: string, record: AlertRecord): Promise<void> {
    const key = this.keys.feed(feedId).alertLog;
    await this.redis
      .multi()
      .lpush(key, JSON.stringify(record))
      .ltrim(key, 0, ALERT_LOG_LENGTH - 1)
      .exec();
  }

  async alertStatus(feedId: string, cap: number, now: number): Promise<AlertStatus> {
    const k = this.keys.feed(feedId);
    const [sent, raws] = await Promise.all([
      this.redis.zcount(k.alertWindow, now - HOUR_MS, "+inf"),
      this.redis.lrange(k.alertLog, 0, 19),
    ]);
    const last = raws.flatMap((r) => {
      const p = AlertRecord.safeParse(JSON.parse(r));
      return p.success ? [p.data] : [];
    });
    return { sentLastHour: sent, cap, last };
  }

  /**
   * Take (or, with the same token, extend) the feed's walk lock: one job at a time walks a
   * feed's events, so webhook outboxes fill in seq order.
   */
  async lockWalk(feedId: string, token: string, ms: number): Promise<boolean> {
    const key = this.keys.feed(feedId).walkLock;
    if ((await this.redis.set(key, token, "PX", ms, "NX")) === "OK") return true;
    if ((await this.redis.get(key)) !== token) return false;
    await this.redis.pexpire(key, ms);
    return true;
  }

  /**
   * Release the lock if it is still ours. GET then DEL is not atomic: the lock would have to
   * expire in between (it is extended at every event, for 30 s), and the cost would be one
   * walk running beside another, which the idempotent steps absorb.
   */
  async unlockWalk(feedId: string, token: string): Promise<void> {
    const key = this.keys.feed(feedId).walkLock;
    if ((await this.redis.get(key)) === token) await this.redis.del(key);
  }

  /** The last seq the pipeline finished for a feed (0 before its first event). */
  async cursor(feedId: string): Promise<number> {
    const [cursor] = await this.cursors([feedId]);
    return cursor ?? 0;
  }

  /** The cursors of several feeds in one read (ZMSCORE), in the order given. */
  async cursors(feedIds: readonly string[]): Promise<number[]> {
    const scores = await this.redis.zmscore(this.keys.cursors, ...feedIds);
    return scores.map((s) => Number(s ?? 0));
  }

  /** Move the cursor forward only (ZADD GT): a slower, older job never moves it back. */
  async advanceCursor(feedId: string, seq: number): Promise<void> {
    await this.advanceCursors([[feedId, seq]]);
  }

  /** Move several feeds' cursors forward in one write (a feed given twice ends at the higher seq). */
  async advanceCursors(moves: readonly (readonly [feedId: string, seq: number])[]): Promise<void> {
    if (moves.length === 0) return;
    await this.redis.zadd(this.keys.cursors, "GT", ...moves.flatMap(([feedId, seq]) => [seq, feedId]));
  }
}
