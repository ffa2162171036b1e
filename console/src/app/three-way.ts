/**
 * A three-way merge of an entry's text, paragraph by paragraph (node-diff3 over the body's
 * top-level blocks): what the editor opened (the base), their version and mine. A paragraph one
 * side changed takes that change; one both sides changed differently is a conflict, and the
 * merge keeps both versions, mine first, for the editor to choose between.
 */
import { diff3Merge } from "node-diff3";

type Region = { ok: string[] } | { conflict: { a: string[]; o: string[]; b: string[] } };

export interface Merged {
  html: string;
  /** Paragraph runs both sides changed differently (both kept in `html`). */
  conflicts: number;
}

/** The body's top-level blocks (paragraphs, headings, lists, quotes) as HTML strings. */
export function blocksOf(html: string): string[] {
  const doc = new DOMParser().parseFromString(`<body>${html}</body>`, "text/html");
  return [...doc.body.childNodes].flatMap((n) => {
    if (n instanceof Element) return [n.outerHTML];
    const text = (n.textContent ?? "").trim();
    return text === "" ? [] : [`<p>${text.replace(/&/g, "&amp;").replace(/</g, "&lt;")}</p>`];
  });
}

export function mergeBodies(base: string, theirs: string, mine: string): Merged {
  // node-diff3's declarations say `any`: the regions are read through their documented shape.
  const regions = diff3Merge(blocksOf(mine), blocksOf(base), blocksOf(theirs), {
    excludeFalseConflicts: true,
  }) as unknown as Region[];
  let conflicts = 0;
  const out = regions.flatMap((r) => {
    if ("ok" in r) return r.ok;
    const { a, o, b } = r.conflict;
    // diff3 joins changes to neighbouring paragraphs into one region; when no paragraph was
    // added or removed, each paragraph is decided on its own.
    if (a.length === o.length && b.length === o.length)
      return o.flatMap((base, i) => {
        const mine = a[i] ?? base;
        const theirs = b[i] ?? base;
        if (mine === base || mine === theirs) return [theirs];
        if (theirs === base) return [mine];
        conflicts++;
        return [mine, theirs];
      });
    conflicts++;
    return [...a, ...b.filter((x) => !a.includes(x))];
  });
  return { html: out.join(""), conflicts };
}

/** One field (a headline): the side that changed it wins; when both did, mine. */
export function mergeField<T>(base: T, theirs: T, mine: T): T {
  return mine === base ? theirs : mine;
}
