import fc from "fast-check";

/**
 * Characters that break naive text handling: NUL and other controls, unpaired surrogates (both
 * halves), bidi overrides and isolates, non-characters, BOM, line/paragraph separators.
 */
export const SPECIAL_CHARS = [
  "\u0000",
  "\u0001",
  "\u001b",
  "\u007f",
  "\u0085",
  "\ud800",
  "\udbff",
  "\udc00",
  "\udfff",
  "\u202e",
  "\u202d",
  "\u2066",
  "\u2069",
  "\u200f",
  "\u200d",
  "\ufeff",
  "\ufffe",
  "\uffff",
  "\ufdd0",
  "\u{1fffe}",
  "\u{10ffff}",
  "\u2028",
  "\u2029",
  "\\",
  '"',
  "/",
] as const;

const unit = fc.oneof(
  { arbitrary: fc.constantFrom(...SPECIAL_CHARS), weight: 3 },
  // Any UTF-16 code unit: lone surrogates come from here too.
  { arbitrary: fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)), weight: 3 },
  { arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }).map((cp) => String.fromCodePoint(cp)), weight: 1 },
  { arbitrary: fc.constantFrom("a", "b", "z", "0", "7", "-", "_", " "), weight: 3 },
);

/** A string from the whole of Unicode, and beyond it (unpaired surrogates). */
export const anyText = (maxLength = 24): fc.Arbitrary<string> =>
  fc.array(unit, { maxLength }).map((units) => units.join(""));

/**
 * How a JSON text goes on the wire: as JSON.stringify writes it (UTF-8, an unpaired surrogate
 * as the escape `\udXXX`), every non-ASCII character escaped, or unpaired surrogates as raw
 * WTF-8 bytes (not valid UTF-8).
 */
export type Wire = "utf8" | "escaped" | "wtf8";
export const wire = fc.constantFrom<Wire>("utf8", "escaped", "wtf8");

const hex4 = (u: number) => `\\u${u.toString(16).padStart(4, "0")}`;

/** The exact bytes of `value` as JSON, written the `how` way. */
export function rawJson(value: unknown, how: Wire): Buffer {
  const json = JSON.stringify(value);
  if (how === "utf8") return Buffer.from(json, "utf8");
  if (how === "escaped")
    return Buffer.from(
      json.replace(/[\u007f-\uffff]/g, (c) => hex4(c.charCodeAt(0))),
      "utf8",
    );
  // Put unpaired surrogates back (JSON.stringify escaped them) and write them as WTF-8.
  const text = json.replace(/(?<!\\)\\u(d[89a-f][0-9a-f]{2})/gi, (_m, h: string) =>
    String.fromCharCode(parseInt(h, 16)),
  );
  return wtf8(text);
}

/** UTF-8, except that an unpaired surrogate is written as its own three bytes (ED A0 80…). */
export function wtf8(s: string): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; i < s.length; i++) {
    const u = s.charCodeAt(i);
    const next = s.charCodeAt(i + 1);
    if (u >= 0xd800 && u <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out.push(Buffer.from(s.slice(i, i + 2), "utf8"));
      i++;
    } else if (u >= 0xd800 && u <= 0xdfff) {
      out.push(Buffer.from([0xe0 | (u >> 12), 0x80 | ((u >> 6) & 0x3f), 0x80 | (u & 0x3f)]));
    } else out.push(Buffer.from(s[i] ?? "", "utf8"));
  }
  return Buffer.concat(out);
}

/** A path segment: each byte of its WTF-8 form percent-encoded, so any string reaches the router. */
export function pathSegment(s: string): string {
  return [...wtf8(s)].map((b) => `%${b.toString(16).padStart(2, "0").toUpperCase()}`).join("");
}

/** A header value fetch can send (tab, visible ASCII, Latin-1 obs-text), or null when none is left. */
export function headerText(s: string): string | null {
  const kept = s.replace(/[^\t\u0020-\u007e\u0080-\u00ff]/g, "");
  return kept.trim() === "" ? null : kept;
}
