import type { Entry } from "@liveline/protocol";
import { safeFragment } from "./safe-html.js";
import { setTime } from "./time-format.js";

/** One entry as an <li><article>, built with DOM calls: network strings only ever become text. */
export function renderEntry(doc: Document, entry: Entry, now: number): HTMLLIElement {
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
  setTime(time, entry.publishedAt, now);
  meta.append(time);
  if (entry.author) meta.append(text(doc, "span", "author", entry.author.name));
  if (entry.pinned) meta.append(text(doc, "span", "tag pinned", "Pinned"));
  if (entry.breaking) meta.append(text(doc, "span", "tag breaking", "Breaking"));
  if (entry.keyEvent) meta.append(text(doc, "span", "tag key", "Key event"));
  if (entry.revision > 1) {
    const mark = text(doc, "span", "tag updated", "Updated ");
    const at = doc.createElement("time");
    setTime(at, entry.updatedAt, now);
    mark.append(at);
    meta.append(mark);
  }
  article.append(meta);

  if (entry.headline !== undefined) article.append(text(doc, "h3", "headline", entry.headline));
  const body = doc.createElement("div");
  body.className = "body";
  body.append(safeFragment(doc, entry.body));
  article.append(body);
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
