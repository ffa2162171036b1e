/**
 * The entry composer: a Tiptap (ProseMirror) editor whose schema is the server's allowlist
 * (server/src/feed/sanitize.ts): paragraphs, h2/h3, bold, italic, https/mailto links, lists,
 * quotes and line breaks. ProseMirror parses whatever is pasted into that schema, so Word's and
 * Google Docs' spans, classes and styles never reach the entry and nothing the editor shows is
 * dropped by the server afterwards.
 */
import { Editor } from "@tiptap/core";
import StarterKit from "@tiptap/starter-kit";
import { cleanPastedHtml, describePasteLoss } from "./paste-clean.js";

export interface ComposerOptions {
  element: HTMLElement;
  toolbar: HTMLElement;
  /** The visible label's id: the editable area is named by it. */
  labelledBy: string;
  onChange: () => void;
  /** A pasted https link alone (a video or post): true if it was taken as an embed. */
  onPastedUrl: (url: string) => boolean;
  /** Image files pasted or dropped into the text. */
  onFiles: (files: File[]) => void;
  /** What a paste could not keep (an image inside the text, a table made into rows), in words. */
  onPasteNotice: (text: string) => void;
}

type Command = "bold" | "italic" | "link" | "heading2" | "heading3" | "bulletList" | "orderedList" | "blockquote";

const BUTTONS: { cmd: Command; label: string; text: string; keys: string }[] = [
  { cmd: "bold", label: "Bold", text: "B", keys: "Control+B" },
  { cmd: "italic", label: "Italic", text: "I", keys: "Control+I" },
  { cmd: "link", label: "Link", text: "Link", keys: "Control+K" },
  { cmd: "heading2", label: "H2 subheading", text: "H2", keys: "Control+Alt+2" },
  { cmd: "heading3", label: "H3 minor subheading", text: "H3", keys: "Control+Alt+3" },
  { cmd: "bulletList", label: "Bulleted list", text: "Bulleted", keys: "Control+Shift+8" },
  { cmd: "orderedList", label: "Numbered list", text: "Numbered", keys: "Control+Shift+7" },
  { cmd: "blockquote", label: "Quote", text: "“ Quote", keys: "Control+Shift+B" },
];

const SINGLE_URL = /^https:\/\/\S+$/;

export class Composer {
  readonly editor: Editor;
  private readonly buttons = new Map<Command, HTMLButtonElement>();

  constructor(private readonly opts: ComposerOptions) {
    this.editor = new Editor({
      element: opts.element,
      extensions: [
        StarterKit.configure({
          heading: { levels: [2, 3] },
          code: false,
          codeBlock: false,
          strike: false,
          underline: false,
          horizontalRule: false,
          link: {
            openOnClick: false,
            autolink: true,
            protocols: ["mailto"],
            defaultProtocol: "https",
            isAllowedUri: (url) => /^(https:|mailto:)/i.test(url),
          },
        }),
      ],
      editorProps: {
        attributes: {
          role: "textbox",
          "aria-multiline": "true",
          "aria-labelledby": opts.labelledBy,
          class: "editor-text",
        },
        transformPastedHTML: (html) =>
          cleanPastedHtml(html, (loss) => {
            const notice = describePasteLoss(loss);
            if (notice !== undefined) opts.onPasteNotice(notice);
          }),
        handlePaste: (_view, event) => this.paste(event),
        handleDrop: (_view, event) => this.drop(event),
      },
      onUpdate: () => opts.onChange(),
      onSelectionUpdate: () => this.syncToolbar(),
      onTransaction: () => this.syncToolbar(),
    });
    this.buildToolbar();
    // Show where a dragged image will land (the text box outlines while a file is over it).
    const over = (on: boolean) => () => opts.element.classList.toggle("dragging", on);
    opts.element.addEventListener("dragover", over(true));
    for (const end of ["dragleave", "drop"]) opts.element.addEventListener(end, over(false));
  }

  /** The body as HTML in the server's allowlist; empty when there is no text. */
  html(): string {
    if (this.editor.isEmpty) return "";
    // Empty paragraphs left at either end (Enter pressed once too often) are not content.
    return this.editor
      .getHTML()
      .replace(/^(?:<p><\/p>)+|(?:<p><\/p>)+$/g, "")
      .trim();
  }

