/**
 * Online or offline, honestly: the banner at the top says when this browser has no network or
 * the Liveline server cannot be reached, and that what is being written is kept here. It
 * follows the console's own live connection (the SDK's state: connected, or reconnecting after
 * losing it) and the browser's online/offline events, and every API answer the console gets:
 * a network failure means unreachable, any answer from the server means reachable.
 */
import type { LivelineClient } from "@liveline/client-sdk";
import { onReach } from "./reach.js";

export type Reach = "online" | "browser-offline" | "server-unreachable";

export interface ConnectionOptions {
  banner: HTMLElement;
  client: LivelineClient;
  /** Told once when the connection comes back after it was lost. */
  onBack: () => void;
}

export class Connection {
  /** The console's live connection was lost (or never came up) and is not back yet. */
  private socketLost = false;
  /** The last API request got no answer from the server. */
  private apiLost = false;
  private shown: Reach = "online";

  constructor(private readonly opts: ConnectionOptions) {
    opts.client.on("state", ({ state, reason }) => {
      if (state === "connected") this.socketLost = false;
      else if (reason === "connect_failed" || reason === "transport_closed" || reason === "server_disconnect")
        this.socketLost = true;
      this.render();
    });
    onReach((reached) => {
      this.apiLost = !reached;
      if (reached) this.socketLost = false; // the server answered: it is there

      this.render();
    });
    addEventListener("online", () => this.render());
    addEventListener("offline", () => this.render());
  }

  get reach(): Reach {
    if (!navigator.onLine) return "browser-offline";
    return this.socketLost || this.apiLost ? "server-unreachable" : "online";
  }

  private render(): void {
    const reach = this.reach;
    if (reach === this.shown) return;
    const was = this.shown;
    this.shown = reach;
    const { banner } = this.opts;
    banner.hidden = reach === "online";
    banner.dataset.reach = reach;
    banner.textContent =
      reach === "browser-offline"
        ? "Offline: this browser has no network. What you write is kept here; send it when the connection is back."
        : reach === "server-unreachable"
          ? "Offline: the Liveline server cannot be reached (trying again). What you write is kept here; send it when it is back."
          : "";
    if (reach === "online" && was !== "online") this.opts.onBack();
  }
}
