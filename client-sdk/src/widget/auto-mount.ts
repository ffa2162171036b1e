/**
 * Entry of the script-tag build (`/widget.js`): mounts a widget on every
 * `<div data-liveline-feed="FEED_ID">` of the page, now and once the document is parsed, and
 * defines the `<liveline-feed feed="FEED_ID">` element. The server is the script's own
 * origin unless the element says `data-liveline-url` (or `src`).
 */
import { defineLivelineFeed } from "./custom-element.js";
import { mount, type MountedWidget } from "./mount.js";
import { offerAlerts } from "./push-opt-in.js";

export { mount };
export { safeFragment } from "./safe-html.js";

const mounted = new WeakMap<Element, MountedWidget>();
const script = document.currentScript;
const scriptOrigin = script instanceof HTMLScriptElement && script.src ? new URL(script.src).origin : undefined;

function mountAll(): void {
  for (const el of document.querySelectorAll<HTMLElement>("[data-liveline-feed]")) {
    if (mounted.has(el)) continue;
    const feedId = el.dataset.livelineFeed ?? "";
    const url = el.dataset.livelineUrl ?? scriptOrigin;
    try {
      mounted.set(el, mount(el, url === undefined ? { feedId } : { feedId, url }));
      offerAlerts(el, feedId, url ?? location.origin);
    } catch (err) {
      console.error(err);
    }
  }
}

mountAll();
defineLivelineFeed(scriptOrigin);
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
