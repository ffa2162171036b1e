/**
 * The compose form: a new entry (publish now, save as draft, schedule) or a correction of a
 * published one. Publishing is safe on deadline: one Idempotency-Key per composed entry (a
 * double click or a retry after a lost answer stores it once), every send button disabled while
 * a request is out, and on failure the text stays where it is with the reason shown.
 */
import type { AlertReach, Entry } from "@liveline/protocol";
import { embedProviderOf } from "@liveline/protocol/constants";
import { ApiError, api, describeError } from "./console-api.js";
import type { Attachments, FailedUpload } from "./attachments.js";
import { Autosave, isEntry, type ComposerState, type Saved } from "./autosave.js";
import type { Byline } from "./byline.js";
import { askAboutConflict, type ConflictUi } from "./conflict-dialog.js";
import type { Composer } from "./composer.js";
import { entryName } from "./timeline.js";

export type SendMode = "publish" | "draft" | "schedule";

export interface EntryFormUi {
  form: HTMLFormElement;
  title: HTMLElement;
  headline: HTMLInputElement;
  pinned: HTMLInputElement;
  keyEvent: HTMLInputElement;
  breaking: HTMLInputElement;
  submit: HTMLButtonElement;
  cancel: HTMLButtonElement;
  /** When to publish, for Schedule (a datetime-local field, the editor's own clock). */
  publishAt: HTMLInputElement;
  /** The correction note readers see, when correcting a published entry. */
  correction: HTMLInputElement;
  correctionBox: HTMLElement;
  /** The button of each way to send (disabled together while a request is out). */
  senders: Record<SendMode, HTMLButtonElement>;
  /** Controls for drafts only (Save draft, Schedule): hidden while correcting a published entry. */
  draftOnly: HTMLElement[];
  /** The edit-conflict dialog. */
  conflict: ConflictUi;
}

/** What a 412 carries: the entry as it is now and its ETag. */
interface Conflict {
  etag: string;
  entry: Entry;
}

function conflictOf(err: unknown): Conflict | undefined {
  if (!(err instanceof ApiError) || err.code !== "revision_conflict") return undefined;
  const d = err.details;
  if (typeof d !== "object" || d === null) return undefined;
  const { etag, entry } = d as { etag?: unknown; entry?: unknown };
  return typeof etag === "string" && isEntry(entry) ? { etag, entry } : undefined;
}

export interface EntryFormDeps {
  ui: EntryFormUi;
  /** The byline fields: the signed-in person's by default, editable per entry. */
  byline: Byline;
  composer: Composer;
  attachments: Attachments;
  feedId: () => string;
  say: (text: string, isError?: boolean) => void;
  /** The entry being corrected changed (null: back to composing a new one). */
  onEditing: (entryId: string | null) => void;
  /** Something was saved: drafts may have changed. */
  onSent: () => void;
  /** Asks before an entry goes out marked breaking (its alert): who it reaches, or null: not sent. */
  confirmAlert: (entry: { headline?: string | undefined; body: string }) => Promise<AlertReach | null>;
  /** An entry's alert was set off: it leaves in `undoSeconds` unless undone. */
  onAlert: (entryId: string, name: string, undoSeconds: number) => void;
}

interface Editing {
  entry: Entry;
  /** The entry's ETag when the correction started: sent as If-Match. */
  etag: string | null;
}

export class EntryForm {
  private key: string = crypto.randomUUID();
  private sending = false;
  private editing: Editing | undefined;
  readonly autosave: Autosave;

  constructor(private readonly d: EntryFormDeps) {
    this.autosave = new Autosave({ snapshot: () => this.snapshot() });
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
    const author = this.d.byline.value();
    return {
      headline,
      author,
      body: this.d.composer.html(),
      flags: { pinned: ui.pinned.checked, keyEvent: ui.keyEvent.checked, breaking: ui.breaking.checked },
      media: attachments.media(),
      embeds: attachments.embedRefs(),
    };
  }

