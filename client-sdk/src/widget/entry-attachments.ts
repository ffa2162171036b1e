import type { Correction, Embed, EntryMedia } from "@liveline/protocol";
import type { EmbedWindow } from "./embed-player.js";
import type { Locale } from "./i18n.js";
import { setClock } from "./time-format.js";
import { isHttpsUrl } from "./safe-html.js";

/**
 * What an entry carries besides its text (issue 15), drawn with DOM calls like the rest of the
 * entry: hosted images as <figure> with a srcset, embeds as click-to-load cards (no third-party
 * request before the reader clicks; embed-player.ts), and the correction notices readers are owed.
 */

export /** https anywhere, or this server's own /media/ (the contract allows nothing else; checked again here). */
function pictureUrl(value: string, baseUrl: string): string | undefined {
  try {
    const url = new URL(value, baseUrl);
    const own = url.origin === new URL(baseUrl).origin && url.pathname.startsWith("/media/");
    return url.protocol === "https:" || own ? url.href : undefined;
  } catch {
    return undefined;
  }
}

export function renderMedia(doc: Document, media: EntryMedia[], baseUrl: string): HTMLElement[] {
  return media.flatMap((m) => {
    const src = pictureUrl(m.url, baseUrl);
    if (src === undefined) return [];
    const figure = doc.createElement("figure");
    figure.className = "media";
    const img = doc.createElement("img");
    img.src = src;
    // Without `sizes` the browser assumes the full viewport width: right on a phone, a little
    // generous on a desktop column, and no bytes in the widget's budget.
    img.srcset = m.variants.flatMap((v) => pictureUrl(v.url, baseUrl)?.concat(` ${v.width}w`) ?? []).join(", ");
    img.alt = m.alt;
    img.width = m.width;
    img.height = m.height;
    img.loading = "lazy";
    figure.append(img);
    const caption = [m.caption, m.credit].filter((x) => x !== undefined).join(" ");
    if (caption !== "") figure.append(Object.assign(doc.createElement("figcaption"), { textContent: caption }));
    return [figure];
  });
}

/** A card linking out: the provider (upper-cased by the stylesheet), then the title or URL. */
export function renderEmbeds(doc: Document, embeds: Embed[]): HTMLElement[] {
  return embeds.flatMap((e) => {
    if (!isHttpsUrl(e.url)) return [];
    const a = doc.createElement("a");
    a.className = `embed ${e.provider}`;
    a.href = e.url;
    a.rel = "noopener noreferrer";
    a.target = "_blank";
    const source = doc.createElement("b");
    source.textContent = e.provider;
    a.append(source, e.title ?? e.url);
    return [a];
  });
}

/**
 * A click on a video card (YouTube, Vimeo; a 16:9 box already) fetches the players' script
 * from the Liveline server once and queues the card for it (push returns 1 on the first click
 * only: the script's own queue returns nothing). Other providers' cards are plain links.
 */
export function playOnClick(ev: MouseEvent, win: EmbedWindow, baseUrl: string): void {
  const card = ev.target instanceof Element ? ev.target.closest<HTMLAnchorElement>("a.youtube,a.vimeo") : null;
  // Ctrl/⌘-click opens the page in a new tab, as on any link.
  if (!card || ev.ctrlKey || ev.metaKey) return;
  ev.preventDefault();
  if ((win.LivelineEmbeds ??= []).push(card) === 1)
    card.ownerDocument.head.append(
      Object.assign(card.ownerDocument.createElement("script"), { src: `${baseUrl}/widget-embeds.js` }),
    );
}

/** "Updated 14:40: <what was corrected>", under the entry, oldest first. */
export function renderCorrections(
  doc: Document,
  corrections: Correction[],
  now: number,
  locale: Locale,
): HTMLElement[] {
  return corrections.map((c) => {
    const p = doc.createElement("p");
    p.className = "correction";
    const [before = "", after = ""] = locale.t.updated.split("{t}");
    const at = doc.createElement("time");
    setClock(at, c.at, now, locale.tag);
    p.append(before, at, `${after}: ${c.text}`);
    return p;
  });
}
