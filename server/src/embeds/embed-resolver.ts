import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as wait } from "node:timers/promises";
import { z } from "zod";
import { EMBED_TEXT_LIMITS, EmbedThumbnail, type Embed, type EmbedRef } from "@liveline/protocol";
import type { Logger, RedisClient, RedisKeys } from "@liveline/core";
import { recogniseEmbed } from "../feed/embeds.js";
import { hashOf } from "../feed/entry-input.js";
import { toMediaItem } from "../media/media-record.js";
import type { MediaService } from "../media/media-service.js";
import type { OembedClient } from "./oembed-client.js";

export interface EmbedResolverOptions {
  client: OembedClient;
  /** The media pipeline that re-hosts thumbnails (as it does uploads). */
  media: MediaService;
  redis: RedisClient;
  keys: RedisKeys;
  /** PUBLIC_URL without its trailing slash, or "" (root-relative media URLs). */
  mediaBase: string;
  /** OEMBED_TIMEOUT_MS: the longest a publish or an edit waits for its embeds' lookups. */
  timeoutMs: number;
  logger: Logger;
}

/** What is kept of one post's lookup, shared by every server through Redis. */
const Cached = z.discriminatedUnion("ok", [
  z.object({
    ok: z.literal(true),
    title: z.string().max(EMBED_TEXT_LIMITS.maxTitleChars).optional(),
    author: z.string().max(EMBED_TEXT_LIMITS.maxAuthorChars).optional(),
    thumbnail: EmbedThumbnail.optional(),
  }),
  z.object({ ok: z.literal(false) }),
]);
type Cached = z.infer<typeof Cached>;
type Facts = Pick<Embed, "title" | "author" | "thumbnail">;

/** A post's title and picture rarely change: a lookup serves every later publish and edit of it this long. */
const FOUND_TTL_MS = 30 * 24 * 3600_000;
/** A failed lookup is not retried for this long, so a provider that is down costs one wait, not one per publish. */
const FAILED_TTL_MS = 10 * 60_000;
/** A lookup still running when its publish stopped waiting goes on this much longer, to be cached for the next. */
const BACKGROUND_FACTOR = 3;

/**
 * Embeds as stored with an entry: recognised from the URL, then, for a provider with an oEmbed
 * endpoint, with the post's title, author and thumbnail (re-hosted through the media pipeline,
 * so readers load it from Liveline and the provider learns nothing of them before a click).
 *
 * It runs when the entry is published or edited, in the server, before the 202: the stored entry
 * and its one event carry the card whole, so no second event (and no second revision, or
 * "Updated" mark) follows, every reader transport serves it as it is, and a provider is asked
 * once per post, not once per reader. The wait is bounded (`timeoutMs` for all of an entry's
 * embeds together); a lookup that fails or is still running then leaves that embed a plain card
 * (provider and URL), never a refused or delayed write beyond that bound.
 */
export class EmbedResolver {
  /** Lookups under way on this server, by URL: two entries with the same post share one. */
  private readonly running = new Map<string, Promise<Facts | undefined>>();

  constructor(private readonly o: EmbedResolverOptions) {}

  async resolve(refs: readonly EmbedRef[]): Promise<Embed[]> {
    const embeds = refs.map(recogniseEmbed);
    if (!embeds.some((e) => this.o.client.covers(e.provider))) return embeds;
    const stop = new AbortController();
    const late = wait(this.o.timeoutMs, undefined, { signal: stop.signal }).catch(() => undefined);
    try {
      return await Promise.all(
        embeds.map(async (embed) => {
          if (!this.o.client.covers(embed.provider)) return embed;
          const facts = await Promise.race([this.facts(embed), late]);
          return facts === undefined ? embed : { ...embed, ...facts };
        }),
      );
    } finally {
      stop.abort();
    }
  }

  /** The cached facts of a post, else a lookup (shared with any already running); undefined: a plain card. */
  private async facts(embed: Embed): Promise<Facts | undefined> {
    const key = this.o.keys.embed(hashOf(embed.url));
    const cached = await this.read(key);
    if (cached !== undefined) return cached.ok ? factsOf(cached) : undefined;
    let running = this.running.get(embed.url);
    if (running === undefined) {
      running = this.lookUp(embed, key).finally(() => this.running.delete(embed.url));
      this.running.set(embed.url, running);
    }
    return running;
  }

  private async lookUp(embed: Embed, key: string): Promise<Facts | undefined> {
    const signal = AbortSignal.timeout(this.o.timeoutMs * BACKGROUND_FACTOR);
    const started = performance.now();
    let found: Cached;
    try {
      const facts = await this.o.client.lookup(embed.provider, embed.url, signal);
      const thumbnail =
        facts.thumbnailUrl === undefined ? undefined : await this.rehost(embed, facts.thumbnailUrl, signal);
      found = {
        ok: true,
        ...(facts.title === undefined ? {} : { title: facts.title }),
        ...(facts.author === undefined ? {} : { author: facts.author }),
        ...(thumbnail === undefined ? {} : { thumbnail }),
      };
    } catch (err) {
      // The endpoint's URL may hold an access token: the log names the provider and the post only.
      this.o.logger.warn({ provider: embed.provider, url: embed.url, err: reason(err) }, "oEmbed lookup failed");
      found = { ok: false };
    }
    const ms = Math.round(performance.now() - started);
    this.o.logger.info({ provider: embed.provider, url: embed.url, ok: found.ok, ms }, "oEmbed lookup");
    await this.o.redis
      .set(key, JSON.stringify(found), "PX", found.ok ? FOUND_TTL_MS : FAILED_TTL_MS)
      .catch((err: unknown) => this.o.logger.warn({ err: reason(err) }, "oEmbed cache not written"));
    return found.ok ? factsOf(found) : undefined;
  }

  /**
   * The provider's picture through the media pipeline, which judges it by its bytes (a page or a
   * script sent as `image/jpeg` is refused), strips its metadata and re-encodes it. A picture
   * that cannot be had leaves the card without one, keeping its title and author.
   */
  private async rehost(embed: Embed, url: URL, signal: AbortSignal): Promise<Embed["thumbnail"]> {
    let dir: string | undefined;
    try {
      const bytes = await this.o.client.image(url, signal);
      dir = await mkdtemp(join(tmpdir(), "liveline-thumbnail-"));
      const path = join(dir, "thumbnail");
      await writeFile(path, bytes);
      const record = await this.o.media.upload({ path, bytes: bytes.length, fields: {}, by: "oembed" });
      const { id, url: src, width, height, variants } = toMediaItem(record, this.o.mediaBase);
      return { id, url: src, width, height, variants };
    } catch (err) {
      this.o.logger.warn({ provider: embed.provider, url: embed.url, err: reason(err) }, "embed thumbnail not kept");
      return undefined;
    } finally {
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    }
  }

  /** The cached record, or undefined when there is none (or Redis cannot say: then it is looked up). */
  private async read(key: string): Promise<Cached | undefined> {
    try {
      const raw = await this.o.redis.get(key);
      if (raw === null) return undefined;
      const parsed = Cached.safeParse(JSON.parse(raw));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }
}

function factsOf(found: Extract<Cached, { ok: true }>): Facts {
  return {
    ...(found.title === undefined ? {} : { title: found.title }),
    ...(found.author === undefined ? {} : { author: { name: found.author } }),
    ...(found.thumbnail === undefined ? {} : { thumbnail: found.thumbnail }),
  };
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
