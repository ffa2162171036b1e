/**
 * "Live at the top": readers connected now and the colleagues in this feed with what they are
 * editing, from GET /v1/feeds/:feedId/stats. The console is itself present: a heartbeat every
 * few seconds names the entry being edited, well inside the server's 15 s presence expiry.
 */
import type { FeedStats } from "@liveline/protocol";
import { ApiError, api, credentials, describeError } from "./console-api.js";
import { isUnreachable } from "./reach.js";

const BEAT_MS = 5_000;

export interface LiveBarOptions {
  readers: HTMLElement;
  colleagues: HTMLUListElement;
  /** A human name for an entry id (its headline), when the console knows it. */
  nameOf: (entryId: string) => string | undefined;
}

export class LiveBar {
  private feedId = "";
  private editing: string | null = null;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly opts: LiveBarOptions) {
    addEventListener("pagehide", () => this.leave());
  }

  follow(feedId: string): void {
    if (feedId === this.feedId) return;
    this.leave();
    this.feedId = feedId;
    clearInterval(this.timer);
    this.timer = setInterval(() => void this.beat(), BEAT_MS);
    void this.beat();
  }

  /** Tell colleagues which entry this console is editing (null: composing a new one). */
  setEditing(entryId: string | null): void {
    if (entryId === this.editing) return;
    this.editing = entryId;
    void this.beat();
  }

  /** Heartbeat, then read who is here: one round of each per interval. */
  async beat(): Promise<void> {
    const feedId = this.feedId;
    if (feedId === "" || !credentials.present()) return;
    try {
      await api.request("POST /v1/feeds/:feedId/presence", { params: { feedId }, body: { editing: this.editing } });
      const { data: stats } = await api.request("GET /v1/feeds/:feedId/stats", { params: { feedId } });
      if (feedId === this.feedId) this.render(stats);
    } catch (err) {
      if (feedId !== this.feedId) return;
      this.opts.readers.textContent = `Readers now: unknown (${why(err)})`;
      this.opts.colleagues.replaceChildren();
    }
  }

  private render(stats: FeedStats): void {
    const n = stats.readers.total;
    this.opts.readers.textContent = `Readers now: ${n.toLocaleString("en")}`;
    this.opts.colleagues.replaceChildren(
      ...stats.editors.map((e) => {
        const li = document.createElement("li");
        const what = e.editing === undefined ? "" : (this.opts.nameOf(e.editing) ?? e.editing);
        li.textContent = what === "" ? e.name : `${e.name} — editing “${what}”`;
        li.dataset.sub = e.sub;
        return li;
      }),
    );
  }

  private leave(): void {
    if (this.feedId === "" || !credentials.present()) return;
    // keepalive: the request survives the tab closing, so colleagues see us leave at once.
    api
      .request("DELETE /v1/feeds/:feedId/presence", { params: { feedId: this.feedId }, keepalive: true })
      .catch(() => undefined);
  }
}

/** Why the counts could not be read: an outage is not a missing token. */
function why(err: unknown): string {
  if (isUnreachable(err)) return "the server cannot be reached";
  if (err instanceof ApiError && (err.code === "unauthorized" || err.code === "token_expired"))
    return "no editor token for this feed?";
  if (err instanceof ApiError && err.code === "forbidden") return "not allowed in this feed";
  return describeError(err);
}
