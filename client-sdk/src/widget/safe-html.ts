/**
 * Defence in depth for entry bodies. The server already sanitizes every body to a small
 * allowlist (server/src/sanitize.ts); the widget checks again before anything reaches the
 * page, so a compromised or buggy server still cannot inject markup or run scripts.
 *
 * The string is parsed inside an inert <template> (scripts there never run, images never
 * load), then walked: allowed elements are re-created from scratch with only their allowed,
 * checked attributes; other elements are unwrapped to their text; dangerous ones are dropped.
 */
const ALLOWED = new Set([
  "P",
  "H2",
  "H3",
  "A",
  "STRONG",
  "EM",
  "UL",
  "OL",
  "LI",
  "BLOCKQUOTE",
  "BR",
  "IMG",
  "FIGURE",
  "FIGCAPTION",
]);
const DROPPED = new Set(["SCRIPT", "STYLE", "TEMPLATE", "IFRAME", "OBJECT", "EMBED", "NOSCRIPT", "SVG", "MATH"]);
const MAX_DEPTH = 32;

export function isHttpsUrl(value: string, allowMailto = false): boolean {
  try {
    const u = new URL(value);
    return u.protocol === "https:" || (allowMailto && u.protocol === "mailto:");
  } catch {
    return false;
  }
}

/** A fragment holding only the allowlisted subset of `html`; text is kept, everything else goes. */
export function safeFragment(doc: Document, html: string): DocumentFragment {
  const template = doc.createElement("template");
  template.innerHTML = html; // inert: a template's content belongs to a document without a browsing context
  const out = doc.createDocumentFragment();
  copyChildren(doc, template.content, out, 0);
  return out;
}

function copyChildren(doc: Document, from: Node, to: Node, depth: number): void {
  if (depth > MAX_DEPTH) return;
  for (let n = from.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 3) {
      to.appendChild(doc.createTextNode(n.textContent ?? ""));
      continue;
    }
    if (n.nodeType !== 1) continue; // comments, processing instructions
    const el = n as Element;
    const tag = el.tagName.toUpperCase();
    if (DROPPED.has(tag)) continue;
    if (!ALLOWED.has(tag)) {
      copyChildren(doc, el, to, depth + 1);
      continue;
    }
    const copy = copyElement(doc, el, tag);
    if (copy === undefined) continue;
    copyChildren(doc, el, copy, depth + 1);
    to.appendChild(copy);
  }
}

function copyElement(doc: Document, el: Element, tag: string): Element | undefined {
  const copy = doc.createElement(tag.toLowerCase());
  if (tag === "A") {
    const href = el.getAttribute("href");
    if (href !== null && isHttpsUrl(href, true)) {
      copy.setAttribute("href", href);
      copy.setAttribute("rel", "noopener noreferrer");
      copy.setAttribute("target", "_blank");
    }
    const title = el.getAttribute("title");
    if (title !== null) copy.setAttribute("title", title);
  } else if (tag === "IMG") {
    const src = el.getAttribute("src");
    if (src === null || !isHttpsUrl(src)) return undefined;
    copy.setAttribute("src", src);
    copy.setAttribute("alt", el.getAttribute("alt") ?? "");
    copy.setAttribute("loading", "lazy");
    for (const dim of ["width", "height"]) {
      const v = el.getAttribute(dim);
      if (v !== null && /^\d{1,4}$/.test(v)) copy.setAttribute(dim, v);
    }
  }
  return copy;
}
