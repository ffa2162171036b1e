/**
 * When an entry's content last changed after it was published, or undefined when it never did:
 * the one rule behind every "Updated" readers see (the widget, the feed page, its structured
 * data and the Atom/JSON Feed documents).
 *
 * The store moves `updatedAt` only when content changes (ENTRY_CONTENT_FIELDS, or a correction),
 * and sets `publishedAt` and `updatedAt` to the same instant when an entry goes live, a draft or
 * a scheduled entry included. So a pin, a key-event mark or a late publication leaves the two
 * equal, and no reader is told of a change that did not happen; `revision` counts every change
 * and cannot tell these apart. Zod-free: browser code imports it through the constants entry.
 */
export function contentUpdatedAt(entry: { publishedAt: string; updatedAt: string }): string | undefined {
  return Date.parse(entry.updatedAt) > Date.parse(entry.publishedAt) ? entry.updatedAt : undefined;
}
