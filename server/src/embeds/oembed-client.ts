import sanitizeHtml from "sanitize-html";
import { z } from "zod";
import { EMBED_TEXT_LIMITS, type EmbedProvider } from "@liveline/protocol";
import { OutboundRefused, type Outbound, type OutboundBody } from "@liveline/outputs";
import { plainText } from "../pages/structured-data.js";
import type { OembedEndpoints } from "./oembed-endpoints.js";

/** What a provider's oEmbed answer tells of a post, cleaned: never its HTML or script. */
export interface OembedFacts {
  title?: string;
  author?: string;
  /** Where the provider keeps the post's picture; fetched (and re-hosted) by the caller. */
  thumbnailUrl?: URL;
}

/** An oEmbed answer (https://oembed.com, section 2.3.4), leniently: only what a card shows is read. */
const OembedAnswer = z.looseObject({
  title: z.string().optional(),
  author_name: z.string().optional(),
  thumbnail_url: z.string().optional(),
  html: z.string().optional(),
});

/** An oEmbed document is a few KB (X's, with its blockquote, about 1 KB); anything far larger is not one. */
const MAX_ANSWER_BYTES = 64 * 1024;
/** A thumbnail is a preview: providers send 100–500 KB at most. */
export const MAX_THUMBNAIL_BYTES = 5 * 1024 * 1024;
/** Redirects followed (each vetted like the first request); providers redirect once at most. */
const MAX_REDIRECTS = 3;

/**
 * Asks a provider's oEmbed endpoint about a post and fetches the post's picture, through the
 * outbound guard (worker's `Outbound`: addresses checked on every connection, no DNS rebinding).
 *
 * The endpoints are the operator's configuration, trusted like REDIS_URL: their origins may be
 * on a private network (a self-hosted oEmbed gateway, or the tests' local provider). Everything
 * a provider hands back — a thumbnail URL, a redirect — is third-party data and may reach only
 * public addresses (unless ALLOW_PRIVATE_OUTBOUND), so a hostile answer cannot make the server
 * read from inside its own network.
 */
export class OembedClient {
  private readonly trusted: Set<string>;

  constructor(
    private readonly outbound: Outbound,
    private readonly endpoints: OembedEndpoints,
  ) {
    this.trusted = new Set([...endpoints.values()].map((u) => u.origin));
  }

  /** Whether posts of this provider are looked up at all. */
  covers(provider: EmbedProvider): boolean {
    return provider !== "link" && this.endpoints.has(provider);
  }

  /** The provider's facts about the post at `postUrl`; throws on any failure (the caller shows a plain card). */
  async lookup(provider: EmbedProvider, postUrl: string, signal: AbortSignal): Promise<OembedFacts> {
    const endpoint = provider === "link" ? undefined : this.endpoints.get(provider);
    if (endpoint === undefined) throw new Error(`no oEmbed endpoint for ${provider}`);
    const ask = new URL(endpoint);
    ask.searchParams.set("url", postUrl);
    ask.searchParams.set("format", "json");
    const res = await this.get(ask, "application/json", MAX_ANSWER_BYTES, signal);
    if (res.status !== 200) throw new Error(`oEmbed endpoint of ${provider} answered ${res.status}`);
    const answer = OembedAnswer.parse(JSON.parse(res.body.toString("utf8")));
    const title = oneLine(answer.title, EMBED_TEXT_LIMITS.maxTitleChars) ?? postText(answer.html);
    const author = oneLine(answer.author_name, EMBED_TEXT_LIMITS.maxAuthorChars);
    const thumb = answer.thumbnail_url;
    const thumbnailUrl = thumb !== undefined && URL.canParse(thumb) ? new URL(thumb) : undefined;
    return {
      ...(title === undefined ? {} : { title }),
      ...(author === undefined ? {} : { author }),
      ...(thumbnailUrl === undefined ? {} : { thumbnailUrl }),
    };
  }

  /** The bytes of a picture; what they are is for the media pipeline to judge (never the content type). */
  async image(url: URL, signal: AbortSignal): Promise<Buffer> {
    const res = await this.get(url, "image/*", MAX_THUMBNAIL_BYTES, signal);
    if (res.status !== 200) throw new Error(`thumbnail answered ${res.status}`);
    return res.body;
  }

  /** GET, following redirects, each hop vetted on its own: a trusted origin may be private, no other. */
  private async get(url: URL, accept: string, maxBytes: number, signal: AbortSignal): Promise<OutboundBody> {
    let at = url;
    for (let hop = 0; ; hop++) {
      const allowPrivate = this.trusted.has(at.origin) ? true : undefined;
      const res = await this.outbound.get(at, { accept, maxBytes, signal, ...(allowPrivate ? { allowPrivate } : {}) });
      if (res.status < 300 || res.status > 399 || res.location === undefined) return res;
      if (hop >= MAX_REDIRECTS) throw new OutboundRefused(`more than ${MAX_REDIRECTS} redirects`);
      at = new URL(res.location, at);
    }
  }
}

/** A provider's text as one clean line (no control characters), cut to `max`; undefined when empty. */
function oneLine(text: string | undefined, max: number): string | undefined {
  const clean = (text ?? "")
    .replace(/\p{Cc}+/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
  if (clean === "") return undefined;
  return clean.length <= max ? clean : `${clean.slice(0, max - 1).trimEnd()}…`;
}

/**
 * A post's own words, for providers whose oEmbed answer has no title (X, Bluesky): the text of
 * the first paragraph of the blockquote they send as `html`, read as text (entities decoded by
 * sanitize-html's parser, every tag dropped); their markup and script are never kept.
 */
function postText(html: string | undefined): string | undefined {
  const paragraph = /<p\b[^>]*>([\s\S]*?)<\/p>/i.exec(html ?? "")?.[1];
  if (paragraph === undefined) return undefined;
  // A link written out as its address (X's "pic.twitter.com/…", a t.co URL) is no part of the words.
  const words = paragraph.replace(/<a\b[^>]*>\s*(?:pic\.twitter\.com\/|https?:\/\/)[^<]*<\/a>/gi, "");
  return oneLine(
    plainText(sanitizeHtml(words, { allowedTags: [], allowedAttributes: {} })),
    EMBED_TEXT_LIMITS.maxTitleChars,
  );
}
