import { z } from "zod";
import type { RedisClient, RedisKeys } from "@liveline/core";

/** The members of the peak set sort so that, between equal counts, the earliest sample ranks highest. */
const LATEST_MS = 9_999_999_999_999;
const peakMember = (atMs: number): string => String(LATEST_MS - atMs).padStart(13, "0");

/** `<at ms>:<readers>:<node>`: the node makes each writer's sample its own member, so a second writer would show. */
const SampleMember = z.string().regex(/^\d{1,15}:\d{1,15}:/);
const PeakReply = z.tuple([z.string().regex(/^\d{13}$/), z.coerce.number().int().nonnegative()]);

export interface AudienceSample {
  /** Start of the sampled interval, in ms. */
  atMs: number;
  readers: number;
}

/**
 * Readers over time, per feed: one sample per interval (the readers summed over every node), the
 * last `keepMs` of them, and the feed's highest sample ever (it outlives the trimming). Which node
 * samples an interval is settled by a claim (SET NX) on the interval's start, so several server
 * nodes write one sample per interval between them.
 */
export class AudienceStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  /** Whether this node takes the sample of the interval starting at `slotMs` (the first to ask does). */
  async claim(slotMs: number, nodeId: string, ttlMs: number): Promise<boolean> {
    const won = await this.redis.set(this.keys.presence.audienceClaim(slotMs), nodeId, "PX", ttlMs, "NX");
    return won === "OK";
  }

  /**
   * Record the interval starting at `slotMs`: every feed with readers, and every feed that had some
   * within `keepMs` (so the fall to 0 is drawn, not left as a gap).
   */
  async record(slotMs: number, nodeId: string, totals: ReadonlyMap<string, number>, keepMs: number): Promise<number> {
    const since = slotMs - keepMs;
    const p = this.keys.presence;
    // Feeds counted up to this interval: an interval written late (a slow node) leaves later ones alone.
    const recent = await this.redis.zrangebyscore(p.audienceFeeds, `(${since}`, slotMs);
    const feeds = new Set([...recent, ...totals.keys()]);
    // A few characters of the node's id tell the writers apart; the whole id would double the set's size.
    const tag = nodeId.slice(0, 8);
    // One MULTI per feed: each feed's keys are in its own cluster slot.
    await Promise.all(
      [...feeds].map(async (feedId) => {
        const readers = totals.get(feedId) ?? 0;
        const k = this.keys.feed(feedId);
        const tx = this.redis
          .multi()
          .zadd(k.audience, slotMs, `${slotMs}:${readers}:${tag}`)
          .zremrangebyscore(k.audience, "-inf", `(${since}`)
          .pexpire(k.audience, keepMs);
        if (readers > 0) tx.zadd(k.audiencePeak, readers, peakMember(slotMs)).zremrangebyrank(k.audiencePeak, 0, -2);
        await tx.exec();
      }),
    );
    const counted = [...totals].filter(([, n]) => n > 0).flatMap(([feedId]) => [slotMs, feedId]);
    const tx = this.redis.multi();
    // GT: a late interval does not move a feed's last count back.
    if (counted.length > 0) tx.zadd(p.audienceFeeds, "GT", ...counted);
    await tx.zremrangebyscore(p.audienceFeeds, "-inf", `(${since}`).exec();
    return feeds.size;
  }

  /** The feed's samples from `sinceMs` on, oldest first, and its peak (null before any reader). */
  async history(feedId: string, sinceMs: number): Promise<{ samples: AudienceSample[]; peak: AudienceSample | null }> {
    const k = this.keys.feed(feedId);
    const [members, peak] = await Promise.all([
      this.redis.zrangebyscore(k.audience, sinceMs, "+inf"),
      this.redis.zrange(k.audiencePeak, -1, -1, "WITHSCORES"),
    ]);
    const samples = members.flatMap((m) => {
      const parsed = SampleMember.safeParse(m);
      if (!parsed.success) return [];
      const [at = "0", readers = "0"] = parsed.data.split(":");
      return [{ atMs: Number(at), readers: Number(readers) }];
    });
    const best = PeakReply.safeParse(peak);
    return {
      samples,
      peak: best.success ? { atMs: LATEST_MS - Number(best.data[0]), readers: best.data[1] } : null,
    };
  }
}
