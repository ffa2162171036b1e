/**
 * Nothing lost while typing. The entry being composed is written to localStorage a moment after
 * each change (text, headline, images with their alt/caption/credit, embeds, flags, byline,
 * schedule), so a reload or a crashed tab brings it back; and, once it has text, a copy is kept
 * on the server as a draft (the API's drafts), so it outlives this browser too. The copy is
 * discarded when the entry goes out. What is read back from storage is checked first.
 */
import type { Entry, MediaItem } from "@liveline/protocol";
import { authorOf, type BylineFields } from "./byline.js";
import { api } from "./console-api.js";

export interface ComposerState extends BylineFields {
  headline: string;
  body: string;
  pinned: boolean;
  keyEvent: boolean;
  breaking: boolean;
  publishAt: string;
  correction: string;
  /** Uploaded images with the fields typed for them. */
  media: MediaItem[];
  embeds: string[];
}

export interface Saved {
  v: 1;
  feedId: string;
  savedAt: string;
  state: ComposerState;
  /** The Idempotency-Key of the entry being composed: a retry after a reload is still stored once. */
  key: string;
  /** A correction in progress: the entry as it was opened (the merge base) and its ETag. */
  editing?: { entry: Entry; etag: string | null };
  /** The server draft that keeps a copy of a new entry. */
  serverDraftId?: string;
}

// The console carries no zod (it stays out of browser bundles): what storage gives back is
// checked by hand, field by field, before it is used.
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === "string";
const isBool = (v: unknown): v is boolean => typeof v === "boolean";

function isMediaItem(v: unknown): v is MediaItem {
  return (
    isObj(v) &&
    isStr(v.id) &&
    isStr(v.url) &&
    typeof v.width === "number" &&
    typeof v.height === "number" &&
    Array.isArray(v.variants) &&
    v.variants.every((x) => isObj(x) && isStr(x.url)) &&
    ["alt", "caption", "credit"].every((k) => v[k] === undefined || isStr(v[k]))
  );
}

/** An entry as the API gave it (enough of it to edit and merge against). */
export function isEntry(v: unknown): v is Entry {
  return (
    isObj(v) &&
    isStr(v.id) &&
    isStr(v.feedId) &&
    typeof v.revision === "number" &&
    isStr(v.body) &&
    (v.headline === undefined || isStr(v.headline)) &&
    isBool(v.pinned) &&
    isBool(v.keyEvent) &&
    isBool(v.breaking) &&
    isStr(v.publishedAt)
  );
}

function isState(v: unknown): v is ComposerState {
  return (
    isObj(v) &&
    ["headline", "body", "author", "publishAt", "correction"].every((k) => isStr(v[k])) &&
    ["authorRole", "authorPicture"].every((k) => v[k] === undefined || isStr(v[k])) &&
    ["pinned", "keyEvent", "breaking"].every((k) => isBool(v[k])) &&
    Array.isArray(v.media) &&
    v.media.every(isMediaItem) &&
    Array.isArray(v.embeds) &&
    v.embeds.every(isStr)
  );
}

function isSaved(v: unknown): v is Saved {
  return (
    isObj(v) &&
    v.v === 1 &&
    isStr(v.feedId) &&
    isStr(v.savedAt) &&
    isStr(v.key) &&
    isState(v.state) &&
    (v.serverDraftId === undefined || isStr(v.serverDraftId)) &&
    (v.editing === undefined ||
      (isObj(v.editing) && isEntry(v.editing.entry) && (v.editing.etag === null || isStr(v.editing.etag))))
  );
}

const STORAGE_KEY = "liveline-console-compose";
const LOCAL_DELAY_MS = 300;
/** The server copy follows after a pause in typing (and at least this often while typing on). */
const SERVER_DELAY_MS = 2_000;

export interface AutosaveDeps {
  /** What is being composed now, or undefined when there is nothing worth keeping. */
  snapshot: () => Omit<Saved, "v" | "savedAt" | "serverDraftId"> | undefined;
  /** Told when the server copy could not be written (the local one still is). */
  onServerError?: (err: unknown) => void;
}

export class Autosave {
  private localTimer: ReturnType<typeof setTimeout> | undefined;
  private serverTimer: ReturnType<typeof setTimeout> | undefined;
  private serverDraft: { feedId: string; id: string; created: boolean } | undefined;
  /** Paused until the console has looked for an entry to bring back (see resume). */
  private paused = true;
  private inflight: Promise<void> = Promise.resolve();

  constructor(private readonly d: AutosaveDeps) {
    // A tab being closed or reloaded writes at once (the debounce would lose the last keys).
    addEventListener("pagehide", () => this.saveLocal());
  }

