import type { Entry, FeedEvent } from "@liveline/protocol";
import { LIMITS } from "@liveline/protocol/constants";
import type { LivelineClient } from "../client.js";
import type { ConnectionState } from "../states.js";
import type { Subscription } from "../subscription.js";
import { playOnClick } from "./entry-attachments.js";
import { displayOrder, renderEntry, type EntryLook } from "./entry-view.js";
import { deepLinkId } from "./deep-link.js";
import { FeedHistory } from "./history.js";
import type { Locale } from "./i18n.js";
import { ShareButtons } from "./share.js";
import { refreshTimes } from "./time-format.js";
import { buildChrome, type Chrome } from "./widget-chrome.js";

export interface LiveWidgetOptions {
  feedId: string;
  /** Base URL of the Liveline server (for history reads). */
  baseUrl: string;
  client: LivelineClient;
  /** The language of the widget's words and the formats of its times. */
  locale: Locale;
  /** The level of entry headlines (1–6). */
  headingLevel: number;
}

/** A subscribe snapshot holds the latest LIMITS.snapshotSize entries; fewer means no older ones. */
const SNAPSHOT_SIZE = LIMITS.snapshotSize;
const PAGE_SIZE = LIMITS.defaultPageSize;
/** The largest page the API gives, so the first one reaches past what the snapshot holds. */
const FIRST_PAGE_SIZE = LIMITS.maxPageSize;
const MAX_PAGES = 50;
const TIME_REFRESH_MS = 30_000;
const ANNOUNCE_DELAY_MS = 700;

/**
 * The reader's live view of one feed. New entries go in at once while the reader is at the
 * top; otherwise (or while paused) they wait behind an "N new updates" pill, so the page
 * never moves under the reader. Edits replace entries in place, retractions remove them.
 */
export class LiveWidget {
  private readonly doc: Document;
  private readonly ui: Chrome;
  private readonly sub: Subscription;
  private readonly history: FeedHistory;
  /** Entries on screen, by id. */
  private readonly shown = new Map<string, Entry>();
  /** Entries that arrived while the reader was scrolled down or paused. */
  private readonly pending = new Map<string, Entry>();
  /** Live edits and retractions of entries not loaded yet, so an older page never shows a stale copy. */
  private readonly later = new Map<string, Entry | null>();
  private readonly nodes = new Map<string, HTMLLIElement>();
  /** The entry each node was built from, to rebuild nodes whose entry changed. */
  private readonly rendered = new Map<string, Entry>();
  private readonly look: EntryLook;
  private readonly cleanups: (() => void)[] = [];
  private cursor: string | undefined;
  private hasOlder = false;
  private loadingOlder: Promise<void> | undefined;
  private paused = false;
  private ready = false;
  private awaitingSnapshot = true;
  private everConnected = false;
  private announceTimer: ReturnType<typeof setTimeout> | undefined;
  private announceCount = 0;
  private scrollQueued = false;

  constructor(
    private readonly host: HTMLElement,
    private readonly opts: LiveWidgetOptions,
  ) {
    this.doc = host.ownerDocument;
    // Server-rendered entries stay in the light DOM for crawlers; the shadow root replaces them on screen.
    const root = host.shadowRoot ?? host.attachShadow({ mode: "open" });
    root.replaceChildren();
    this.look = { locale: opts.locale, headingLevel: opts.headingLevel, baseUrl: opts.baseUrl };
    this.ui = buildChrome(this.doc, root, opts.locale);
    this.history = new FeedHistory(opts.baseUrl, opts.feedId);
    this.sub = opts.client.subscribe(opts.feedId);
    this.wire();
    if (this.sub.seq !== undefined) this.onSnapshot(); // another widget already follows this feed
  }

  destroy(): void {
    for (const c of this.cleanups.splice(0)) c();
    if (this.announceTimer !== undefined) clearTimeout(this.announceTimer);
    this.host.shadowRoot?.replaceChildren();
  }

