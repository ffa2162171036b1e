import type { Correction, Embed, EntryMedia, MediaItem } from "@liveline/protocol";
import type { EmbedWindow } from "./embed-player.js";
import type { Locale } from "./i18n.js";
import { el } from "./dom.js";
import { setClock } from "./time-format.js";
import { isHttpsUrl } from "./safe-html.js";

/**
 * What an entry carries besides its text (docs/media.md), drawn with DOM calls like the rest of the
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

/**
 * An <img> of a picture Liveline hosts (an upload, an embed's thumbnail): a srcset of its
 * variants, its box reserved by width and height (no layout shift), lazy. Without `sizes` the
 * browser assumes the full viewport width: right on a phone, a little generous on a desktop
 * column, and no bytes in the widget's budget. Undefined when its URL is not one allowed.
 */
function hostedImg(doc: Document, item: MediaItem, baseUrl: string, alt: string): HTMLImageElement | undefined {
  const src = pictureUrl(item.url, baseUrl);
  if (src === undefined) return undefined;
  const img = doc.createElement("img");
  img.src = src;
  img.srcset = item.variants.flatMap((v) => pictureUrl(v.url, baseUrl)?.concat(` ${v.width}w`) ?? []).join(", ");
  img.alt = alt;
  img.width = item.width;
  img.height = item.height;
  img.loading = "lazy";
  return img;
}

export function renderMedia(doc: Document, media: EntryMedia[], baseUrl: string): HTMLElement[] {
  return media.flatMap((m) => {
    const img = hostedImg(doc, m, baseUrl, m.alt);
    if (img === undefined) return [];
    const figure = el(doc, "figure", "media", img);
    const caption = [m.caption, m.credit].filter((x) => x !== undefined).join(" ");
    if (caption !== "") figure.append(el(doc, "figcaption", "", caption));
    return [figure];
  });
}

/**
 * A card linking out, like the post it stands for: the provider (upper-cased by the stylesheet),
 * the title (or the post's words; else the URL), the author, and the provider's picture as the
 * server re-hosted it (from Liveline, decorative beside the title: alt=""). A video card's
 * picture is a 16:9 box, which the player takes over on a click (embed-player.ts).
 */
export function renderEmbeds(doc: Document, embeds: Embed[], baseUrl: string): HTMLElement[] {
  return embeds.flatMap((e) => {
    if (!isHttpsUrl(e.url)) return [];
    const a = el(doc, "a", `embed ${e.provider}`);
    a.href = e.url;
    a.rel = "noopener noreferrer";
    a.target = "_blank";
    const source = el(doc, "b", "", e.provider);
    // Decorative: the title beside it says what the post is.
    const img = e.thumbnail === undefined ? undefined : hostedImg(doc, e.thumbnail, baseUrl, "");
    const plain = img === undefined && e.title === undefined && e.author === undefined;
    // A YouTube or Vimeo card is a 16:9 box a click turns into the player: the whole card when
    // plain (`video`), the picture when it has one (`clip`).
    const video = e.provider === "youtube" || e.provider === "vimeo";
    a.className += plain ? (video ? " video" : "") : video ? " card clip" : " card";
    if (plain) {
      a.append(source, e.url); // nothing is known of the post but its address
      return [a];
    }
    const title = el(doc, "div", "title", e.title ?? e.url);
    title.dir = "auto";
    // Blocks inside the link (an <a> in flow content may hold them): the picture, then the words.
    if (img !== undefined) a.append(img);
    img?.classList.add("thumb");
    a.append(
      el(doc, "div", "", source, title, ...(e.author === undefined ? [] : [el(doc, "div", "by", e.author.name)])),
    );
    return [a];
  });
}

/**
 * A click on a video card (YouTube, Vimeo; a 16:9 box already) fetches the players' script
 * from the Liveline server once and queues the card for it (push returns 1 on the first click
 * only: the script's own queue returns nothing). Other providers' cards are plain links.
 */
export function playOnClick(ev: MouseEvent, win: EmbedWindow, baseUrl: string): void {
  const card = ev.target instanceof Element ? ev.target.closest<HTMLAnchorElement>("a.video,a.clip") : null;
  // Ctrl/⌘-click opens the page in a new tab, as on any link.
  if (!card || ev.ctrlKey || ev.metaKey) return;
  ev.preventDefault();
  if ((win.LivelineEmbeds ??= []).push(card) === 1)
    card.ownerDocument.head.append(
      Object.assign(card.ownerDocument.createElement("script"), { src: `${baseUrl}/widget-embeds.js` }),
    );
}

/**
 * Each correction as a labelled notice under the entry, oldest first: "Correction", its time,
 * then the note. A notice of its own (not grey small print): readers are owed the fact that
 * what they read earlier was wrong.
 */
export function renderCorrections(
  doc: Document,
  corrections: Correction[],
  now: number,
  locale: Locale,
): HTMLElement[] {
  return corrections.map((c) => {
    const at = doc.createElement("time");
    setClock(at, c.at, now, locale.tag);
    const note = el(doc, "span", "note", c.text);
    note.dir = "auto";
    return el(doc, "p", "correction", el(doc, "strong", "", locale.t.correction), " ", at, " ", note);
  });
}