  /** The server draft's id (the timeline leaves it out: it is the entry in the composer). */
  get draftId(): string | undefined {
    return this.serverDraft?.id;
  }

  /** Something in the composer changed. */
  changed(): void {
    if (this.paused) return;
    clearTimeout(this.localTimer);
    this.localTimer = setTimeout(() => this.saveLocal(), LOCAL_DELAY_MS);
    this.serverTimer ??= setTimeout(() => {
      this.serverTimer = undefined;
      this.inflight = this.inflight.then(() => this.saveServer());
    }, SERVER_DELAY_MS);
  }

  /** While the form itself sends or loads, autosaving stands aside. */
  pause(on: boolean): void {
    this.paused = on;
    if (on) {
      clearTimeout(this.localTimer);
      clearTimeout(this.serverTimer);
      this.serverTimer = undefined;
    }
  }

  /** What was being composed for `feedId` when the tab last wrote, if anything. */
  load(feedId: string): Saved | undefined {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (raw === null) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    if (!isSaved(parsed)) {
      localStorage.removeItem(STORAGE_KEY); // written by another version: not ours to read
      return undefined;
    }
    if (parsed.feedId !== feedId) return undefined;
    if (parsed.serverDraftId !== undefined) this.serverDraft = { feedId, id: parsed.serverDraftId, created: true };
    return parsed;
  }

  /** The entry went out (or was abandoned): forget the local copy and discard the server one. */
  async discard(): Promise<void> {
    this.forget();
    await this.inflight; // a copy being written now must not outlive the discard
    const draft = this.serverDraft;
    this.serverDraft = undefined;
    if (draft?.created !== true) return;
    await api
      .request("DELETE /v1/feeds/:feedId/entries/:entryId", { params: { feedId: draft.feedId, entryId: draft.id } })
      .catch(() => undefined); // gone already, or offline: a stale draft is visible and can be deleted
  }

  /** Forget the local copy; the server draft, if any, stays (it was saved as a draft on purpose). */
  forget(): void {
    clearTimeout(this.localTimer);
    clearTimeout(this.serverTimer);
    this.serverTimer = undefined;
    localStorage.removeItem(STORAGE_KEY);
  }

  /** The server draft now stands for itself (Save draft used it): the next entry gets its own. */
  release(): void {
    this.serverDraft = undefined;
  }

  private saveLocal(): void {
    if (this.paused) return;
    const now = this.d.snapshot();
    if (now === undefined) return void localStorage.removeItem(STORAGE_KEY);
    const saved: Saved = {
      v: 1,
      savedAt: new Date().toISOString(),
      ...now,
      ...(this.serverDraft?.feedId === now.feedId ? { serverDraftId: this.serverDraft.id } : {}),
    };
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(saved));
    } catch {
      // Storage full or denied (a private window): the server copy is still kept.
    }
  }

  /** Create or update the server copy of a new entry (a correction is not copied: it is not new). */
  private async saveServer(): Promise<void> {
    if (this.paused) return;
    const now = this.d.snapshot();
    if (now === undefined || now.editing !== undefined || now.state.body === "") return;
    const s = now.state;
    if (this.serverDraft?.feedId !== now.feedId)
      this.serverDraft = { feedId: now.feedId, id: `wip-${crypto.randomUUID()}`, created: false };
    const draft = this.serverDraft;
    const content = {
      body: s.body,
      headline: s.headline === "" ? null : s.headline,
      author: authorOf(s) ?? null,
      pinned: s.pinned,
      keyEvent: s.keyEvent,
      breaking: s.breaking,
      media: s.media.flatMap((m) =>
        m.alt === undefined || m.alt === ""
          ? [] // the server takes an image with its alt text only
          : [
              {
                id: m.id,
                alt: m.alt,
                ...(m.caption ? { caption: m.caption } : {}),
                ...(m.credit ? { credit: m.credit } : {}),
              },
            ],
      ),
      embeds: s.embeds.map((url) => ({ url })),
    };
    try {
      if (draft.created)
        await api.request("PATCH /v1/feeds/:feedId/entries/:entryId", {
          params: { feedId: draft.feedId, entryId: draft.id },
          body: content,
        });
      else {
        const { headline, author, ...rest } = content;
        await api.request("POST /v1/feeds/:feedId/entries", {
          params: { feedId: draft.feedId },
          body: {
            ...rest,
            id: draft.id,
            status: "draft",
            ...(headline === null ? {} : { headline }),
            ...(author === null ? {} : { author }),
          },
        });
        draft.created = true;
      }
      this.saveLocal(); // with the draft's id, so a reload keeps updating the same draft
    } catch (err) {
      this.d.onServerError?.(err);
    }
  }
}
