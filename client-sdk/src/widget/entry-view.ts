import type { Entry } from "@liveline/protocol";
import { renderCorrections, renderEmbeds, renderMedia } from "./entry-attachments.js";
import type { Locale } from "./i18n.js";
import { safeFragment } from "./safe-html.js";
import { setClock, setTime } from "./time-format.js";

/** How entries are drawn in one widget. */
export interface EntryLook {
  locale: Locale;
  /** 1–6: headlines are <hN>, one level below the host page's heading over the widget. */
  headingLevel: number;
}

/**
 * One entry as an <li><article>, built with DOM calls: network strings only ever become text.
 * `correctedAt` (see corrections.ts) adds the visible "Updated 14:40" note.
 */
export function renderEntry(
  doc: Document,
  entry: Entry,
  now: number,
  look: EntryLook,
  correctedAt: string | undefined,
): HTMLLIElement {
  const { t, tag } = look.locale;
  const li = doc.createElement("li");
  const article = doc.createElement("article");
  article.className = "entry";
  article.classList.toggle("pinned", entry.pinned);
  article.classList.toggle("key", entry.keyEvent);
  article.classList.toggle("breaking", entry.breaking);
  article.id = `entry-${entry.id}`;
  article.dataset.entryId = entry.id;
  article.dataset.revision = String(entry.revision);
  article.tabIndex = -1;

  const meta = doc.createElement("div");
  meta.className = "meta";
  const time = doc.createElement("time");
  time.className = "published";
  setTime(time, entry.publishedAt, now, tag);
  meta.append(time);
  if (entry.author) meta.append(text(doc, "span", "author", entry.author.name));
  if (entry.pinned) meta.append(text(doc, "span", "tag pinned", t.pinned));
  if (entry.breaking) meta.append(text(doc, "span", "tag breaking", t.breaking));
  if (entry.keyEvent) meta.append(text(doc, "span", "tag key", t.keyEvent));
  article.append(meta);
  if (correctedAt !== undefined) {
    // "Updated {t}": the words around the time come from the language, in its own order.
    const note = doc.createElement("p");
    note.className = "updated";
    const [before = "", after = ""] = t.updated.split("{t}");
    const at = doc.createElement("time");
    setClock(at, correctedAt, now, tag);
    note.append(before, at, after);
    article.append(note);
  }

  const level = Math.min(6, Math.max(1, Math.round(look.headingLevel)));
  if (entry.headline !== undefined) article.append(text(doc, `h${level}` as "h2", "headline", entry.headline));
  const body = doc.createElement("div");
  body.className = "body";
  body.append(safeFragment(doc, entry.body));
  article.append(body, ...renderMedia(doc, entry.media ?? []), ...renderEmbeds(doc, entry.embeds ?? []));
  article.append(...renderCorrections(doc, entry.corrections ?? [], now, look.locale));
  li.append(article);
  return li;
}

function text<K extends keyof HTMLElementTagNameMap>(
  doc: Document,
  tag: K,
  className: string,
  value: string,
): HTMLElementTagNameMap[K] {
  const el = doc.createElement(tag);
  el.className = className;
  el.textContent = value;
  return el;
}

/** Pinned first, then newest first (the order readers expect of a live blog). */
export function displayOrder(a: Entry, b: Entry): number {
  if (a.pinned !== b.pinned) return a.pinned ? -1 : 1;
  if (a.publishedAt !== b.publishedAt) return a.publishedAt < b.publishedAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}
