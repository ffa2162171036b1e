/**
 * What Word and Google Docs put on the clipboard, made ready for the composer's schema. The
 * schema (composer.ts) already drops every class, style and unknown tag; this handles what it
 * cannot know: Word's list bullets typed as text inside conditional comments (they would show
 * as "·" or "1." in the entry) and its list paragraphs that are not lists, headings outside h2/h3,
 * and clipboard leftovers (<style>, <meta>, <o:p>, Apple's trailing <br>).
 */
export function cleanPastedHtml(html: string): string {
  const doc = new DOMParser().parseFromString(html, "text/html");
  for (const n of doc.querySelectorAll("style, meta, link, script, title, xml, br.Apple-interchange-newline"))
    n.remove();
  for (const n of [...doc.getElementsByTagName("o:p")]) n.remove();
  const ordered = new Set<Element>();
  dropWordBullets(doc.body, ordered);
  groupWordLists(doc, ordered);
  for (const h of doc.body.querySelectorAll("h1, h4, h5, h6")) rename(doc, h, h.tagName === "H1" ? "h2" : "h3");
  return doc.body.innerHTML;
}

/** `<!--[if !supportLists]-->·<!--[endif]-->`: remove the bullet, remember numbered ones. */
function dropWordBullets(root: Node, ordered: Set<Element>): void {
  const walker = root.ownerDocument?.createTreeWalker(root, NodeFilter.SHOW_COMMENT);
  if (walker === undefined) return;
  const starts: Comment[] = [];
  for (let n = walker.nextNode(); n !== null; n = walker.nextNode())
    if ((n as Comment).data.trim().toLowerCase() === "[if !supportlists]") starts.push(n as Comment);
  for (const start of starts) {
    let text = "";
    let next = start.nextSibling;
    while (next !== null && !(next.nodeType === Node.COMMENT_NODE && (next as Comment).data.trim() === "[endif]")) {
      text += next.textContent ?? "";
      const gone = next;
      next = next.nextSibling;
      gone.remove();
    }
    next?.remove();
    const para = start.parentElement?.closest("p");
    if (para !== null && para !== undefined && /^\s*(\d+|[a-z]|[ivx]+)[.)]/i.test(text)) ordered.add(para);
    start.remove();
  }
}

const isWordListItem = (el: Element): boolean =>
  el.tagName === "P" && (/mso-list/i.test(el.getAttribute("style") ?? "") || /MsoListParagraph/.test(el.className));

/** Runs of Word's list paragraphs become one real list each. */
function groupWordLists(doc: Document, ordered: Set<Element>): void {
  for (const p of [...doc.body.querySelectorAll("p")]) {
    if (!isWordListItem(p) || p.parentElement === null) continue;
    const prev = p.previousElementSibling;
    const tag = ordered.has(p) ? "OL" : "UL";
    const list = prev !== null && prev.tagName === tag && prev.hasAttribute("data-word-list") ? prev : undefined;
    const target = list ?? doc.createElement(tag.toLowerCase());
    if (list === undefined) {
      target.setAttribute("data-word-list", "");
      p.before(target);
    }
    const li = doc.createElement("li");
    li.append(...p.childNodes);
    target.append(li);
    p.remove();
  }
}

function rename(doc: Document, el: Element, tag: string): void {
  const copy = doc.createElement(tag);
  copy.append(...el.childNodes);
  el.replaceWith(copy);
}
