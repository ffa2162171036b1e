/**
 * The byline of the entry being composed: the name, role and picture readers see on it. A new
 * entry starts with the signed-in person's own (GET /v1/session's `byline`: their name, title and
 * picture, when the account has them); the editor may change it for any one entry, and a
 * correction keeps the entry's own. A service account's token has no byline of its own.
 */
import type { Author } from "@liveline/protocol";

export interface BylineUi {
  name: HTMLInputElement;
  role: HTMLInputElement;
  picture: HTMLInputElement;
}

/** The byline's fields as typed (what autosave keeps). */
export interface BylineFields {
  author: string;
  authorRole?: string;
  authorPicture?: string;
}

/** The byline the fields make: none without a name. */
export function authorOf(f: BylineFields): Author | undefined {
  const name = f.author.trim();
  const role = f.authorRole?.trim() ?? "";
  const picture = f.authorPicture?.trim() ?? "";
  if (name === "") return undefined;
  return { name, ...(role === "" ? {} : { role }), ...(picture === "" ? {} : { avatarUrl: picture }) };
}

export class Byline {
  private mine: Author | undefined;

  constructor(private readonly ui: BylineUi) {}

  /** The signed-in person's byline (undefined: none). An untouched new entry takes it at once. */
  setDefault(author: Author | undefined, composingNew: boolean): void {
    const untouched = this.fields().author.trim() === "" && this.mine === undefined;
    this.mine = author;
    if (composingNew && untouched) this.fill(author);
  }

  /** Fills the fields with `author` (none: empty). */
  fill(author: Author | undefined): void {
    this.ui.name.value = author?.name ?? "";
    this.ui.role.value = author?.role ?? "";
    this.ui.picture.value = author?.avatarUrl ?? "";
  }

  /** Back to the signed-in person's byline, for the next new entry. */
  reset(): void {
    this.fill(this.mine);
  }

  restore(f: BylineFields): void {
    this.ui.name.value = f.author;
    this.ui.role.value = f.authorRole ?? "";
    this.ui.picture.value = f.authorPicture ?? "";
  }

  fields(): BylineFields {
    return { author: this.ui.name.value, authorRole: this.ui.role.value, authorPicture: this.ui.picture.value };
  }

  value(): Author | undefined {
    return authorOf(this.fields());
  }
}