  private wire(): void {
    const { sub, ui } = this;
    const win = this.doc.defaultView;
    this.cleanups.push(
      sub.on("subscribed", ({ reset }) => {
        if (reset) this.awaitingSnapshot = true;
      }),
      sub.on("event", (e) => {
        if (!this.awaitingSnapshot) this.onEvent(e);
      }),
      sub.on("entries", () => {
        if (this.awaitingSnapshot) this.onSnapshot();
      }),
      sub.on("feed", () => this.showStatus()),
      sub.on("error", (err) => {
        if (err.code === "feed_not_found") this.setStatus("ended", this.t.notFound);
      }),
      this.opts.client.on("state", ({ state }) => this.onState(state)),
    );
    this.onState(this.opts.client.state);
    ui.pause.addEventListener("click", () => this.setPaused(!this.paused));
    ui.keyOnly.addEventListener("change", () => ui.section.classList.toggle("key-only", ui.keyOnly.checked));
    ui.pill.addEventListener("click", () => this.showPending(true));
    ui.older.addEventListener("click", () => void this.loadOlder());
    const sharing = new ShareButtons(ui.list, ui.toast, this.t, (id) => this.shown.get(id)?.headline);
    ui.keyEvents.root.addEventListener("click", (ev) => {
      // A jump to the entry already in the address bar fires no hashchange: open it here.
      const link = ev.target instanceof Element ? ev.target.closest("a") : null;
      if (link !== null && link.hash === this.doc.defaultView?.location.hash) void this.openDeepLink();
    });
    const timer = setInterval(() => refreshTimes(ui.list, Date.now(), this.opts.locale.tag), TIME_REFRESH_MS);
    this.cleanups.push(
      () => clearInterval(timer),
      () => sharing.destroy(),
    );
    if (win) {
      ui.list.addEventListener("click", (ev) => playOnClick(ev, win, this.opts.baseUrl));
      const onScroll = () => this.onScroll(win);
      const onHash = () => void this.openDeepLink();
      win.addEventListener("scroll", onScroll, { passive: true });
      win.addEventListener("hashchange", onHash);
      this.cleanups.push(
        () => win.removeEventListener("scroll", onScroll),
        () => win.removeEventListener("hashchange", onHash),
      );
    }
  }

  // ---- live data ------------------------------------------------------------------------

  private onSnapshot(): void {
    this.awaitingSnapshot = false;
    this.shown.clear();
    this.pending.clear();
    this.later.clear();
    for (const e of this.sub.entries) this.shown.set(e.id, e);
    this.cursor = undefined;
    this.hasOlder = this.shown.size >= SNAPSHOT_SIZE;
    const first = !this.ready;
    this.ready = true;
    this.render();
    this.updatePill();
    this.showStatus();
    if (first) void this.openDeepLink();
  }

  private onEvent(e: FeedEvent): void {
    switch (e.type) {
      case "entry.published":
      case "entry.updated":
        this.upsert(e.entry, e.type === "entry.published");
        break;
      case "entry.deleted":
        this.remove(e.entryId);
        break;
      case "feed.updated":
        this.showStatus();
        break;
    }
  }

  private upsert(entry: Entry, isNew: boolean): void {
    if (this.pending.has(entry.id)) {
      this.pending.set(entry.id, entry);
      return;
    }
    const old = this.nodes.get(entry.id);
    if (old !== undefined && this.shown.has(entry.id)) {
      // Replace in place; the list order only changes when pinning changed.
      const pinChanged = this.shown.get(entry.id)?.pinned !== entry.pinned;
      this.shown.set(entry.id, entry);
      const li = this.build(entry, Date.now());
      old.replaceWith(li);
      this.nodes.set(entry.id, li);
      this.rendered.set(entry.id, entry);
      if (pinChanged) this.render();
      else this.ui.keyEvents.update(this.shown.values(), Date.now());
      return;
    }
    if (!isNew && !entry.pinned) {
      this.later.set(entry.id, entry); // an edit of an entry further back than what is loaded
      return;
    }
    if (isNew && (this.paused || !this.atTop() || this.pending.size > 0)) {
      this.pending.set(entry.id, entry);
      this.updatePill();
      this.announce(1);
      return;
    }
    this.shown.set(entry.id, entry);
    this.render(new Set([entry.id]));
    if (isNew) this.announce(1);
  }

