import type { Correction, Embed, EntryMedia } from "@liveline/protocol";
import type { Locale } from "./i18n.js";
import { setClock } from "./time-format.js";
import { isHttpsUrl } from "./safe-html.js";

/**
 * What an entry carries besides its text (issue 15), drawn with DOM calls like the rest of the
 * entry: hosted images as <figure> with a srcset, embeds as link cards (no third-party frame
 * or script is loaded into a reader's page), and the correction notices readers are owed.
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
    const srcset = m.variants
      .flatMap((v) => {
        const url = pictureUrl(v.url, baseUrl);
        return url === undefined ? [] : [`${url} ${v.width}w`];
      })
      .join(", ");
    if (srcset !== "") img.srcset = srcset;
    img.sizes = "(max-width: 44rem) 100vw, 44rem";
    img.alt = m.alt;
    img.width = m.width;
    img.height = m.height;
    img.loading = "lazy";
    figure.append(img);
    if (m.caption !== undefined || m.credit !== undefined) {
      const caption = doc.createElement("figcaption");
      if (m.caption !== undefined) caption.append(m.caption);
      if (m.credit !== undefined) {
        const credit = doc.createElement("span");
        credit.className = "credit";
        credit.textContent = m.credit;
        caption.append(m.caption === undefined ? "" : " ", credit);
      }
      figure.append(caption);
    }
    return [figure];
  });
}

const PROVIDER_NAMES: Record<Embed["provider"], string> = {
  youtube: "YouTube",
  vimeo: "Vimeo",
  x: "X",
  bluesky: "Bluesky",
  instagram: "Instagram",
  tiktok: "TikTok",
  facebook: "Facebook",
  link: "",
};

export function renderEmbeds(doc: Document, embeds: Embed[]): HTMLElement[] {
  return embeds.flatMap((e) => {
    if (!isHttpsUrl(e.url)) return [];
    const a = doc.createElement("a");
    a.className = `embed ${e.provider}`;
    a.href = e.url;
    a.rel = "noopener noreferrer";
    a.target = "_blank";
    const source = doc.createElement("span");
    source.className = "embed-source";
    source.textContent = PROVIDER_NAMES[e.provider] || new URL(e.url).hostname;
    const title = doc.createElement("span");
    title.className = "embed-title";
    title.textContent = e.title ?? e.url;
    a.append(source, title);
    return [a];
  });
}

export function renderCorrections(
  doc: Document,
  corrections: Correction[],
  now: number,
  locale: Locale,
): HTMLElement[] {
  return corrections.map((c) => {
    const p = doc.createElement("p");
    p.className = "correction";
    const [before = "", after = ""] = locale.t.correction.split("{t}");
    const at = doc.createElement("time");
    setClock(at, c.at, now, locale.tag);
    const label = doc.createElement("strong");
    label.append(before, at, after);
    p.append(label, `: ${c.text}`);
    return p;
  });
}
