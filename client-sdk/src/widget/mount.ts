import { FEED_ID_PATTERN } from "@liveline/protocol/constants";
import { LivelineClient } from "../client.js";
import { LiveWidget } from "./live-widget.js";

export interface MountOptions {
  /** The feed to show, e.g. "election-night". */
  feedId: string;
  /** Base URL of the Liveline server. @default the page's origin */
  url?: string;
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
 * apart). Theme it with `--liveline-*` custom properties on the element.
 *
 * @example
 * import { mount } from "@liveline/client-sdk/widget";
 * mount(document.getElementById("live"), { feedId: "election-night", url: "https://live.example.com" });
 */
export function mount(element: HTMLElement, options: MountOptions): MountedWidget {
  if (!FEED_ID_PATTERN.test(options.feedId)) throw new Error(`liveline: invalid feed id '${options.feedId}'`);
  const baseUrl = new URL(options.url ?? element.ownerDocument.location.origin).origin;
  let slot = shared.get(baseUrl);
  if (slot === undefined) {
    slot = {
      client: new LivelineClient({ url: baseUrl, minReconnectDelay: 500, maxReconnectDelay: 10_000 }),
      users: 0,
    };
    shared.set(baseUrl, slot);
  }
  slot.users += 1;
  const using = slot;
  const widget = new LiveWidget(element, { feedId: options.feedId, baseUrl, client: using.client });
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