  /** The form as autosave keeps it, or undefined when there is nothing worth keeping. */
  private snapshot(): Omit<Saved, "v" | "savedAt" | "serverDraftId"> | undefined {
    const { ui } = this.d;
    const f = this.fields();
    const state: ComposerState = {
      headline: ui.headline.value,
      body: f.body,
      ...this.d.byline.fields(),
      ...f.flags,
      publishAt: ui.publishAt.value,
      correction: ui.correction.value,
      media: this.d.attachments.previewMedia(),
      embeds: f.embeds.map((e) => e.url),
    };
    const empty = state.body === "" && state.headline.trim() === "" && state.media.length === 0;
    if (empty && state.embeds.length === 0 && this.editing === undefined) return undefined;
    return {
      feedId: this.d.feedId(),
      state,
      key: this.key,
      ...(this.editing === undefined ? {} : { editing: this.editing }),
    };
  }

  /** Bring back what autosave kept (after a reload or a crashed tab). */
  restore(saved: Saved): void {
    const { ui } = this.d;
    const s = saved.state;
    this.key = saved.key;
    if (saved.editing !== undefined) this.open(saved.editing.entry, saved.editing.etag);
    ui.headline.value = s.headline;
    this.d.composer.setHtml(s.body);
    this.d.byline.restore(s);
    ui.pinned.checked = s.pinned;
    ui.keyEvent.checked = s.keyEvent;
    ui.breaking.checked = s.breaking;
    ui.publishAt.value = s.publishAt;
    ui.correction.value = s.correction;
    this.d.attachments.load(s.media, s.embeds);
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
      ...(f.author === undefined ? {} : { author: f.author }),
      ...f.flags,
      ...(f.media.length > 0 ? { media: this.d.attachments.previewMedia() } : {}),
      ...(f.embeds.length > 0
        ? { embeds: f.embeds.map((e) => ({ url: e.url, provider: embedProviderOf(new URL(e.url)) })) }
        : {}),
      ...(this.correctionsPreview(base) ?? {}),
      publishedAt: base?.publishedAt ?? now,
      updatedAt: now,
    };
  }

  /** The entry's corrections, with the one being written, as readers will see them. */
  private correctionsPreview(base: Entry | undefined): Pick<Entry, "corrections"> | undefined {
    const text = this.d.ui.correction.value.trim();
    const list = [...(base?.corrections ?? []), ...(text === "" ? [] : [{ at: new Date().toISOString(), text }])];
    return list.length === 0 ? undefined : { corrections: list };
  }

  /** The Schedule field as an ISO time, or why it cannot be used. */
  private scheduledTime(): string | Error {
    const raw = this.d.ui.publishAt.value;
    const at = raw === "" ? NaN : new Date(raw).getTime();
    if (Number.isNaN(at)) return new Error("Choose the date and time to publish at first.");
    if (at <= Date.now()) return new Error("The publication time must be in the future.");
    return new Date(at).toISOString();
  }

  /** Why the entry cannot go out yet, or undefined when it can. */
  private problem(): string | undefined {
    if (this.d.feedId() === "") return "Pick or create a feed first.";
    if (this.d.composer.html() === "") return "Write the entry's text first.";
    const alt = this.d.attachments.missingAlt();
    if (alt !== undefined) {
      alt.focus();
      return "Every image needs alt text: describe what it shows.";
    }
    return undefined;
  }

  async send(mode: SendMode): Promise<void> {
    if (this.sending) return; // a double click, or Ctrl+Enter held down
    if (this.d.attachments.pending() > 0) return this.sendAfterUploads(mode);
    const problem = this.problem();
    if (problem !== undefined) return this.d.say(problem, true);
    const at = mode === "schedule" ? this.scheduledTime() : undefined;
    if (at instanceof Error) {
      this.d.ui.publishAt.focus();
      return this.d.say(at.message, true);
    }
    this.setSending(true);
    this.autosave.pause(true);
    try {
      if (this.editing === undefined) await this.publish(mode, at);
      else await this.correct(this.editing, mode, at);
    } catch (err) {
      // The text, images and key stay: fixing the cause and sending again is one click, and
      // the same Idempotency-Key makes it safe if the first attempt did reach the server.
      this.d.say(`Not sent: ${describeError(err)}. Your text is kept.`, true);
    } finally {
      this.setSending(false);
      this.autosave.pause(false);
      this.autosave.changed();
    }
  }

  /**
   * Publish (or save) pressed while a photo is still uploading: the button says it is waiting,
   * the upload ends, and the entry goes out then; a failed upload or a missing alt text stops
   * it with the reason, and the text stays.
   */
  private async sendAfterUploads(mode: SendMode): Promise<void> {
    const { ui } = this.d;
    const button = ui.senders[mode];
    const label = button.textContent;
    this.setSending(true);
    button.textContent = "Waiting for the upload…";
    const n = this.d.attachments.pending();
    this.d.say(`Waiting for ${n === 1 ? "the photo" : `${n} photos`} to finish uploading; then it goes out.`);
    let failed: FailedUpload[];
    try {
      failed = await this.d.attachments.settled();
    } finally {
      button.textContent = label;
      this.setSending(false);
    }
    const first = failed[0];
    if (first !== undefined)
      return this.d.say(
        `Not sent: ${first.name} was not uploaded. ${first.reason} Remove it or pick another photo.`,
        true,
      );
    await this.send(mode);
  }

  /**
   * The alert an entry sets off when it goes out breaking, confirmed first: undefined when it sets
   * off none, null when the editor did not confirm it (then nothing is sent).
   */
  private async alertFor(alerts: boolean): Promise<AlertReach | null | undefined> {
    if (!alerts) return undefined;
    const f = this.fields();
    const reach = await this.d.confirmAlert({ ...(f.headline === "" ? {} : { headline: f.headline }), body: f.body });
    if (reach === null) this.d.say("Not sent: the alert was not confirmed. Your text is kept.");
    return reach;
  }

  private async publish(mode: SendMode, at: string | undefined): Promise<void> {
    const f = this.fields();
    const alert = await this.alertFor(mode === "publish" && f.flags.breaking);
    if (alert === null) return;
    const name = entryName({ ...(f.headline === "" ? {} : { headline: f.headline }), body: f.body });
    const entry = {
      body: f.body,
      ...(f.headline === "" ? {} : { headline: f.headline }),
      ...(f.author === undefined ? {} : { author: f.author }),
      ...f.flags,
      ...(f.media.length > 0 ? { media: f.media } : {}),
      ...(f.embeds.length > 0 ? { embeds: f.embeds } : {}),
      ...(mode === "draft" ? { status: "draft" as const } : {}),
      ...(at === undefined ? {} : { publishAt: at }),
    };
    const { data } = await api.request("POST /v1/feeds/:feedId/entries", {
      params: { feedId: this.d.feedId() },
      body: entry,
      headers: { "Idempotency-Key": this.key },
    });
    this.reset();
    this.d.say(done(mode, at));
    this.d.onSent();
    if (alert !== undefined && data.entryId !== undefined) this.d.onAlert(data.entryId, name, alert.undoSeconds);
  }

  /** Save changes to an entry; a draft may also be scheduled or published from here. */
  private async correct({ entry, etag }: Editing, mode: SendMode, at: string | undefined): Promise<void> {
    const f = this.fields();
    const isDraft = entry.status === "draft" || entry.status === "scheduled";
    const correction = this.d.ui.correction.value.trim();
    const goesOut = isDraft ? mode === "publish" : !entry.breaking;
    const alert = await this.alertFor(goesOut && f.flags.breaking);
    if (alert === null) return;
    const patch = {
      body: f.body,
      headline: f.headline === "" ? null : f.headline,
      author: f.author ?? null,
      ...f.flags,
      media: f.media,
      embeds: f.embeds,
      ...(!isDraft && correction !== "" ? { correction } : {}),
      ...(isDraft && mode === "schedule" ? { publishAt: at } : {}),
      ...(isDraft && mode === "draft" && entry.status === "scheduled" ? { publishAt: null } : {}),
    };
    const params = { feedId: this.d.feedId(), entryId: entry.id };
    try {
      await api.request("PATCH /v1/feeds/:feedId/entries/:entryId", {
        params,
        body: patch,
        ...(etag === null ? {} : { headers: { "If-Match": etag } }),
      });
    } catch (err) {
      const conflict = conflictOf(err);
      if (conflict === undefined) throw err;
      return this.resolve(entry, conflict, mode, at);
    }
    // Changes of one feed are applied in the order they were accepted: the edit lands first.
    if (isDraft && mode === "publish") await api.request("POST /v1/feeds/:feedId/entries/:entryId/publish", { params });
    this.reset();
    this.d.say(isDraft ? done(mode, at) : "Correction saved.");
    this.d.onSent();
    if (alert !== undefined) this.d.onAlert(entry.id, entryName(entry), alert.undoSeconds);
  }

  /**
   * A colleague saved the entry after it was opened here: show both versions and the merge, and
   * go on with the editor's choice. From then on the form edits their version (its ETag).
   */
  private async resolve(base: Entry, now: Conflict, mode: SendMode, at: string | undefined): Promise<void> {
    const { ui } = this.d;
    const mine = { headline: ui.headline.value.trim(), body: this.d.composer.html() };
    const choice = await askAboutConflict(ui.conflict, base, now.entry, mine);
    if (choice.take === "later") {
      this.d.say(`Not saved: a colleague changed “${entryName(now.entry)}”. Your text is kept.`, true);
      return;
    }
    this.editing = { entry: now.entry, etag: now.etag };
    if (choice.take === "mine") return this.correct(this.editing, mode, at);
    if (choice.take === "theirs") {
      ui.headline.value = now.entry.headline ?? "";
      this.d.composer.setHtml(now.entry.body);
      this.d.say("Their version is in the form. Nothing was saved.");
    } else {
      ui.headline.value = choice.headline;
      this.d.composer.setHtml(choice.body);
      this.d.say("The merge is in the form: check it, then save the correction.");
    }
    this.autosave.changed();
  }

  /** Load a published entry into the form to correct it. */
  async edit(entry: Entry): Promise<void> {
    let etag: string | null = null;
    let current = entry;
    try {
      const answer = await api.request("GET /v1/feeds/:feedId/entries/:entryId", {
        params: { feedId: this.d.feedId(), entryId: entry.id },
      });
      current = answer.data;
      etag = answer.headers.get("etag");
    } catch (err) {
      return this.d.say(`Could not open the entry: ${describeError(err)}`, true);
    }
    // A new entry being written is kept on the server as a draft (the timeline shows it).
    this.autosave.release();
    this.open(current, etag);
    this.d.ui.headline.focus();
    this.autosave.changed();
  }

  /** Fill the form with `current` (opened with `etag`) for editing. */
  private open(current: Entry, etag: string | null): void {
    const { ui } = this.d;
    this.editing = { entry: current, etag };
    this.d.attachments.clear();
    const isDraft = current.status === "draft" || current.status === "scheduled";
    ui.title.textContent = `${isDraft ? "Edit" : "Correct"} “${entryName(current)}”`;
    ui.headline.value = current.headline ?? "";
    this.d.composer.setHtml(current.body);
    this.d.byline.fill(current.author);
    ui.pinned.checked = current.pinned;
    ui.keyEvent.checked = current.keyEvent;
    ui.breaking.checked = current.breaking;
    ui.submit.textContent = isDraft ? "Publish" : "Save correction";
    ui.cancel.hidden = false;
    ui.correctionBox.hidden = isDraft;
    for (const b of ui.draftOnly) b.hidden = !isDraft;
    this.d.attachments.load(
      current.media ?? [],
      (current.embeds ?? []).map((e) => e.url),
    );
    this.d.onEditing(current.id);
  }

  reset(): void {
    const { ui } = this.d;
    this.editing = undefined;
    this.key = crypto.randomUUID();
    ui.form.reset();
    this.d.byline.reset();
    this.d.composer.clear();
    this.d.attachments.clear();
    void this.autosave.discard();
    ui.title.textContent = "New entry";
    ui.submit.textContent = "Publish";
    ui.cancel.hidden = true;
    ui.correctionBox.hidden = true;
    for (const b of ui.draftOnly) b.hidden = false;
    this.d.onEditing(null);
  }

  private setSending(on: boolean): void {
    this.sending = on;
    for (const b of Object.values(this.d.ui.senders)) b.disabled = on;
    this.d.ui.form.setAttribute("aria-busy", String(on));
  }
}

function done(mode: SendMode, at: string | undefined): string {
  if (mode === "draft") return "Draft saved.";
  if (mode === "schedule" && at !== undefined)
    return `Scheduled for ${new Date(at).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })}.`;
  return "Published.";
}
