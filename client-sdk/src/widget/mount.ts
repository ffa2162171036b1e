import { FEED_ID_PATTERN } from "@liveline/protocol/constants";
import { LivelineClient } from "../client.js";
import { headingLevelFor } from "./heading-level.js";
import { pickLocale } from "./i18n.js";
import { LiveWidget } from "./live-widget.js";

export interface MountOptions {
  /** The feed to show, e.g. "election-night". */
  feedId: string;
  /** Base URL of the Liveline server. @default the page's origin */
  url?: string;
  /**
   * The language of the widget's words and times, a BCP 47 tag ("de", "ar-EG"); shipped in
   * English, German, French, Spanish, Ukrainian and Arabic.
   * @default the element's `data-locale`, else the `lang` around it, else the browser's, else English
   */
  locale?: string;
  /**
   * The level of entry headlines, 1–6.
   * @default the element's `data-heading-level`, else one below the page's last heading before the widget (at most 6), else 2
   */
  headingLevel?: number;
  /**
   * A client the app already has (the React component passes its own): the widget uses it
   * and leaves it open when destroyed. @default one connection per server, shared by the page's widgets
   */
  client?: LivelineClient;
}

export interface MountedWidget {
  readonly feedId: string;
  /** Load the next page of older entries. */
  loadOlder(): Promise<void>;
  /** Remove the widget; the shared connection closes with the last widget that uses it. */
  destroy(): void;
}

/** One connection per server for every widget on the page. */
const shared = new Map<string, { client: LivelineClient; users: number }>();

/**
 * Show a live feed inside `element` (in a shadow root, so page styles and widget styles stay
 * apart). Theme it with `--liveline-*` custom properties on the element; `data-theme="dark"`
 * or `"light"` on it overrides the reader's colour-scheme preference.
 *
 * @example
 * import { mount } from "@liveline/client-sdk/widget";
 * mount(document.getElementById("live"), { feedId: "election-night", url: "https://live.example.com" });
 */
export function mount(element: HTMLElement, options: MountOptions): MountedWidget {
  if (!FEED_ID_PATTERN.test(options.feedId)) throw new Error(`liveline: invalid feed id '${options.feedId}'`);
  const given = options.client;
  const baseUrl = new URL(options.url ?? given?.url ?? element.ownerDocument.location.origin).origin;
  let slot = given === undefined ? shared.get(baseUrl) : { client: given, users: Infinity };
  if (slot === undefined) {
    slot = {
      client: new LivelineClient({ url: baseUrl, minReconnectDelay: 500, maxReconnectDelay: 10_000 }),
      users: 0,
    };
    shared.set(baseUrl, slot);
  }
  slot.users += 1;
  const using = slot;
  const locale = pickLocale(
    [options.locale, element.dataset.locale, element.closest("[lang]")?.getAttribute("lang")],
    element.ownerDocument.defaultView?.navigator.language,
  );
  const widget = new LiveWidget(element, {
    feedId: options.feedId,
    baseUrl,
    client: using.client,
    locale,
    headingLevel: options.headingLevel ?? headingLevelFor(element),
  });
  let destroyed = false;
  return {
    feedId: options.feedId,
    loadOlder: () => widget.loadOlder(),
    destroy() {
      if (destroyed) return;
      destroyed = true;
      widget.destroy();
      using.users -= 1;
      if (using.users === 0) {
        using.client.close();
        shared.delete(baseUrl);
      }
    },
  };
}
