import sanitizeHtml from "sanitize-html";

/**
 * The contract's allowlist: p, h2, h3, a, strong, em, ul/ol/li, blockquote, br,
 * figure/figcaption (for hosted media, docs/media.md), img with an https src or one of this service's
 * own `/media/` paths. `<b>` and `<i>` (what Word, Google Docs and older CMSs write) become strong
 * and em, so pasted or legacy emphasis is kept rather than dropped. Links are https (or
 * mailto) only and get rel="noopener noreferrer". Anything else -- scripts, styles, event
 * handlers, javascript: URLs -- is removed, not escaped.
 */
const HTTPS = /^https:\/\/[^\s/]/i;
const MAILTO = /^mailto:/i;
/** A hosted image's path as media URLs are built (`/media/<uuid>/<width>.webp`), nothing else relative. */
const HOSTED = /^\/media\/[0-9a-f-]{36}\/\d{1,5}\.webp$/i;

const optionsFor = (publicUrl: string | undefined): sanitizeHtml.IOptions => ({
  allowedTags: [
    "p",
    "h2",
    "h3",
    "a",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "blockquote",
    "br",
    "img",
    "figure",
    "figcaption",
  ],
  allowedAttributes: { a: ["href", "title", "rel", "target"], img: ["src", "alt", "width", "height"] },
  allowedSchemes: ["https"],
  allowedSchemesByTag: { a: ["https", "mailto"], img: ["https", "http"] },
  allowProtocolRelative: false,
  disallowedTagsMode: "discard",
  enforceHtmlBoundary: true,
  // sanitize-html lets scheme-less (relative) URLs through; entries are shown on other sites,
  // where a relative URL means something else, so only absolute https (and mailto) survive.
  transformTags: {
    b: "strong",
    i: "em",
    a: (tagName, attribs) => {
      const { href, ...rest } = attribs;
      const url = href?.trim();
      const keep = url !== undefined && (HTTPS.test(url) || MAILTO.test(url));
      return {
        tagName,
        attribs: { ...(keep ? { href: url } : {}), ...rest, rel: "noopener noreferrer", target: "_blank" },
      };
    },
    img: (tagName, attribs) => {
      const { src, ...rest } = attribs;
      const url = src?.trim();
      return {
        tagName,
        attribs: url !== undefined && imageSourceAllowed(url, publicUrl) ? { src: url, ...rest } : rest,
      };
    },
  },
  exclusiveFilter: (frame) => frame.tag === "img" && !frame.attribs.src,
});

const DEFAULT_OPTIONS = optionsFor(undefined);

/**
 * https anywhere, or a hosted image: its `/media/` path, or the same under PUBLIC_URL (which may
 * be http in a development setup, hence http only there).
 */
function imageSourceAllowed(url: string, publicUrl: string | undefined): boolean {
  if (HTTPS.test(url) || HOSTED.test(url)) return true;
  const base = publicUrl?.replace(/\/$/, "");
  return base !== undefined && url.startsWith(`${base}/`) && HOSTED.test(url.slice(base.length));
}

/** `publicUrl`: PUBLIC_URL, under which hosted images may be named absolutely. */
export function sanitizeEntryHtml(html: string, publicUrl?: string): string {
  return sanitizeHtml(html, publicUrl === undefined ? DEFAULT_OPTIONS : optionsFor(publicUrl)).trim();
}
