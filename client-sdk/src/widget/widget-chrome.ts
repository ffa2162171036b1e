import { WIDGET_CSS } from "./styles.js";

/** The fixed parts of a widget: controls, the new-updates pill, the list, the live region. */
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
}

export function buildChrome(doc: Document, root: ShadowRoot): Chrome {
  const style = doc.createElement("style");
  style.textContent = WIDGET_CSS;

  const section = doc.createElement("section");
  section.className = "ll";
  section.setAttribute("aria-label", "Live updates");

  const bar = doc.createElement("div");
  bar.className = "bar";
  const status = doc.createElement("span");
  status.className = "status";
  status.dataset.state = "connecting";
  status.textContent = "Connecting…";

  const keyLabel = doc.createElement("label");
  const keyOnly = doc.createElement("input");
  keyOnly.type = "checkbox";
  keyOnly.className = "key-filter";
  keyLabel.append(keyOnly, doc.createTextNode("Key events only"));

  const pause = doc.createElement("button");
  pause.type = "button";
  pause.className = "pause";
  pause.setAttribute("aria-pressed", "false");
  pause.textContent = "Pause live updates";
  bar.append(status, keyLabel, pause);

  // The pill floats over the list (a zero-height sticky holder): showing it moves nothing.
  const pillHolder = doc.createElement("div");
  pillHolder.className = "pill-holder";
  const pill = doc.createElement("button");
  pill.type = "button";
  pill.className = "pill";
  pill.hidden = true;
  pillHolder.append(pill);

  const list = doc.createElement("ol");
  list.className = "entries";
  const empty = doc.createElement("p");
  empty.className = "empty";
  empty.textContent = "No updates yet.";
  empty.hidden = true;

  const older = doc.createElement("button");
  older.type = "button";
  older.className = "older";
  older.textContent = "Load older updates";
  older.hidden = true;

  // The one live region: polite, and it only ever says how many updates arrived.
  const live = doc.createElement("div");
  live.className = "sr";
  live.setAttribute("aria-live", "polite");
  live.setAttribute("aria-atomic", "true");

  section.append(bar, pillHolder, list, empty, older, live);
  root.append(style, section);
  return { section, status, pause, keyOnly, pill, list, empty, older, live };
}

export function updatesLabel(n: number): string {
  return `${n} new update${n === 1 ? "" : "s"}`;
}
