/**
 * What a breaking-news alert says, decided in one place: the worker sends it, the console shows
 * it in its confirmation before anything is marked breaking. No zod and no Node built-ins here:
 * the console's browser bundle imports it through `@liveline/protocol/constants`.
 */

/** Plain text of sanitized entry HTML, for a notification's body. */
export function plainText(html: string): string {
  return html
    .replace(/<br\s*\/?>|<\/(p|li|blockquote)>/gi, " ")
    .replace(/<[^>]*>/g, "")
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&nbsp;/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** `s` cut to `max` characters, an ellipsis marking the cut. */
export function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** An alert's title: the feed's. */
export function alertTitle(feedTitle: string): string {
  return clip(feedTitle, 120);
}

/** An alert's text: the entry's headline, else the start of its text. */
export function alertBody(entry: { headline?: string | undefined; body: string }): string {
  return entry.headline ?? clip(plainText(entry.body), 240);
}

/** An alert's link: the entry's permalink on its feed page, relative to the Liveline origin. */
export function alertUrl(feedId: string, entryId: string): string {
  return `/feeds/${feedId}#entry-${entryId}`;
}
