/**
 * The images and embeds of the entry being composed. Images are uploaded at once (POST
 * /v1/media, with progress) and need alt text before the entry can go out; caption and credit
 * are optional. Embeds are https links (a video, a post) the server recognises by URL.
 */
import type { MediaItem } from "@liveline/protocol";
import { uploadMedia } from "./console-api.js";
import { describeUploadError } from "./upload-errors.js";

/** An image as an entry's `media` carries it when publishing. */
export interface MediaRef {
  id: string;
  alt: string;
  caption?: string;
  credit?: string;
}

interface Upload {
  key: number;
  item?: MediaItem;
  error?: string;
  row: HTMLLIElement;
  alt: HTMLInputElement;
  caption: HTMLInputElement;
  credit: HTMLInputElement;
}

export interface AttachmentsOptions {
  mediaList: HTMLUListElement;
  embedList: HTMLUListElement;
  onChange: () => void;
  say: (text: string, isError?: boolean) => void;
}

let nextKey = 1;

/** An upload that ended without the server taking the image. */
export interface FailedUpload {
  name: string;
  reason: string;
}

export class Attachments {
  private uploads: Upload[] = [];
  private embeds: string[] = [];
  /** Uploads still running, each settling with its failure (undefined when it was stored). */
  private running = new Set<Promise<FailedUpload | undefined>>();
  /** Set while the form waits for the uploads to end: their news then goes to the form. */
  private quiet = false;

  constructor(private readonly opts: AttachmentsOptions) {}

  /** Start uploading image files (picked, pasted or dropped). */
  add(files: File[]): void {
    for (const file of files) this.upload(file);
  }

  addEmbed(url: string): void {
    if (this.embeds.includes(url)) return;
    this.embeds.push(url);
    this.renderEmbeds();
    this.opts.onChange();
  }

  /** Uploads still running: the entry cannot go out before they end. */
  pending(): number {
    return this.uploads.filter((u) => u.item === undefined && u.error === undefined).length;
  }

  /**
   * Wait until every running upload has ended (Publish pressed during an upload waits for it
   * rather than refusing); resolves with those that failed meanwhile. While waiting, an upload's
   * own messages stay quiet: the form says what happens next.
   */
  async settled(): Promise<FailedUpload[]> {
    const failed: FailedUpload[] = [];
    this.quiet = true;
    try {
      while (this.running.size > 0) {
        const ended = await Promise.all([...this.running]);
        for (const f of ended) if (f !== undefined) failed.push(f);
      }
    } finally {
      this.quiet = false;
    }
    return failed;
  }

  /** The first image still lacking alt text (its field, to focus), if any. */
  missingAlt(): HTMLInputElement | undefined {
    return this.uploads.find((u) => u.item !== undefined && u.alt.value.trim() === "")?.alt;
  }

  media(): MediaRef[] {
    return this.uploads.flatMap((u) => {
      if (u.item === undefined) return [];
      const caption = u.caption.value.trim();
      const credit = u.credit.value.trim();
      return [
        { id: u.item.id, alt: u.alt.value.trim(), ...(caption ? { caption } : {}), ...(credit ? { credit } : {}) },
      ];
    });
  }

  embedRefs(): { url: string }[] {
    return this.embeds.map((url) => ({ url }));
  }

  /** The uploaded images as readers will get them (for the preview). */
  previewMedia(): (MediaItem & { alt: string })[] {
    return this.uploads.flatMap((u) => {
      if (u.item === undefined) return [];
      const ref = this.media().find((m) => m.id === u.item?.id);
      return ref === undefined ? [] : [{ ...u.item, ...ref }];
    });
  }

  clear(): void {
    this.uploads = [];
    this.embeds = [];
    this.opts.mediaList.replaceChildren();
    this.renderEmbeds();
  }

  /** Show an entry's own images and embeds (when opening it to edit). */
  load(media: MediaItem[], embedUrls: string[]): void {
    this.clear();
    for (const item of media) {
      const upload = this.row(item.alt ?? item.id);
      this.uploaded(upload, item);
      upload.alt.value = item.alt ?? "";
      upload.caption.value = item.caption ?? "";
      upload.credit.value = item.credit ?? "";
    }
    this.embeds = [...embedUrls];
    this.renderEmbeds();
  }

