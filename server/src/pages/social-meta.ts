import type { Entry, Feed } from "@liveline/protocol";
import { escapeHtml } from "./html.js";
import { cutAtWord, firstImage, plainText, type PageFacts } from "./structured-data.js";

/** Descriptions past this are cut by the platforms anyway. */
const MAX_DESCRIPTION_CHARS = 200;

/**
 * Open Graph and Twitter card tags: what a link to the feed page shows when shared. `og:url`
 * only from PUBLIC_URL (never from request headers); a large card when an entry has an image.
 */
export function socialMeta(feed: Feed, entries: Entry[], facts: PageFacts): string {
  const latest = entries.find((e) => !e.pinned) ?? entries[0];
  const description =
    feed.description ?? (latest === undefined ? undefined : cutAtWord(plainText(latest.body), MAX_DESCRIPTION_CHARS));
  const entryImage = firstImage(entries);
  const image = entryImage ?? facts.publisherLogoUrl;
  const tags: [string, string, string | undefined][] = [
    ["name", "description", description],
    ["property", "og:type", "article"],
    ["property", "og:site_name", facts.publisherName],
    ["property", "og:title", feed.title],
    ["property", "og:description", description],
    ["property", "og:locale", facts.language.replace("-", "_")],
    ["property", "og:url", facts.base === undefined ? undefined : facts.pageUrl],
    ["property", "og:image", image],
    ["property", "article:published_time", feed.createdAt],
    ["name", "twitter:card", entryImage === undefined ? "summary" : "summary_large_image"],
    ["name", "twitter:title", feed.title],
    ["name", "twitter:description", description],
    ["name", "twitter:image", image],
  ];
  return tags
    .filter((t): t is [string, string, string] => t[2] !== undefined)
    .map(([attr, key, value]) => `<meta ${attr}="${key}" content="${escapeHtml(value)}">`)
    .join("\n");
}
