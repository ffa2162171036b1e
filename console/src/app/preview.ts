/**
 * The preview: the entry drawn by the widget's own renderer (the SDK's `renderEntry`) with the
 * widget's own stylesheet, in a shadow root as on a reader's page, so what the editor checks is
 * what readers will get — the widget's HTML filter included.
 */
import type { Entry } from "@liveline/protocol";
import { pickLocale, renderEntry, WIDGET_CSS } from "@liveline/client-sdk/widget";

export class Preview {
  private readonly list: HTMLOListElement;

  constructor(host: HTMLElement) {
    const root = host.attachShadow({ mode: "open" });
    const style = document.createElement("style");
    style.textContent = WIDGET_CSS;
    const section = document.createElement("section");
    section.className = "ll";
    this.list = document.createElement("ol");
    this.list.className = "entries";
    section.append(this.list);
    root.append(style, section);
  }

  show(entry: Entry): void {
    const look = {
      locale: pickLocale([document.documentElement.lang], navigator.language),
      headingLevel: 3,
      baseUrl: location.origin,
    };
    this.list.replaceChildren(renderEntry(document, entry, Date.now(), look));
  }
}