  private upload(file: File): void {
    const upload = this.row(file.name);
    const progress = document.createElement("progress");
    progress.max = 100;
    progress.value = 0;
    progress.setAttribute("aria-label", `Uploading ${file.name}`);
    upload.row.insertBefore(progress, upload.row.querySelector("button"));
    this.opts.say(`Uploading ${file.name}…`);
    const done: Promise<FailedUpload | undefined> = uploadMedia(file, (f) => (progress.value = Math.round(f * 100)))
      .then((item) => {
        progress.remove();
        this.uploaded(upload, item);
        if (!this.quiet && upload.alt.value.trim() === "") {
          this.opts.say(`${file.name} uploaded. Describe it in the alt text.`);
          // Only when the reporter is not typing elsewhere (the caption, the text): never steal focus.
          if (!isTyping()) upload.alt.focus();
        }
        this.opts.onChange();
        return undefined;
      })
      .catch((err: unknown) => {
        upload.error = describeUploadError(err);
        progress.remove();
        upload.row.querySelector(".upload-fields")?.remove();
        const p = document.createElement("span");
        p.className = "error";
        p.textContent = `Not uploaded: ${upload.error}`;
        upload.row.insertBefore(p, upload.row.querySelector("button"));
        if (!this.quiet) this.opts.say(`${file.name} was not uploaded. ${upload.error}`, true);
        this.uploads = this.uploads.filter((u) => u !== upload);
        this.opts.onChange();
        return { name: file.name, reason: upload.error };
      })
      .finally(() => this.running.delete(done));
    this.running.add(done);
  }

  /** A thumbnail in place of the progress bar, once the server has the image. */
  private uploaded(upload: Upload, item: MediaItem): void {
    upload.item = item;
    const img = document.createElement("img");
    const smallest = item.variants[0] ?? item;
    img.src = smallest.url;
    img.alt = "";
    img.width = 96;
    img.height = Math.max(1, Math.round((96 * item.height) / item.width));
    upload.row.insertBefore(img, upload.row.firstChild);
  }

  /** One image's row: its name, alt text (required), caption and credit, and Remove. */
  private row(name: string): Upload {
    const key = nextKey++;
    const row = document.createElement("li");
    row.className = "upload";
    const label = document.createElement("span");
    label.className = "file-name";
    label.textContent = name;
    const field = (id: string, required: boolean, max: number): HTMLInputElement => {
      const input = document.createElement("input");
      input.type = "text";
      input.id = `${id}-${key}`;
      input.required = required;
      input.maxLength = max;
      input.addEventListener("input", () => this.opts.onChange());
      return input;
    };
    const upload: Upload = {
      key,
      row,
      alt: field("alt", true, 1000),
      caption: field("caption", false, 2000),
      credit: field("credit", false, 300),
    };
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "Remove";
    remove.setAttribute("aria-label", `Remove ${name}`);
    remove.addEventListener("click", () => {
      this.uploads = this.uploads.filter((u) => u !== upload);
      row.remove();
      this.opts.onChange();
    });
    const fields = document.createElement("div");
    fields.className = "upload-fields";
    fields.append(
      labelled(upload.alt, "Alt text (required: what the image shows)"),
      labelled(upload.caption, "Caption (optional)"),
      labelled(upload.credit, "Credit (optional)"),
    );
    row.append(label, remove, fields);
    this.opts.mediaList.append(row);
    this.uploads.push(upload);
    return upload;
  }

  private renderEmbeds(): void {
    this.opts.embedList.replaceChildren(
      ...this.embeds.map((url) => {
        const li = document.createElement("li");
        const a = document.createElement("span");
        a.className = "embed-url";
        a.textContent = url;
        const remove = document.createElement("button");
        remove.type = "button";
        remove.textContent = "Remove";
        remove.setAttribute("aria-label", `Remove embed ${url}`);
        remove.addEventListener("click", () => {
          this.embeds = this.embeds.filter((u) => u !== url);
          this.renderEmbeds();
          this.opts.onChange();
        });
        li.append(a, remove);
        return li;
      }),
    );
  }
}

function isTyping(): boolean {
  const a = document.activeElement;
  return (
    a instanceof HTMLInputElement ||
    a instanceof HTMLTextAreaElement ||
    (a instanceof HTMLElement && a.isContentEditable)
  );
}

function labelled(input: HTMLInputElement, text: string): HTMLDivElement {
  const label = document.createElement("label");
  label.htmlFor = input.id;
  label.textContent = text;
  const box = document.createElement("div");
  box.append(label, input);
  return box;
}