  private remove(entryId: string): void {
    this.later.set(entryId, null);
    if (this.pending.delete(entryId)) this.updatePill();
    if (this.shown.delete(entryId)) {
      this.nodes.get(entryId)?.remove();
      this.nodes.delete(entryId);
      this.rendered.delete(entryId);
      this.ui.empty.hidden = this.shown.size > 0;
      this.ui.keyEvents.update(this.shown.values(), Date.now());
    }
  }

  /** Add entries read over HTTP, unless the live stream already knows better. */
  private merge(entries: Entry[]): number {
    let added = 0;
    for (const fetched of entries) {
      if (this.shown.has(fetched.id) || this.pending.has(fetched.id)) continue;
      const live = this.later.get(fetched.id);
      if (live === null) continue;
      const e = live !== undefined && live.revision > fetched.revision ? live : fetched;
      this.shown.set(e.id, e);
      added += 1;
    }
    return added;
  }

  // ---- history and deep links -------------------------------------------------------------

  loadOlder(): Promise<void> {
    this.loadingOlder ??= this.fetchOlder().finally(() => {
      this.loadingOlder = undefined;
    });
    return this.loadingOlder;
  }

  private async fetchOlder(): Promise<void> {
    const { older } = this.ui;
    older.disabled = true;
    older.textContent = this.t.loading;
    try {
      // The first page starts at the top and is large, so it reaches past what the snapshot holds.
      for (let i = 0, added = 0; i < MAX_PAGES && added === 0; i++) {
        const page = await this.history.page(this.cursor === undefined ? FIRST_PAGE_SIZE : PAGE_SIZE, this.cursor);
        added = this.merge(page.entries);
        this.cursor = page.next;
        this.hasOlder = page.next !== undefined;
        if (!this.hasOlder) break;
      }
      older.textContent = this.t.older;
    } catch {
      older.textContent = this.t.olderFailed;
    } finally {
      older.disabled = false;
      this.render();
    }
  }

  /** `#entry-ID` or `?entry=ID`: load back until the entry is there, then bring it into view. */
  private async openDeepLink(): Promise<void> {
    const loc = this.doc.defaultView?.location;
    const id = loc === undefined ? undefined : deepLinkId(loc);
    if (id === undefined || !this.ready) return;
    if (this.pending.has(id)) this.showPending(false);
    if (!this.shown.has(id)) {
      if ((await this.history.entry(id)) === undefined) return; // not in this feed
      for (let i = 0; i < MAX_PAGES && !this.shown.has(id) && (this.hasOlder || this.cursor === undefined); i++) {
        await this.loadOlder();
      }
    }
    const article = this.nodes.get(id)?.firstElementChild;
    if (!(article instanceof HTMLElement)) return;
    if (this.ui.keyOnly.checked && !article.classList.contains("key")) {
      this.ui.keyOnly.checked = false;
      this.ui.section.classList.remove("key-only");
    }
    article.classList.add("target");
    article.scrollIntoView({ block: "start", behavior: this.reducedMotion() ? "auto" : "smooth" });
    article.focus({ preventScroll: true });
  }

  // ---- on screen ----------------------------------------------------------------------------

  /** Bring the list in line with `shown`, moving only nodes that are out of place. */
  private render(fresh?: Set<string>): void {
    const list = this.ui.list;
    let at: ChildNode | null = list.firstChild;
    const now = Date.now();
    for (const e of [...this.shown.values()].sort(displayOrder)) {
      let li = this.nodes.get(e.id);
      if (li === undefined || this.rendered.get(e.id) !== e) {
        // New, or changed while it was not watched (a snapshot after a long disconnect).
        const next = this.build(e, now);
        if (fresh?.has(e.id)) next.firstElementChild?.classList.add("fresh");
        if (li !== undefined) {
          if (at === li) at = next;
          li.replaceWith(next);
        }
        li = next;
        this.nodes.set(e.id, li);
        this.rendered.set(e.id, e);
      }
      if (li === at) at = at.nextSibling;
      else list.insertBefore(li, at);
    }
    while (at) {
      const next: ChildNode | null = at.nextSibling;
      at.remove();
      at = next;
    }
    for (const id of [...this.nodes.keys()]) {
      if (this.shown.has(id)) continue;
      this.nodes.delete(id);
      this.rendered.delete(id);
    }
    this.ui.empty.hidden = this.shown.size > 0 || !this.ready;
    this.ui.older.hidden = !this.hasOlder;
    this.ui.keyEvents.update(this.shown.values(), now);
  }

