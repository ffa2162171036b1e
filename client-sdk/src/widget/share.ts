import { ENTRY_ID_PATTERN } from "@liveline/protocol/constants";
import type { Messages } from "./i18n.js";

/** How long "Link copied" stays on screen. */
const TOAST_MS = 4000;

/**
 * An entry's permalink: the page the widget is on with `#entry-ID`, which the widget opens on
 * load (deep-link.ts). An `?entry=` of the page's own URL is dropped, so it cannot win.
 */
export function permalink(href: string, entryId: string): string {
  const url = new URL(href);
  url.searchParams.delete("entry");
  url.hash = ENTRY_ID_PATTERN.test(entryId) ? `entry-${entryId}` : "";
  return url.href;
}

export type ShareOutcome = "shared" | "copied" | "cancelled" | "failed";

/**
 * Share a link the way the reader's device does: the Web Share sheet where there is one
 * (phones, some desktops), else copy it to the clipboard; the caller says which happened.
 */
export async function shareLink(nav: Navigator, url: string, title: string | undefined): Promise<ShareOutcome> {
  if (typeof nav.share === "function") {
    const data = title === undefined ? { url } : { url, title };
    try {
      await nav.share(data);
      return "shared";
    } catch (err) {
      // The reader closed the sheet: nothing to say. Anything else: copying still works.
      if (err instanceof DOMException && err.name === "AbortError") return "cancelled";
    }
  }
  try {
    await nav.clipboard.writeText(url);
    return "copied";
  } catch {
    return "failed";
  }
}

/**
 * The share button of every entry, handled once on the list: shares the entry's permalink, and
 * after a copy says so in the toast (visible, and a polite status for screen readers).
 */
export class ShareButtons {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly onClick = (ev: Event) => this.share(ev);

  constructor(
    private readonly list: HTMLElement,
    private readonly toast: HTMLElement,
    private readonly t: Messages,
    private readonly headlineOf: (entryId: string) => string | undefined,
  ) {
    list.addEventListener("click", this.onClick);
  }

  destroy(): void {
    this.list.removeEventListener("click", this.onClick);
    if (this.timer !== undefined) clearTimeout(this.timer);
  }

  private share(ev: Event): void {
    const button = ev.target instanceof Element ? ev.target.closest("button.share") : null;
    const article = button?.closest("article");
    const id = article instanceof HTMLElement ? article.dataset.entryId : undefined;
    const win = this.list.ownerDocument.defaultView;
    if (id === undefined || win === null) return;
    void shareLink(win.navigator, permalink(win.location.href, id), this.headlineOf(id)).then((outcome) => {
      if (outcome === "copied") this.say(this.t.linkCopied);
      else if (outcome === "failed") this.say(this.t.copyFailed);
    });
  }

  private say(text: string): void {
    this.toast.textContent = text;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.toast.textContent = "";
    }, TOAST_MS);
  }
}
