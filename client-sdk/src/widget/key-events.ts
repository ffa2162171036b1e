import { el } from "./dom.js";
import type { Entry } from "@liveline/protocol";
import type { Locale } from "./i18n.js";
import { safeFragment } from "./safe-html.js";
import { setClock } from "./time-format.js";

/** How much of an entry's text stands in for a missing headline in the summary. */
const FIRST_WORDS_CHARS = 90;
/** Narrower than this, the summary starts folded, so the first entry is on the first screen. */
const WIDE_ENOUGH = "(min-width: 600px)";

/**
 * The "Key events" summary above the entries (the Guardian's): each key-event entry on screen,
 * newest first, as a jump link to `#entry-ID` (the widget's own deep link). A <details>, so a
 * reader can fold it; it starts folded on phones. Hidden while there is no key event.
 */
export class KeyEvents {
  readonly root: HTMLElement;
  private readonly list: HTMLOListElement;
  private readonly count: HTMLElement;
  private readonly details: HTMLDetailsElement;
  /** The link text each entry gave, so only changed entries are re-read. */
  private readonly words = new WeakMap<Entry, string>();

  constructor(
    private readonly doc: Document,
    private readonly locale: Locale,
  ) {
    this.root = el(doc, "nav", "key-events");
    this.root.setAttribute("aria-label", locale.t.keyEvents);
    this.root.hidden = true;
    this.details = doc.createElement("details");
    this.details.open = doc.defaultView?.matchMedia(WIDE_ENOUGH).matches ?? true;
    this.count = el(doc, "span", "count");
    this.list = el(doc, "ol", "");
    this.details.append(el(doc, "summary", "", locale.t.keyEvents, " ", this.count), this.list);
    this.root.append(this.details);
  }

  /** Show the key events among `entries` (those on screen), newest first. */
  update(entries: Iterable<Entry>, now: number): void {
    const keys = [...entries].filter((e) => e.keyEvent).sort(newestFirst);
    this.root.hidden = keys.length === 0;
    this.count.textContent = `(${new Intl.NumberFormat(this.locale.tag).format(keys.length)})`;
    this.list.replaceChildren(...keys.map((e) => this.item(e, now)));
  }

  private item(entry: Entry, now: number): HTMLLIElement {
    const time = el(this.doc, "time", "clock");
    setClock(time, entry.publishedAt, now, this.locale.tag);
    const title = el(this.doc, "span", "", this.wordsOf(entry));
    title.dir = "auto"; // an entry's words may be in another language than the widget's
    const a = el(this.doc, "a", "", time, " ", title);
    a.href = `#entry-${entry.id}`;
    return el(this.doc, "li", "", a);
  }

  private wordsOf(entry: Entry): string {
    let words = this.words.get(entry);
    if (words === undefined) {
      words = entry.headline ?? firstWords(safeFragment(this.doc, entry.body).textContent ?? "", FIRST_WORDS_CHARS);
      this.words.set(entry, words);
    }
    return words;
  }
}

/** `text` cut at the last word boundary within `max` characters, with an ellipsis when cut. */
export function firstWords(text: string, max: number): string {
  const clean = text.replace(/\s+/g, " ").trim();
  if (clean.length <= max) return clean;
  const cut = clean.slice(0, max);
  const space = cut.lastIndexOf(" ");
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.–-]+$/, "")}…`;
}

function newestFirst(a: Entry, b: Entry): number {
  return a.publishedAt < b.publishedAt ? 1 : a.publishedAt > b.publishedAt ? -1 : 0;
}