  setHtml(html: string): void {
    this.editor.commands.setContent(html, { emitUpdate: false });
  }

  clear(): void {
    this.editor.commands.clearContent(false);
  }

  focus(): void {
    this.editor.commands.focus();
  }

  private paste(event: ClipboardEvent): boolean {
    const files = imageFiles(event.clipboardData);
    if (files.length > 0) {
      this.opts.onFiles(files);
      return true;
    }
    const text = event.clipboardData?.getData("text/plain").trim() ?? "";
    const html = event.clipboardData?.getData("text/html") ?? "";
    // A link pasted alone on an empty line is an embed (a video, a post); pasted inside a
    // sentence it stays a link in the text.
    const emptyLine = this.editor.state.selection.$from.parent.content.size === 0;
    return html === "" && emptyLine && SINGLE_URL.test(text) && this.opts.onPastedUrl(text);
  }

  private drop(event: DragEvent): boolean {
    const files = imageFiles(event.dataTransfer);
    if (files.length === 0) return false;
    event.preventDefault();
    this.opts.onFiles(files);
    return true;
  }

  private run(cmd: Command): void {
    const chain = this.editor.chain().focus();
    if (cmd === "bold") chain.toggleBold().run();
    else if (cmd === "italic") chain.toggleItalic().run();
    else if (cmd === "heading2") chain.toggleHeading({ level: 2 }).run();
    else if (cmd === "heading3") chain.toggleHeading({ level: 3 }).run();
    else if (cmd === "bulletList") chain.toggleBulletList().run();
    else if (cmd === "orderedList") chain.toggleOrderedList().run();
    else if (cmd === "blockquote") chain.toggleBlockquote().run();
    else this.editLink();
  }

  /** A plain prompt: native, keyboard- and screen-reader-friendly on every laptop and phone. */
  private editLink(): void {
    const current = this.editor.getAttributes("link").href as string | undefined;
    const url = prompt("Link address (https://…); leave empty to remove the link", current ?? "https://");
    if (url === null) return;
    const chain = this.editor.chain().focus().extendMarkRange("link");
    if (url.trim() === "" || url.trim() === "https://") chain.unsetLink().run();
    else if (/^(https:\/\/\S+|mailto:\S+)$/i.test(url.trim())) chain.setLink({ href: url.trim() }).run();
    else alert("Links must start with https:// or mailto:");
  }

  private buildToolbar(): void {
    for (const b of BUTTONS) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = b.text;
      button.setAttribute("aria-label", b.label);
      button.title = `${b.label} (${b.keys.replace("Control", "Ctrl")})`;
      button.setAttribute("aria-keyshortcuts", b.keys);
      button.setAttribute("aria-pressed", "false");
      button.dataset.cmd = b.cmd;
      // mousedown would move focus out of the text and lose the selection on some phones.
      button.addEventListener("mousedown", (ev) => ev.preventDefault());
      button.addEventListener("click", () => this.run(b.cmd));
      this.buttons.set(b.cmd, button);
      this.opts.toolbar.append(button);
    }
    this.opts.element.addEventListener("keydown", (ev) => {
      if ((ev.ctrlKey || ev.metaKey) && !ev.altKey && ev.key.toLowerCase() === "k") {
        ev.preventDefault();
        this.editLink();
      }
    });
    this.syncToolbar();
  }

  private syncToolbar(): void {
    const e = this.editor;
    const active: Record<Command, boolean> = {
      bold: e.isActive("bold"),
      italic: e.isActive("italic"),
      link: e.isActive("link"),
      heading2: e.isActive("heading", { level: 2 }),
      heading3: e.isActive("heading", { level: 3 }),
      bulletList: e.isActive("bulletList"),
      orderedList: e.isActive("orderedList"),
      blockquote: e.isActive("blockquote"),
    };
    for (const [cmd, button] of this.buttons) button.setAttribute("aria-pressed", String(active[cmd]));
  }
}

function imageFiles(data: DataTransfer | null | undefined): File[] {
  if (data === null || data === undefined) return [];
  return [...data.files].filter((f) => f.type.startsWith("image/"));
}
