import type { Request, RequestHandler } from "express";
import { Feed as FeedDocument } from "feed";
import { z } from "zod";
import { FeedId, contentUpdatedAt, type Entry, type Feed } from "@liveline/protocol";
import type { FeedService } from "../feed/feed-service.js";
import { LivelineError } from "../errors.js";
import { sanitizeEntryHtml } from "../feed/sanitize.js";
import { correctionsHtml } from "./entry-notes.js";
import { lastModified, plainText } from "./structured-data.js";

export interface FeedDocumentsOptions {
  service: FeedService;
  publisherName: string;
  publicUrl: string | undefined;
}

/** Entries a document carries: the latest, as the page shows them. */
const ENTRIES = 50;

/**
 * A stable id for an entry that survives a change of PUBLIC_URL or of the page's layout: a
 * readers' feed app keys its "read" marks on it (RFC 4151 would need a dated authority;
 * a URN names the feed and entry and nothing else).
 */
export function entryUrn(feedId: string, entryId: string): string {
  return `urn:liveline:${feedId}:${entryId}`;
}

/**
 * The feed as Atom 1.0 and JSON Feed 1.1 documents (built by the `feed` library). `updated`
 * is the latest change (a correction moves it); a retracted entry is simply no longer listed.
 */
export function feedDocuments(opts: FeedDocumentsOptions): { atom: RequestHandler; json: RequestHandler } {
  const build = async (req: Request): Promise<FeedDocument | undefined> => {
    const parsed = FeedId.safeParse(req.params.feedId);
    if (!parsed.success) return undefined;
    let feed: Feed;
    try {
      feed = await opts.service.getFeed(parsed.data);
    } catch (err) {
      if (err instanceof LivelineError && err.code === "feed_not_found") return undefined;
      throw err;
    }
    if (feed.visibility === "private") return undefined;
    const { entries } = await opts.service.snapshot(feed.id);
    const latest = [...entries].sort(byPublished).slice(0, ENTRIES);
    // Feed documents need absolute links. Without PUBLIC_URL they take the request's host, so
    // the answer is then kept out of shared caches (see `send`): a forged Host header reaches
    // only the client that forged it.
    const base = opts.publicUrl?.replace(/\/+$/, "") ?? `${req.protocol}://${req.get("host") ?? "localhost"}`;
    const page = `${base}/feeds/${feed.id}`;
    const updated = lastModified(feed, latest);
    const doc = new FeedDocument({
      id: `urn:liveline:${feed.id}`,
      title: feed.title,
      ...(feed.description === undefined ? {} : { description: feed.description }),
      link: page,
      updated: new Date(updated),
      generator: "Liveline",
      author: { name: opts.publisherName },
      copyright: opts.publisherName,
      feedLinks: { atom: `${page}/atom.xml`, json: `${page}/feed.json` },
    });
    for (const e of latest) doc.addItem(item(feed.id, e, page));
    return doc;
  };
  const send = (type: string, render: (d: FeedDocument) => string): RequestHandler => {
    return async (req, res) => {
      const doc = await build(req);
      if (doc === undefined) {
        res.status(404).type("text/plain").send("no such public feed\n");
        return;
      }
      res.setHeader("Cache-Control", opts.publicUrl === undefined ? "private, max-age=5" : "public, max-age=5");
      if (opts.publicUrl === undefined) res.setHeader("Vary", "Host");
      res.type(type).send(render(doc));
    };
  };
  return {
    atom: send("application/atom+xml; charset=utf-8", (d) => d.atom1()),
    json: send("application/feed+json; charset=utf-8", (d) => jsonFeed11(d.json1())),
  };
}

const JsonAuthor = z.object({ name: z.string().optional(), url: z.string().optional() }).loose();
const JsonFeedV1 = z
  .object({ author: JsonAuthor.optional(), items: z.array(z.object({ author: JsonAuthor.optional() }).loose()) })
  .loose();

/**
 * The `feed` library writes JSON Feed 1.0; 1.1 renamed `author` to an `authors` array (the
 * only change our documents touch). Both are kept, as the 1.1 spec suggests for older readers.
 */
export function jsonFeed11(v1: string): string {
  const doc = JsonFeedV1.parse(JSON.parse(v1));
  const upgraded = {
    ...doc,
    version: "https://jsonfeed.org/version/1.1",
    ...(doc.author === undefined ? {} : { authors: [doc.author] }),
    items: doc.items.map((item) => (item.author === undefined ? item : { ...item, authors: [item.author] })),
  };
  return JSON.stringify(upgraded, null, 2);
}

function item(feedId: string, e: Entry, page: string) {
  const text = plainText(e.body);
  return {
    id: entryUrn(feedId, e.id),
    title: e.headline ?? (text.length > 110 ? `${text.slice(0, 109)}…` : text),
    link: `${page}#entry-${e.id}`,
    // Atom's `updated` and JSON Feed's `date_modified`: moved by a change of what the entry says.
    date: new Date(contentUpdatedAt(e) ?? e.publishedAt),
    published: new Date(e.publishedAt),
    content: [sanitizeEntryHtml(e.body), correctionsHtml(e)].filter((part) => part !== "").join("\n"),
    description: text.slice(0, 280),
    ...(e.author === undefined ? {} : { author: [{ name: e.author.name }] }),
  };
}

function byPublished(a: Entry, b: Entry): number {
  return a.publishedAt < b.publishedAt ? 1 : a.publishedAt > b.publishedAt ? -1 : 0;
}
