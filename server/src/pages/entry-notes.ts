import type { Entry } from "@liveline/protocol";
import { escapeHtml } from "./html.js";

/**
 * What the server-rendered documents (the feed page, Atom and JSON Feed) say about an entry's
 * history, in one wording: its times, and each correction as a labelled notice. These documents
 * have no reader's time zone, so times are in UTC and say so.
 */

const utc = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

/** `<time>` of an instant: machine-readable, and "10 Mar 2026, 14:40 UTC" to read. */
export function utcTime(iso: string): string {
  return `<time datetime="${escapeHtml(iso)}">${escapeHtml(utc.format(new Date(iso)))} UTC</time>`;
}

/** Each correction, oldest first: "Correction", when, and the editor's note (as text, never HTML). */
export function correctionsHtml(entry: Entry): string {
  return (entry.corrections ?? [])
    .map((c) => `<p class="correction"><strong>Correction</strong> ${utcTime(c.at)}: ${escapeHtml(c.text)}</p>`)
    .join("\n");
}
