/**
 * The feed's timeline as an editor needs it: every entry, newest first, paging back to the
 * first one, with its time, author, status and flags, and the actions on it. Live entries come
 * from the SDK (each event applied once, in order); older pages from GET …/entries?before=.
 */
import type { DraftsResponse, Entry, EntryPage, FeedEvent } from "@liveline/protocol";
import { displayOrder } from "@liveline/client-sdk/widget";

export interface TimelineActions {
  edit: (entry: Entry) => void;
  toggle: (entry: Entry, flag: "pinned" | "keyEvent" | "breaking") => void;
  publishNow: (entry: Entry) => void;
  retract: (entry: Entry) => void;
  /** Who changed the entry, when and how (its revisions). */
  history: (entry: Entry) => void;
}

export interface TimelineOptions {
  list: HTMLOListElement;
  older: HTMLButtonElement;
  keyOnly: HTMLInputElement;
  /** Words to find in an entry's headline, text or author. */
  search: HTMLInputElement;
  /** Says how many entries the search found. */
  found: HTMLElement;
  actions: TimelineActions;
  /** The draft that is the entry in the composer (its autosaved copy): not listed twice. */
  hidden: () => string | undefined;
  loadPage: (before: string | undefined) => Promise<EntryPage>;
  /** Drafts and scheduled entries (editors only; they never come through the live feed). */
  loadDrafts: () => Promise<DraftsResponse>;
}

const DRAFTS_EVERY_MS = 5_000;
const isDraft = (e: Entry): boolean => e.status === "draft" || e.status === "scheduled";

const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const day = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });

/** A short, human name for an entry (its headline, else the start of its text). */
export function entryName(e: Pick<Entry, "headline" | "body">): string {
  if (e.headline !== undefined) return e.headline;
  const text = plain(e.body);
  return text.length > 48 ? `${text.slice(0, 47)}…` : text;
}

