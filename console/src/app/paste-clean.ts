/**
 * What Word and Google Docs put on the clipboard, made ready for the composer's schema. The
 * schema (composer.ts) already drops every class, style and unknown tag; this handles what it
 * cannot know: Word's list bullets typed as text inside conditional comments (they would show
 * as "·" or "1." in the entry) and its list paragraphs that are not lists, headings outside h2/h3,
 * and clipboard leftovers (<style>, <meta>, <o:p>, Apple's trailing <br>).
 */
export function cleanPastedHtml(html: string, report?: (loss: PasteLoss) => void): string {
  const doc = new DOMParser().parseFromString(html, "text/html");
  for (const n of doc.querySelectorAll("style, meta, link, script, title, xml, br.Apple-interchange-newline"))
    n.remove();
  for (const n of [...doc.getElementsByTagName("o:p")]) n.remove();
  const ordered = new Set<Element>();
  dropWordBullets(doc.body, ordered);
  groupWordLists(doc, ordered);
  for (const h of doc.body.querySelectorAll("h1, h4, h5, h6")) rename(doc, h, h.tagName === "H1" ? "h2" : "h3");
  const loss: PasteLoss = {
    tables: flattenTables(doc),
    ...dropUntakeable(doc),
  };
  if (report !== undefined && loss.tables + loss.images + loss.media > 0) report(loss);
  return doc.body.innerHTML;
}

/** What a paste could not keep as it was: the composer says so rather than dropping it silently. */
export interface PasteLoss {
  /** Tables turned into one paragraph per row (the entry's allowlist has no tables). */
  tables: number;
  /** Images inside the pasted text (a file on the author's computer, or on another site). */
  images: number;
  /** Videos, frames and other objects. */
  media: number;
}

/** The notice for a paste that lost something, or undefined when it lost nothing. */
export function describePasteLoss(loss: PasteLoss): string | undefined {
  const parts: string[] = [];
  if (loss.images > 0)
    parts.push(
      `${loss.images === 1 ? "1 image" : `${loss.images} images`} in the pasted text could not be taken: add ${loss.images === 1 ? "it" : "them"} with “Images” (pick the file)`,
    );
  if (loss.media > 0) parts.push(`${loss.media} video(s) or frame(s) were left out: add them as embeds`);
  if (loss.tables > 0)
    parts.push(`${loss.tables === 1 ? "a table was" : `${loss.tables} tables were`} pasted as one line per row`);
  if (parts.length === 0) return undefined;
  const text = parts.join("; ");
  return `Pasted. ${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

/**
 * Entries have no tables (the allowlist), and ProseMirror would run the cells together
 * ("Table cell ATable cell B"): each row becomes a paragraph whose cells stay apart (" | ").
 */
function flattenTables(doc: Document): number {
  const tables = [...doc.body.querySelectorAll("table")].filter((t) => t.parentElement?.closest("table") === null);
  for (const table of tables) {
    const rows = [...table.querySelectorAll("tr")].map((tr) => {
      const p = doc.createElement("p");
      const cells = [...tr.querySelectorAll("td, th")].filter((c) => (c.textContent ?? "").trim() !== "");
      cells.forEach((cell, i) => {
        if (i > 0) p.append(" | ");
        // A cell's own paragraphs run on inside the row's paragraph, a space apart.
        for (const block of [...cell.querySelectorAll("p, div, h1, h2, h3, h4, h5, h6, li")]) {
          block.after(" ");
          block.replaceWith(...block.childNodes);
        }
        p.append(...[...cell.childNodes].filter((n) => n.nodeType !== Node.COMMENT_NODE));
      });
      return p;
    });
    table.replaceWith(...rows.filter((p) => (p.textContent ?? "").trim() !== ""));
  }
  return tables.length;
}

/**
 * Images and embedded objects inside pasted text, which an entry's text cannot hold. Word pastes
 * a picture as <img src="file:///…"> (a file on the author's computer no browser may read).
 */
function dropUntakeable(doc: Document): { images: number; media: number } {
  const images = [...doc.body.querySelectorAll("picture, img, svg")].filter(
    (n) => n.parentElement?.closest("picture, svg") === null,
  );
  for (const n of images) n.remove();
  const media = [...doc.body.querySelectorAll("video, audio, iframe, object, embed")];
  for (const n of media) n.remove();
  return { images: images.length, media: media.length };
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