  /** Insert what waits behind the pill; when asked by the reader, take them to it. */
  private showPending(scroll: boolean): void {
    if (this.pending.size === 0) return;
    const ids = new Set(this.pending.keys());
    for (const [id, e] of this.pending) this.shown.set(id, e);
    this.pending.clear();
    this.render(ids);
    this.updatePill();
    if (!scroll) return;
    this.ui.section.scrollIntoView({ block: "start", behavior: this.reducedMotion() ? "auto" : "smooth" });
    const newest = [...this.shown.values()].filter((e) => ids.has(e.id)).sort(displayOrder)[0];
    const first = newest === undefined ? undefined : this.nodes.get(newest.id)?.firstElementChild;
    if (first instanceof HTMLElement) first.focus({ preventScroll: true });
  }

  private updatePill(): void {
    const n = this.pending.size;
    this.ui.pill.hidden = n === 0;
    // No aria-label: the name a screen reader says is the text on screen (WCAG 2.5.3).
    this.ui.pill.textContent = `${this.opts.locale.newUpdates(n)} – ${this.t.show}`;
  }

  private setPaused(paused: boolean): void {
    this.paused = paused;
    this.ui.pause.setAttribute("aria-pressed", String(paused));
    this.ui.pause.textContent = paused ? this.t.resume : this.t.pause;
    if (!paused && this.atTop()) this.showPending(false);
    this.showStatus();
  }

  private onScroll(win: Window): void {
    if (this.scrollQueued || this.pending.size === 0 || this.paused) return;
    this.scrollQueued = true;
    win.requestAnimationFrame(() => {
      this.scrollQueued = false;
      if (!this.paused && this.atTop()) this.showPending(false);
    });
  }

  /** The top of the list is in view (or below it): inserting there cannot move what the reader sees. */
  private atTop(): boolean {
    return this.ui.list.getBoundingClientRect().top >= 0;
  }

  private onState(state: ConnectionState): void {
    if (state === "connected") this.everConnected = true;
    this.showStatus();
  }

  private showStatus(): void {
    const state = this.opts.client.state;
    if (state !== "connected" || !this.ready) {
      // "Live" only once the feed is on screen; before that, and while away, say so quietly.
      const back = this.everConnected && this.ready;
      this.setStatus(back ? "reconnecting" : "connecting", back ? this.t.reconnecting : this.t.connecting);
    } else if (this.sub.feed?.status === "ended") this.setStatus("ended", this.t.ended);
    else if (this.paused) this.setStatus("paused", this.t.paused);
    else this.setStatus("live", this.t.live);
    const title = this.sub.feed?.title;
    this.ui.section.setAttribute("aria-label", title === undefined ? this.t.region : `${this.t.region}: ${title}`);
  }

  private setStatus(state: string, text: string): void {
    this.ui.status.dataset.state = state;
    this.ui.status.textContent = text;
  }

  /** Say how many updates arrived, batched, in the one polite live region. */
  private announce(n: number): void {
    this.announceCount += n;
    if (this.announceTimer !== undefined) return;
    this.announceTimer = setTimeout(() => {
      this.announceTimer = undefined;
      this.ui.live.textContent = this.opts.locale.newUpdates(this.announceCount);
      this.announceCount = 0;
    }, ANNOUNCE_DELAY_MS);
  }

  private get t(): Locale["t"] {
    return this.opts.locale.t;
  }

  private build(entry: Entry, now: number): HTMLLIElement {
    return renderEntry(this.doc, entry, now, this.look);
  }

  private reducedMotion(): boolean {
    return this.doc.defaultView?.matchMedia("(prefers-reduced-motion: reduce)").matches ?? false;
  }
}