function plain(html: string): string {
  return html
    .replace(/<[^>]*>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** The start of an entry's text, as much as a timeline row shows under its name. */
function excerpt(e: Entry): string {
  const text = plain(e.body);
  return text.length > 160 ? `${text.slice(0, 159)}…` : text;
}

function matches(e: Entry, words: string[]): boolean {
  const hay = `${e.headline ?? ""} ${plain(e.body)} ${e.author?.name ?? ""}`.toLocaleLowerCase();
  return words.every((w) => hay.includes(w));
}

export class Timeline {
  private entries = new Map<string, Entry>();
  private next: string | undefined;
  private started = false;

  constructor(private readonly opts: TimelineOptions) {
    opts.older.addEventListener("click", () => void this.loadOlder());
    opts.keyOnly.addEventListener("change", () => this.render());
    opts.search.addEventListener("input", () => this.render());
    // A colleague's draft, or a scheduled entry going out, shows up without a reload.
    setInterval(() => void this.refreshDrafts(), DRAFTS_EVERY_MS);
  }

  /** Replace the drafts shown with the server's list (no token: none are shown). */
  async refreshDrafts(): Promise<void> {
    if (!this.started) return;
    let drafts: Entry[];
    try {
      drafts = (await this.opts.loadDrafts()).entries;
    } catch {
      drafts = [];
    }
    for (const [id, e] of this.entries) if (isDraft(e)) this.entries.delete(id);
    for (const d of drafts) if (!this.entries.has(d.id)) this.entries.set(d.id, d);
    this.render();
  }

  get(id: string): Entry | undefined {
    return this.entries.get(id);
  }

  reset(): void {
    this.entries.clear();
    this.next = undefined;
    this.started = false;
    this.render();
  }

  /** The SDK's current window (its first answer seeds the timeline). */
  seed(entries: Entry[]): void {
    for (const e of entries) this.entries.set(e.id, e);
    if (!this.started) {
      this.started = true;
      void this.loadOlder();
      void this.refreshDrafts();
    }
    this.render();
  }

  apply(event: FeedEvent): void {
    if (event.type === "entry.published" || event.type === "entry.updated")
      this.entries.set(event.entry.id, event.entry);
    else if (event.type === "entry.deleted") this.entries.delete(event.entryId);
    this.render();
  }

  /** One more page back in time (the first call reads the newest page and its cursor). */
  async loadOlder(): Promise<void> {
    this.opts.older.disabled = true;
    try {
      const page = await this.opts.loadPage(this.next);
      for (const e of page.entries) if (!this.entries.has(e.id)) this.entries.set(e.id, e);
      this.next = page.next;
    } finally {
      this.opts.older.disabled = false;
      this.opts.older.hidden = this.next === undefined;
      this.render();
    }
  }

  private render(): void {
    const keyOnly = this.opts.keyOnly.checked;
    const words = this.opts.search.value.toLocaleLowerCase().split(/\s+/).filter(Boolean);
    // Drafts and scheduled entries first (what is still to go out), then the published timeline.
    const shown = [...this.entries.values()]
      .filter((e) => (!keyOnly || e.keyEvent) && e.id !== this.opts.hidden() && matches(e, words))
      .sort((a, b) => Number(isDraft(b)) - Number(isDraft(a)) || displayOrder(a, b));
    this.opts.list.replaceChildren(...shown.map((e) => this.row(e)));
    this.opts.found.textContent =
      words.length === 0 ? "" : `${shown.length === 1 ? "1 entry" : `${shown.length} entries`} found`;
  }

  private row(e: Entry): HTMLLIElement {
    const li = document.createElement("li");
    li.dataset.entryId = e.id;
    const name = entryName(e);
    const head = document.createElement("div");
    head.className = "entry-head";
    const time = document.createElement("time");
    time.dateTime = e.publishedAt;
    const at = new Date(e.publishedAt);
    time.textContent =
      at.toDateString() === new Date().toDateString() ? clock.format(at) : `${day.format(at)}, ${clock.format(at)}`;
    const status = document.createElement("span");
    const state = e.status ?? "published";
    status.className = `status ${state}`;
    status.textContent =
      state === "scheduled" && e.publishAt !== undefined
        ? `scheduled for ${clock.format(new Date(e.publishAt))}`
        : state;
    head.append(time, status);
    if (e.author !== undefined) head.append(span("author", e.author.name));
    if (e.revision > 1) head.append(span("revision", `rev. ${e.revision}`));
    const title = document.createElement("strong");
    title.className = "entry-name";
    title.textContent = name;
    const text = document.createElement("p");
    text.className = "entry-text";
    text.textContent = e.headline === undefined ? "" : excerpt(e);
    const thumb = thumbnail(e);
    if (thumb !== undefined) li.classList.add("with-thumb");
    const actions = document.createElement("div");
    actions.className = "actions";
    const { edit, toggle, retract } = this.opts.actions;
    const { publishNow, history } = this.opts.actions;
    if (isDraft(e)) {
      actions.append(
        button("Edit", name, () => edit(e)),
        button("Publish now", name, () => publishNow(e)),
        button("Delete", name, () => retract(e)),
        button("History", name, () => history(e)),
      );
      li.append(...(thumb === undefined ? [] : [thumb]), head, title, text, actions);
      return li;
    }
    actions.append(
      button("Correct", name, () => edit(e)),
      flagButton("Pinned", name, e.pinned, () => toggle(e, "pinned")),
      flagButton("Key event", name, e.keyEvent, () => toggle(e, "keyEvent")),
      flagButton("Breaking", name, e.breaking, () => toggle(e, "breaking")),
      button("Retract", name, () => retract(e)),
      button("History", name, () => history(e)),
    );
    li.append(...(thumb === undefined ? [] : [thumb]), head, title, text, actions);
    return li;
  }
}

/** The entry's first image, small (its smallest variant), beside the row. */
function thumbnail(e: Entry): HTMLImageElement | undefined {
  const first = e.media?.[0];
  if (first === undefined) return undefined;
  const img = document.createElement("img");
  img.className = "thumb";
  img.src = (first.variants[0] ?? first).url;
  img.alt = ""; // the row names the entry; the picture adds nothing a listener needs
  img.width = 64;
  img.height = Math.max(1, Math.round((64 * first.height) / first.width));
  img.loading = "lazy";
  return img;
}

function span(className: string, text: string): HTMLSpanElement {
  const s = document.createElement("span");
  s.className = className;
  s.textContent = text;
  return s;
}

/**
 * An action on one entry. Its accessible name starts with the words on the button, then names
 * the entry ("Retract “Polls close”"), so voice-control users can say what they see (WCAG 2.5.3).
 */
function button(label: string, entryName: string, onClick: () => void): HTMLButtonElement {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.setAttribute("aria-label", `${label} “${entryName}”`);
  b.addEventListener("click", onClick);
  return b;
}

/** A flag as a toggle button: aria-pressed says whether it is on. */
function flagButton(label: string, entryName: string, on: boolean, onClick: () => void): HTMLButtonElement {
  const b = button(label, entryName, onClick);
  b.className = "flag";
  b.setAttribute("aria-pressed", String(on));
  return b;
}
