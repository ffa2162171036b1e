/**
 * The images and embeds of the entry being composed. Images are uploaded at once (POST
 * /v1/media, with progress) and need alt text before the entry can go out; caption and credit
 * are optional. Embeds are https links (a video, a post) the server recognises by URL.
 */
import type { MediaItem } from "@liveline/protocol";
import { describeError, uploadMedia } from "./console-api.js";

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

export class Attachments {
  private uploads: Upload[] = [];
  private embeds: string[] = [];

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

  private upload(file: File): void {
    const key = nextKey++;
    const row = document.createElement("li");
    row.className = "upload";
    const name = document.createElement("span");
    name.className = "file-name";
    name.textContent = file.name;
    const progress = document.createElement("progress");
    progress.max = 100;
    progress.value = 0;
    progress.setAttribute("aria-label", `Uploading ${file.name}`);
    const field = (label: string, required: boolean): HTMLInputElement => {
      const input = document.createElement("input");
      input.type = "text";
      input.id = `${label.split(" ")[0]?.toLowerCase() ?? "field"}-${key}`;
      input.required = required;
      input.addEventListener("input", () => this.opts.onChange());
      return input;
    };
    const upload: Upload = {
      key,
      row,
      alt: field("Alt text", true),
      caption: field("Caption", false),
      credit: field("Credit", false),
    };
    upload.alt.maxLength = 1000;
    upload.caption.maxLength = 2000;
    upload.credit.maxLength = 300;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "Remove";
    remove.setAttribute("aria-label", `Remove ${file.name}`);
    remove.addEventListener("click", () => {
      this.uploads = this.uploads.filter((u) => u.key !== key);
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
    row.append(name, progress, remove, fields);
    this.opts.mediaList.append(row);
    this.uploads.push(upload);
    this.opts.say(`Uploading ${file.name}…`);
    uploadMedia(file, (f) => (progress.value = Math.round(f * 100)))
      .then((item) => {
        upload.item = item;
        const img = document.createElement("img");
        const smallest = item.variants[0] ?? item;
        img.src = smallest.url;
        img.alt = "";
        img.width = 96;
        img.height = Math.max(1, Math.round((96 * item.height) / item.width));
        progress.replaceWith(img);
        this.opts.say(`${file.name} uploaded. Describe it in the alt text.`);
        upload.alt.focus();
        this.opts.onChange();
      })
      .catch((err: unknown) => {
        upload.error = describeError(err);
        progress.remove();
        fields.remove();
        const p = document.createElement("span");
        p.className = "error";
        p.textContent = `Not uploaded: ${upload.error}`;
        row.insertBefore(p, remove);
        this.opts.say(`${file.name} was not uploaded: ${upload.error}`, true);
        this.uploads = this.uploads.filter((u) => u.key !== key);
        this.opts.onChange();
      });
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

function labelled(input: HTMLInputElement, text: string): HTMLDivElement {
  const label = document.createElement("label");
  label.htmlFor = input.id;
  label.textContent = text;
  const box = document.createElement("div");
  box.append(label, input);
  return box;
}
