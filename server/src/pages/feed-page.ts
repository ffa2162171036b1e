import type { RequestHandler } from "express";
import { FeedId, type Entry, type Feed } from "@liveline/protocol";
import type { FeedService } from "../feed/feed-service.js";
import { LivelineError } from "../errors.js";
import { sanitizeEntryHtml } from "../feed/sanitize.js";
import { escapeHtml, jsonForScript, layout, sendPage } from "./html.js";

export interface FeedPageOptions {
  service: FeedService;
  /** Shown as the publisher in the structured data. */
  publisherName: string;
  /**
   * The public base URL (PUBLIC_URL). When unset the page carries no absolute URL at all: no
   * canonical link, no og:url, root-relative JSON-LD ids. Never the request's Host header,
   * which anyone can forge, and the page is publicly cacheable.
   */
  publicUrl: string | undefined;
}

/**
 * GET /feeds/:feedId — the feed as server-rendered HTML with LiveBlogPosting JSON-LD, so it is
 * indexable without JavaScript; the widget script then takes the list over and goes live.
 */
export function feedPage(opts: FeedPageOptions): RequestHandler {
  return async (req, res) => {
    const parsed = FeedId.safeParse(req.params.feedId);
    const found = parsed.success ? await findFeed(opts.service, parsed.data) : undefined;
    // A private feed has no public, indexable page: it answers as if it did not exist.
    const feed = found?.visibility === "private" ? undefined : found;
    if (feed === undefined) {
      const body = `<main><h1>No such live feed</h1><p>This live feed does not exist, or no longer does.</p></main>`;
      return sendPage(res, 404, layout({ title: "Live feed not found", body }));
    }
    const { entries } = await opts.service.snapshot(feed.id);
    entries.sort(pinnedFirst);
    const base = opts.publicUrl?.replace(/\/+$/, "");
    const pageUrl = `${base ?? ""}/feeds/${feed.id}`;
    const jsonLd = liveBlogPosting(feed, entries, pageUrl, opts.publisherName);
    const head = [
      base === undefined ? "" : `<link rel="canonical" href="${escapeHtml(pageUrl)}">`,
      base === undefined ? "" : `<meta property="og:url" content="${escapeHtml(pageUrl)}">`,
      feed.description === undefined ? "" : `<meta name="description" content="${escapeHtml(feed.description)}">`,
      `<meta property="og:title" content="${escapeHtml(feed.title)}">`,
      `<script type="application/ld+json">${jsonForScript(jsonLd)}</script>`,
    ].join("\n");
    const ended = feed.status === "ended";
    const body = `<main>
<span class="kicker${ended ? " ended" : ""}">${ended ? "Coverage ended" : "Live"}</span>
<h1>${escapeHtml(feed.title)}</h1>
${feed.description === undefined ? "" : `<p class="lede">${escapeHtml(feed.description)}</p>`}
<div id="live" data-liveline-feed="${escapeHtml(feed.id)}">
<ol class="ssr-entries">
${entries.map(renderEntry).join("\n")}
</ol>
</div>
<script async src="/widget.js"></script>
</main>`;
    sendPage(res, 200, layout({ title: feed.title, head, body }), 5);
  };
}

async function findFeed(service: FeedService, feedId: string): Promise<Feed | undefined> {
  try {
    return await service.getFeed(feedId);
  } catch (err) {
    if (err instanceof LivelineError && err.code === "feed_not_found") return undefined;
    throw err;
  }
}

/** Pinned first (one at most: pinning unpins the one before), then newest first, as the widget shows it. */
function pinnedFirst(a: Entry, b: Entry): number {
  if (a.pinned !== b.pinned) return a.pinned ? -1 : 1;
  return a.publishedAt < b.publishedAt ? 1 : a.publishedAt > b.publishedAt ? -1 : 0;
}

const utc = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

function renderEntry(e: Entry): string {
  const tags = [e.pinned && "Pinned", e.breaking && "Breaking", e.keyEvent && "Key event"].filter(Boolean).join(" · ");
  return `<li><article class="ssr-entry" id="entry-${escapeHtml(e.id)}">
<div class="meta"><time datetime="${escapeHtml(e.publishedAt)}">${escapeHtml(utc.format(new Date(e.publishedAt)))} UTC</time>${
    e.author ? ` · <span>${escapeHtml(e.author.name)}</span>` : ""
  }${tags ? ` · <span>${escapeHtml(tags)}</span>` : ""}${e.revision > 1 ? " · <em>Updated</em>" : ""}</div>
${e.headline === undefined ? "" : `<h2>${escapeHtml(e.headline)}</h2>`}
<div class="body">${sanitizeEntryHtml(e.body)}</div>
</article></li>`;
}

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

function liveBlogPosting(
  feed: Feed,
  entries: Entry[],
  pageUrl: string,
  publisherName: string,
): Record<string, unknown> {
  const publisher = { "@type": "Organization", name: publisherName };
  return {
    "@context": "https://schema.org",
    "@type": "LiveBlogPosting",
    "@id": pageUrl,
    url: pageUrl,
    headline: feed.title,
    ...(feed.description === undefined ? {} : { description: feed.description }),
    datePublished: feed.createdAt,
    dateModified: feed.updatedAt,
    coverageStartTime: feed.createdAt,
    ...(feed.status === "ended" ? { coverageEndTime: feed.updatedAt } : {}),
    publisher,
    liveBlogUpdate: entries.map((e) => {
      const text = plainText(e.body);
      return {
        "@type": "BlogPosting",
        "@id": `${pageUrl}#entry-${e.id}`,
        url: `${pageUrl}#entry-${e.id}`,
        headline: (e.headline ?? text).slice(0, 110),
        articleBody: text,
        datePublished: e.publishedAt,
        dateModified: e.updatedAt,
        ...(e.author ? { author: { "@type": "Person", name: e.author.name } } : {}),
        publisher,
      };
    }),
  };
}
