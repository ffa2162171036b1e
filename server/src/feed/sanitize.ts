import sanitizeHtml from "sanitize-html";

/**
 * The contract's allowlist: p, h2, h3, a, strong, em, ul/ol/li, blockquote, br, img with an
 * https src. `<b>` and `<i>` (what Word, Google Docs and older CMSs write) become strong and
 * em, so pasted or legacy emphasis is kept rather than dropped (issue 15). Links are https (or mailto) only and get rel="noopener noreferrer". Anything else --
 * scripts, styles, event handlers, javascript: URLs -- is removed, not escaped.
 */
const HTTPS = /^https:\/\/[^\s/]/i;
const MAILTO = /^mailto:/i;

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: ["p", "h2", "h3", "a", "strong", "em", "ul", "ol", "li", "blockquote", "br", "img"],
  allowedAttributes: { a: ["href", "title", "rel", "target"], img: ["src", "alt", "width", "height"] },
  allowedSchemes: ["https"],
  allowedSchemesByTag: { a: ["https", "mailto"], img: ["https"] },
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
      return { tagName, attribs: url !== undefined && HTTPS.test(url) ? { src: url, ...rest } : rest };
    },
  },
  exclusiveFilter: (frame) => frame.tag === "img" && !frame.attribs.src,
};

export function sanitizeEntryHtml(html: string): string {
  return sanitizeHtml(html, OPTIONS).trim();
}
