/**
 * The players of embed cards, in their own small script (/widget-embeds.js) that the widget
 * fetches from the Liveline server on the first click on a video card: before that click a
 * reader's page makes no request to any third party, and /widget.js carries none of this.
 *
 * YouTube and Vimeo become their player in a sandboxed 16:9 iframe. Posts of X, Bluesky,
 * Instagram, TikTok and Facebook would need the provider's script running in the reader's
 * page (with its cookies and tracking), so their card stays a link that opens the post in a
 * new tab; the widget never intercepts those clicks.
 */

/** The global the widget queues clicked cards on until this script has arrived (then: plays at once). */
export interface EmbedQueue {
  push(card: HTMLAnchorElement): unknown;
}
export type EmbedWindow = Window & { LivelineEmbeds?: EmbedQueue | HTMLAnchorElement[] | undefined };

const YOUTUBE_ID = /^[\w-]{11}$/;
const VIMEO_ID = /^\d{1,12}$/;

/** The provider's player URL for a video page's URL, or undefined when it names no video. */
export function playerUrl(pageUrl: string): string | undefined {
  if (!URL.canParse(pageUrl)) return undefined;
  const url = new URL(pageUrl);
  if (url.protocol !== "https:") return undefined;
  const host = url.hostname.replace(/^(www|m)\./, "");
  const parts = url.pathname.split("/").filter((p) => p !== "");
  if (host === "youtu.be" || host === "youtube.com" || host === "youtube-nocookie.com") {
    const id =
      host === "youtu.be"
        ? parts[0]
        : parts[0] === "watch"
          ? url.searchParams.get("v")
          : ["shorts", "embed", "live"].includes(parts[0] ?? "")
            ? parts[1]
            : undefined;
    return id && YOUTUBE_ID.test(id) ? `https://www.youtube-nocookie.com/embed/${id}?autoplay=1` : undefined;
  }
  if (host === "vimeo.com" || host === "player.vimeo.com") {
    const id = parts.find((p) => VIMEO_ID.test(p));
    return id === undefined ? undefined : `https://player.vimeo.com/video/${id}?autoplay=1&dnt=1`;
  }
  return undefined;
}

/**
 * Replace a clicked card with the player: the same 16:9 box the card (or its picture) already
 * had, so nothing below moves. A card naming no video opens its page in a new tab, as a plain
 * link would.
 */
export function play(card: HTMLAnchorElement): void {
  const src = playerUrl(card.href);
  const doc = card.ownerDocument;
  const win = doc.defaultView;
  if (src === undefined) {
    win?.open(card.href, "_blank", "noopener,noreferrer");
    return;
  }
  const frame = doc.createElement("iframe");
  frame.className = "player";
  // The players need their own origin's scripts and storage; nothing else (no top navigation, no forms).
  frame.setAttribute("sandbox", "allow-scripts allow-same-origin allow-presentation allow-popups");
  frame.allow = "autoplay; encrypted-media; fullscreen; picture-in-picture";
  frame.allowFullscreen = true;
  // YouTube refuses to play without the embedding origin; the path of the reader's page stays private.
  frame.referrerPolicy = "strict-origin-when-cross-origin";
  frame.title = card.querySelector(".title")?.textContent ?? card.textContent ?? "";
  // A card with the post's picture keeps its words under the player, in a box of the card's size.
  const words = card.querySelector(".thumb") === null ? null : card.querySelector("div");
  frame.style.cssText = `display:block;width:100%;aspect-ratio:16/9;height:auto;border:0;margin:${words === null ? ".6rem 0" : "0"}`;
  frame.src = src;
  if (words === null) card.replaceWith(frame);
  else {
    const box = doc.createElement("div");
    box.className = `embed ${card.classList.contains("youtube") ? "youtube" : "vimeo"} played`;
    box.style.padding = "0";
    words.style.padding = ".5rem .8rem";
    box.append(frame, words);
    card.replaceWith(box);
  }
  frame.focus();
}

/** Play what was clicked before this script arrived, then play each new click at once. */
export function install(win: EmbedWindow): void {
  const queued = win.LivelineEmbeds;
  win.LivelineEmbeds = { push: play };
  if (Array.isArray(queued)) queued.forEach(play);
}
