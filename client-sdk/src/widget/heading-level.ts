/**
 * The level of the widget's entry headlines, so they sit in the host page's outline: the
 * element's `data-heading-level` (1–6) when given, else one below the last heading of the page
 * before the widget (an article's h1 gives h2 entries, an h2 section gives h3), else 2.
 */
export function headingLevelFor(host: HTMLElement): number {
  const given = Number(host.dataset.headingLevel);
  if (Number.isInteger(given) && given >= 1 && given <= 6) return given;
  let level = 1;
  for (const h of host.ownerDocument.querySelectorAll("h1,h2,h3,h4,h5,h6")) {
    // Headings after the widget, or inside its server-rendered light DOM, say nothing about it.
    if (!(host.compareDocumentPosition(h) & Node.DOCUMENT_POSITION_PRECEDING) || host.contains(h)) continue;
    level = Number(h.tagName.slice(1));
  }
  return Math.min(6, level + 1);
}
