/**
 * The compose form: a new entry (publish now, save as draft, schedule) or a correction of a
 * published one. Publishing is safe on deadline: one Idempotency-Key per composed entry (a
 * double click or a retry after a lost answer stores it once), every send button disabled while
 * a request is out, and on failure the text stays where it is with the reason shown.
 */
import type { Entry } from "@liveline/protocol";
import { ApiError, call, describeError, feedPath } from "./console-api.js";
import type { Attachments } from "./attachments.js";
import type { Composer } from "./composer.js";
import { entryName } from "./timeline.js";

export type SendMode = "publish" | "draft" | "schedule";

export interface EntryFormUi {
  form: HTMLFormElement;
  title: HTMLElement;
  headline: HTMLInputElement;
  author: HTMLInputElement;
  pinned: HTMLInputElement;
  keyEvent: HTMLInputElement;
  breaking: HTMLInputElement;
  submit: HTMLButtonElement;
  cancel: HTMLButtonElement;
  /** Buttons that send (disabled together while a request is out). */
  senders: HTMLButtonElement[];
}

export interface EntryFormDeps {
  ui: EntryFormUi;
  composer: Composer;
  attachments: Attachments;
  feedId: () => string;
  say: (text: string, isError?: boolean) => void;
  /** The entry being corrected changed (null: back to composing a new one). */
  onEditing: (entryId: string | null) => void;
}

interface Editing {
  entry: Entry;
  /** The entry's ETag when the correction started: sent as If-Match. */
  etag: string | null;
}

export class EntryForm {
  private key = crypto.randomUUID();
  private sending = false;
  private editing: Editing | undefined;

  constructor(private readonly d: EntryFormDeps) {
    d.ui.form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      void this.send("publish");
    });
    d.ui.cancel.addEventListener("click", () => this.reset());
  }

  get editingId(): string | null {
    return this.editing?.entry.id ?? null;
  }

  /** Fields shared by publish and correction. */
  private fields() {
    const { ui, attachments } = this.d;
    const headline = ui.headline.value.trim();
    const author = ui.author.value.trim();
    return {
      headline,
      author,
      body: this.d.composer.html(),
      flags: { pinned: ui.pinned.checked, keyEvent: ui.keyEvent.checked, breaking: ui.breaking.checked },
      media: attachments.media(),
      embeds: attachments.embedRefs(),
    };
  }

  /** What the entry will look like once published (for the preview). */
  draftEntry(): Entry {
    const f = this.fields();
    const now = new Date().toISOString();
    const base = this.editing?.entry;
    return {
      id: base?.id ?? "preview",
      feedId: this.d.feedId() || "preview",
      revision: (base?.revision ?? 0) + 1,
      ...(f.headline === "" ? {} : { headline: f.headline }),
      body: f.body,
      ...(f.author === "" ? {} : { author: { name: f.author } }),
      ...f.flags,
      publishedAt: base?.publishedAt ?? now,
      updatedAt: now,
    };
  }

  /** Why the entry cannot go out yet, or undefined when it can. */
  private problem(): string | undefined {
    if (this.d.feedId() === "") return "Pick or create a feed first.";
    if (this.d.composer.html() === "") return "Write the entry's text first.";
    if (this.d.attachments.pending() > 0) return "Wait for the images to finish uploading.";
    const alt = this.d.attachments.missingAlt();
    if (alt !== undefined) {
      alt.focus();
      return "Every image needs alt text: describe what it shows.";
    }
    return undefined;
  }

  async send(mode: SendMode): Promise<void> {
    if (this.sending) return; // a double click, or Ctrl+Enter held down
    const problem = this.problem();
    if (problem !== undefined) return this.d.say(problem, true);
    this.setSending(true);
    try {
      if (this.editing === undefined) await this.publish(mode);
      else await this.correct(this.editing);
    } catch (err) {
      // The text, images and key stay: fixing the cause and sending again is one click, and
      // the same Idempotency-Key makes it safe if the first attempt did reach the server.
      this.d.say(`Not sent: ${describeError(err)}. Your text is kept.`, true);
    } finally {
      this.setSending(false);
    }
  }

  private async publish(mode: SendMode): Promise<void> {
    const f = this.fields();
    const entry = {
      body: f.body,
      ...(f.headline === "" ? {} : { headline: f.headline }),
      ...(f.author === "" ? {} : { author: { name: f.author } }),
      ...f.flags,
      ...(f.media.length > 0 ? { media: f.media } : {}),
      ...(f.embeds.length > 0 ? { embeds: f.embeds } : {}),
    };
    await call("POST", feedPath(this.d.feedId(), "/entries"), entry, { "idempotency-key": this.key });
    this.reset();
    this.d.say(mode === "publish" ? "Published." : "Saved.");
  }

  private async correct({ entry, etag }: Editing): Promise<void> {
    const f = this.fields();
    const patch = {
      body: f.body,
      headline: f.headline === "" ? null : f.headline,
      author: f.author === "" ? null : { name: f.author },
      ...f.flags,
      ...(f.media.length > 0 ? { media: f.media } : {}),
      ...(f.embeds.length > 0 ? { embeds: f.embeds } : {}),
    };
    const headers: Record<string, string> = etag === null ? {} : { "if-match": etag };
    try {
      await call("PATCH", feedPath(this.d.feedId(), `/entries/${encodeURIComponent(entry.id)}`), patch, headers);
    } catch (err) {
      if (err instanceof ApiError && err.code === "revision_conflict")
        throw new Error(
          `a colleague changed “${entryName(entry)}” after you opened it; copy your text, cancel, and correct it again`,
        );
      throw err;
    }
    this.reset();
    this.d.say("Correction saved.");
  }

  /** Load a published entry into the form to correct it. */
  async edit(entry: Entry): Promise<void> {
    let etag: string | null = null;
    let current = entry;
    try {
      const answer = await call<Entry>("GET", feedPath(this.d.feedId(), `/entries/${encodeURIComponent(entry.id)}`));
      current = answer.data;
      etag = answer.headers.get("etag");
    } catch (err) {
      return this.d.say(`Could not open the entry: ${describeError(err)}`, true);
    }
    const { ui } = this.d;
    this.editing = { entry: current, etag };
    this.d.attachments.clear();
    ui.title.textContent = `Correct “${entryName(current)}”`;
    ui.headline.value = current.headline ?? "";
    this.d.composer.setHtml(current.body);
    ui.author.value = current.author?.name ?? "";
    ui.pinned.checked = current.pinned;
    ui.keyEvent.checked = current.keyEvent;
    ui.breaking.checked = current.breaking;
    ui.submit.textContent = "Save correction";
    ui.cancel.hidden = false;
    this.d.onEditing(current.id);
    ui.headline.focus();
  }

  reset(): void {
    const { ui } = this.d;
    this.editing = undefined;
    this.key = crypto.randomUUID();
    ui.form.reset();
    this.d.composer.clear();
    this.d.attachments.clear();
    ui.title.textContent = "New entry";
    ui.submit.textContent = "Publish";
    ui.cancel.hidden = true;
    this.d.onEditing(null);
  }

  private setSending(on: boolean): void {
    this.sending = on;
    for (const b of this.d.ui.senders) b.disabled = on;
    this.d.ui.form.setAttribute("aria-busy", String(on));
  }
}
