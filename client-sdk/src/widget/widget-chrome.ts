import { el } from "./dom.js";
import type { Locale } from "./i18n.js";
import { KeyEvents } from "./key-events.js";
import { WIDGET_CSS } from "./styles.js";

/**
 * The fixed parts of a widget: controls, the key-events summary, the new-updates pill, the
 * list, the live region, and the share confirmation.
 */
export interface Chrome {
  section: HTMLElement;
  status: HTMLElement;
  pause: HTMLButtonElement;
  keyOnly: HTMLInputElement;
  pill: HTMLButtonElement;
  list: HTMLOListElement;
  empty: HTMLElement;
  older: HTMLButtonElement;
  live: HTMLElement;
  keyEvents: KeyEvents;
  /** Visible and polite: "Link copied" after a share button copied an entry's link. */
  toast: HTMLElement;
}

function make<K extends keyof HTMLElementTagNameMap>(
  doc: Document,
  tag: K,
  className: string,
  text = "",
  hidden = false,
): HTMLElementTagNameMap[K] {
  const node = el(doc, tag, className, text);
  node.hidden = hidden;
  if (node instanceof HTMLButtonElement) node.type = "button";
  return node;
}

export function buildChrome(doc: Document, root: ShadowRoot, locale: Locale): Chrome {
  const { t } = locale;
  const style = doc.createElement("style");
  style.textContent = WIDGET_CSS;
  const section = make(doc, "section", "ll");
  section.setAttribute("aria-label", t.region);
  // The widget's own words are in this language and direction, whatever the page around it.
  section.lang = locale.tag;
  section.dir = t.dir;

  const status = make(doc, "span", "status", t.connecting);
  status.dataset.state = "connecting";
  const keyLabel = doc.createElement("label");
  const keyOnly = make(doc, "input", "key-filter");
  keyOnly.type = "checkbox";
  keyLabel.append(keyOnly, doc.createTextNode(t.keyOnly));
  const pause = make(doc, "button", "pause", t.pause);
  pause.setAttribute("aria-pressed", "false");
  const bar = make(doc, "div", "bar");
  bar.append(status, keyLabel, pause);

  // The pill floats over the list (a zero-height sticky holder): showing it moves nothing.
  const pillHolder = make(doc, "div", "pill-holder");
  const pill = make(doc, "button", "pill", "", true);
  pillHolder.append(pill);

  const list = make(doc, "ol", "entries");
  const empty = make(doc, "p", "empty", t.empty, true);
  const older = make(doc, "button", "older", t.older, true);

  // The one live region: polite, and it only ever says how many updates arrived.
  const live = make(doc, "div", "sr");
  live.setAttribute("aria-live", "polite");
  live.setAttribute("aria-atomic", "true");

  const keyEvents = new KeyEvents(doc, locale);
  // Sticks to the bottom of the screen while the widget is in view; a status, so it is spoken.
  const toastHolder = make(doc, "div", "toast-holder");
  const toast = make(doc, "div", "toast");
  toast.setAttribute("role", "status");
  toastHolder.append(toast);

  section.append(bar, keyEvents.root, pillHolder, list, empty, older, toastHolder, live);
  root.append(style, section);
  return { section, status, pause, keyOnly, pill, list, empty, older, live, keyEvents, toast };
}
