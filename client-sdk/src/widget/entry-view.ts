import type { Entry } from "@liveline/protocol";
import { contentUpdatedAt } from "@liveline/protocol/constants";
import { pictureUrl, renderCorrections, renderEmbeds, renderMedia } from "./entry-attachments.js";
import type { Locale } from "./i18n.js";
import { el } from "./dom.js";
import { safeFragment } from "./safe-html.js";
import { setClock, setTime } from "./time-format.js";

/** How entries are drawn in one widget. */
export interface EntryLook {
  locale: Locale;
  /** 1–6: headlines are <hN>, one level below the host page's heading over the widget. */
  headingLevel: number;
  /** The Liveline server's origin: `/media/` pictures are its own. */
  baseUrl: string;
}

/**
 * One entry as an <li><article>, built with DOM calls: network strings only ever become text.
 * An entry whose text or media changed after publication carries an "Updated 14:40" note.
 */
export function renderEntry(doc: Document, entry: Entry, now: number, look: EntryLook): HTMLLIElement {
  const { t, tag } = look.locale;
  const article = el(doc, "article", "entry");
  article.classList.toggle("pinned", entry.pinned);
  article.classList.toggle("key", entry.keyEvent);
  article.classList.toggle("breaking", entry.breaking);
  article.id = `entry-${entry.id}`;
  article.dataset.entryId = entry.id;
  article.dataset.revision = String(entry.revision);
  article.tabIndex = -1;

  const time = el(doc, "time", "published");
  setTime(time, entry.publishedAt, now, tag);
  const meta = el(doc, "div", "meta", time);
  if (entry.author) meta.append(byline(doc, entry.author, look.baseUrl));
  if (entry.pinned) meta.append(el(doc, "span", "tag pinned", t.pinned));
  if (entry.breaking) meta.append(el(doc, "span", "tag breaking", t.breaking));
  if (entry.keyEvent) meta.append(el(doc, "span", "tag key", t.keyEvent));
  // Its name is its visible word (WCAG 2.5.3); the widget's one click handler does the sharing.
  const share = el(doc, "button", "share", t.share);
  share.type = "button";
  meta.append(share);
  article.append(meta);
  const correctedAt = contentUpdatedAt(entry);
  if (correctedAt !== undefined) {
    // "Updated {t}": the words around the time come from the language, in its own order.
    const [before = "", after = ""] = t.updated.split("{t}");
    const at = doc.createElement("time");
    setClock(at, correctedAt, now, tag);
    article.append(el(doc, "p", "updated", before, at, after));
  }

  const level = Math.min(6, Math.max(1, Math.round(look.headingLevel)));
  // dir=auto: an entry's words may be in another language (and direction) than the widget's.
  if (entry.headline !== undefined) {
    const h = el(doc, `h${level}` as "h2", "headline", entry.headline);
    h.dir = "auto";
    article.append(h);
  }
  // Pictures and embed cards go inside the body: its overflow and image rules hold them too.
  const body = el(
    doc,
    "div",
    "body",
    safeFragment(doc, entry.body),
    ...renderMedia(doc, entry.media ?? [], look.baseUrl),
    ...renderEmbeds(doc, entry.embeds ?? [], look.baseUrl),
  );
  body.dir = "auto";
  article.append(body, ...renderCorrections(doc, entry.corrections ?? [], now, look.locale));
  return el(doc, "li", "", article);
}

/** Name, then role, after a small round picture when there is one (decorative: alt=""). */
function byline(doc: Document, author: NonNullable<Entry["author"]>, baseUrl: string): HTMLElement {
  const by = doc.createElement("span");
  by.className = "byline";
  const src = author.avatarUrl === undefined ? undefined : pictureUrl(author.avatarUrl, baseUrl);
  if (src !== undefined) {
    const img = doc.createElement("img");
    img.className = "avatar";
    img.alt = "";
    img.width = 24;
    img.height = 24;
    img.loading = "lazy";
    img.decoding = "async";
    img.src = src;
    by.append(img);
  }
  by.append(el(doc, "span", "author", author.name));
  if (author.role !== undefined) by.append(el(doc, "span", "role", author.role));
  return by;
}

/** Pinned first, then newest first (the order readers expect of a live blog). */
export function displayOrder(a: Entry, b: Entry): number {
  if (a.pinned !== b.pinned) return a.pinned ? -1 : 1;
  if (a.publishedAt !== b.publishedAt) return a.publishedAt < b.publishedAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}
