import type { RequestHandler } from "express";
import { FeedId, contentUpdatedAt, type Entry, type Feed } from "@liveline/protocol";
import type { FeedService } from "../feed/feed-service.js";
import { LivelineError } from "../errors.js";
import { sanitizeEntryHtml } from "../feed/sanitize.js";
import { correctionsHtml, utcTime } from "./entry-notes.js";
import { escapeHtml, jsonForScript, layout, sendPage } from "./html.js";
import { socialMeta } from "./social-meta.js";
import { liveBlogPosting, publicMediaUrl, type PageFacts } from "./structured-data.js";

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
  /** PUBLISHER_LOGO_URL (https): publisher.logo, and the page's image when no entry has one. */
  publisherLogoUrl: string | undefined;
  /** FEED_LANGUAGE: the feeds' language (BCP 47), for `<html lang>` and inLanguage. */
  language: string;
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
    const facts: PageFacts = {
      pageUrl: `${base ?? ""}/feeds/${feed.id}`,
      base,
      publisherName: opts.publisherName,
      publisherLogoUrl: opts.publisherLogoUrl,
      language: opts.language,
    };
    const head = [
      base === undefined ? "" : `<link rel="canonical" href="${escapeHtml(facts.pageUrl)}">`,
      `<link rel="alternate" type="application/atom+xml" title="${escapeHtml(feed.title)}" href="${escapeHtml(facts.pageUrl)}/atom.xml"><link rel="alternate" type="application/feed+json" title="${escapeHtml(feed.title)}" href="${escapeHtml(facts.pageUrl)}/feed.json">`,
      socialMeta(feed, entries, facts),
      `<script type="application/ld+json">${jsonForScript(liveBlogPosting(feed, entries, facts))}</script>`,
    ].join("\n");
    const ended = feed.status === "ended";
    const body = `<main>
<span class="kicker${ended ? " ended" : ""}">${ended ? "Coverage ended" : "Live"}</span>
<h1>${escapeHtml(feed.title)}</h1>
${feed.description === undefined ? "" : `<p class="lede">${escapeHtml(feed.description)}</p>`}
<div id="live" data-liveline-feed="${escapeHtml(feed.id)}">
<ol class="ssr-entries">
${entries.map((e) => renderEntry(e, base)).join("\n")}
</ol>
</div>
<script async src="/widget.js"></script>
</main>`;
    sendPage(res, 200, layout({ title: feed.title, head, body, lang: opts.language }), 5);
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

function renderEntry(e: Entry, base: string | undefined): string {
  const tags = [e.pinned && "Pinned", e.breaking && "Breaking", e.keyEvent && "Key event"].filter(Boolean).join(" · ");
  const updated = contentUpdatedAt(e);
  return `<li><article class="ssr-entry" id="entry-${escapeHtml(e.id)}">
<div class="meta">${utcTime(e.publishedAt)}${e.author ? ` · ${byline(e.author, base)}` : ""}${
    tags ? ` · <span>${escapeHtml(tags)}</span>` : ""
  }${updated === undefined ? "" : ` · <em class="updated">Updated ${utcTime(updated)}</em>`}</div>
${e.headline === undefined ? "" : `<h2>${escapeHtml(e.headline)}</h2>`}
<div class="body">${sanitizeEntryHtml(e.body)}</div>
${correctionsHtml(e)}
</article></li>`;
}

/** Name, role, and a 24px round picture (decorative, lazy, sized so nothing shifts). */
function byline(author: NonNullable<Entry["author"]>, base: string | undefined): string {
  const src = author.avatarUrl === undefined ? undefined : publicMediaUrl(author.avatarUrl, base);
  const img =
    src === undefined
      ? ""
      : `<img class="avatar" src="${escapeHtml(src)}" alt="" width="24" height="24" loading="lazy" decoding="async"> `;
  const role = author.role === undefined ? "" : `, <span class="role">${escapeHtml(author.role)}</span>`;
  return `<span class="byline">${img}<span class="author">${escapeHtml(author.name)}</span>${role}</span>`;
}
