import { mount, type MountedWidget } from "./mount.js";

/** The attributes whose change shows another feed, server, language or heading level. */
const REMOUNT_ON = ["feed", "src", "locale", "heading-level"];

/**
 * `<liveline-feed feed="election-night" src="https://live.example" locale="de"
 * theme="dark" heading-level="3">`: the same widget as `data-liveline-feed`, as one tag.
 * Changing `feed` (or `src`, `locale`, `heading-level`) shows the new one; removing the
 * element ends its subscription. `theme` needs no remount: the stylesheet reads it.
 * `src` defaults to `defaultUrl` (the origin /widget.js came from), else the page's.
 */
export function defineLivelineFeed(defaultUrl: string | undefined): void {
  const registry = globalThis.customElements;
  if (registry === undefined || registry.get("liveline-feed") !== undefined) return;

  class LivelineFeedElement extends HTMLElement {
    static readonly observedAttributes = REMOUNT_ON;
    private widget: MountedWidget | undefined;

    connectedCallback(): void {
      this.remount();
    }

    disconnectedCallback(): void {
      this.widget?.destroy();
      this.widget = undefined;
    }

    attributeChangedCallback(_name: string, before: string | null, after: string | null): void {
      // Before the first mount (while parsing or upgrading) connectedCallback does it once.
      if (before !== after && this.widget !== undefined) this.remount();
    }

    private remount(): void {
      this.widget?.destroy();
      this.widget = undefined;
      const level = Number(this.getAttribute("heading-level"));
      const url = this.getAttribute("src") ?? defaultUrl;
      const locale = this.getAttribute("locale");
      try {
        this.widget = mount(this, {
          feedId: this.getAttribute("feed") ?? "",
          ...(url === undefined ? {} : { url }),
          ...(locale === null ? {} : { locale }),
          ...(Number.isInteger(level) && level >= 1 && level <= 6 ? { headingLevel: level } : {}),
        });
      } catch (err) {
        console.error(err); // a bad feed id or URL: the page goes on without this widget
      }
    }
  }
  registry.define("liveline-feed", LivelineFeedElement);
}
