import { contentUpdatedAt, type Entry, type Feed } from "@liveline/protocol";

/** What the page knows beyond the feed: who publishes it, where it lives, in what language. */
export interface PageFacts {
  /** Absolute when PUBLIC_URL is set, else root-relative. */
  pageUrl: string;
  /** PUBLIC_URL without its trailing slash; undefined: no absolute URL anywhere. */
  base: string | undefined;
  publisherName: string;
  publisherLogoUrl: string | undefined;
  language: string;
}

/** Google shows at most 110 characters of a headline. */
const MAX_HEADLINE_CHARS = 110;

const ENTITIES: Record<string, string> = {
  "&amp;": "&",
  "&lt;": "<",
  "&gt;": ">",
  "&quot;": '"',
  "&#39;": "'",
  "&nbsp;": " ",
};

/** Plain text of a (sanitized) body, for structured data. */
export function plainText(html: string): string {
  return html
    .replace(/<br\s*\/?>|<\/(p|li|blockquote)>/gi, " ")
    .replace(/<[^>]*>/g, "")
    .replace(/&(amp|lt|gt|quot|#39|nbsp);/g, (m) => ENTITIES[m] ?? m)
    .replace(/\s+/g, " ")
    .trim();
}

/** `text` cut at the last word boundary that fits `max` characters with an ellipsis. */
export function cutAtWord(text: string, max = MAX_HEADLINE_CHARS): string {
  const clean = text.replace(/\s+/g, " ").trim();
  if (clean.length <= max) return clean;
  const room = clean.slice(0, max); // `max - 1` characters and the ellipsis
  const space = room.lastIndexOf(" ");
  const cut = space > max / 2 ? room.slice(0, space) : room.slice(0, max - 1);
  return `${cut.replace(/[\s,;:.–—-]+$/u, "")}…`;
}

/** The first https image of the entries, in page order (sanitized bodies: src is quoted and https). */
export function firstImage(entries: Entry[]): string | undefined {
  for (const e of entries) {
    const src = /<img\b[^>]*\bsrc="(https:\/\/[^"]+)"/i.exec(e.body)?.[1];
    if (src !== undefined) return src.replace(/&amp;/g, "&");
  }
  return undefined;
}

/** A /media/ path made absolute when the public URL is known; https URLs as they are. */
export function publicMediaUrl(url: string, base: string | undefined): string {
  return url.startsWith("/") ? `${base ?? ""}${url}` : url;
}

/** The latest change the page shows: the feed's own, or an entry's. */
export function lastModified(feed: Feed, entries: Entry[]): string {
  let latest = feed.updatedAt;
  for (const e of entries) if (Date.parse(e.updatedAt) > Date.parse(latest)) latest = e.updatedAt;
  return latest;
}

function person(author: NonNullable<Entry["author"]>, base: string | undefined): Record<string, unknown> {
  return {
    "@type": "Person",
    name: author.name,
    ...(author.role === undefined ? {} : { jobTitle: author.role }),
    ...(author.avatarUrl === undefined ? {} : { image: publicMediaUrl(author.avatarUrl, base) }),
  };
}

/** schema.org LiveBlogPosting for the feed page, as Google's live-blog guidance reads it. */
export function liveBlogPosting(feed: Feed, entries: Entry[], facts: PageFacts): Record<string, unknown> {
  const { pageUrl, base } = facts;
  const publisher = {
    "@type": "Organization",
    name: facts.publisherName,
    ...(facts.publisherLogoUrl === undefined ? {} : { logo: { "@type": "ImageObject", url: facts.publisherLogoUrl } }),
  };
  const image = firstImage(entries) ?? facts.publisherLogoUrl;
  const authors = new Map<string, Record<string, unknown>>();
  for (const e of entries)
    if (e.author && !authors.has(e.author.name)) authors.set(e.author.name, person(e.author, base));
  return {
    "@context": "https://schema.org",
    "@type": "LiveBlogPosting",
    "@id": pageUrl,
    url: pageUrl,
    ...(base === undefined ? {} : { mainEntityOfPage: { "@type": "WebPage", "@id": pageUrl } }),
    headline: cutAtWord(feed.title),
    ...(feed.description === undefined ? {} : { description: feed.description }),
    inLanguage: facts.language,
    ...(image === undefined ? {} : { image }),
    datePublished: feed.createdAt,
    dateModified: lastModified(feed, entries),
    coverageStartTime: feed.coverageStartTime ?? feed.createdAt,
    ...(feed.status === "ended" ? { coverageEndTime: feed.updatedAt } : {}),
    ...(authors.size === 0 ? {} : { author: [...authors.values()] }),
    publisher,
    liveBlogUpdate: entries.map((e) => {
      const text = plainText(e.body);
      return {
        "@type": "BlogPosting",
        "@id": `${pageUrl}#entry-${e.id}`,
        url: `${pageUrl}#entry-${e.id}`,
        headline: cutAtWord(e.headline ?? text),
        articleBody: text,
        datePublished: e.publishedAt,
        // Only a change of what the entry says is a modification (not a pin or a late publication).
        dateModified: contentUpdatedAt(e) ?? e.publishedAt,
        ...(e.author ? { author: person(e.author, base) } : {}),
        ...(e.corrections === undefined || e.corrections.length === 0
          ? {}
          : {
              correction: e.corrections.map((c) => ({
                "@type": "CorrectionComment",
                text: c.text,
                datePublished: c.at,
              })),
            }),
        publisher,
      };
    }),
  };
}
