import sanitizeHtml from "sanitize-html";

/**
 * The contract's allowlist: p, a, strong, em, ul/ol/li, blockquote, br, img with an https
 * src. Links are https (or mailto) only and get rel="noopener noreferrer". Anything else --
 * scripts, styles, event handlers, javascript: URLs -- is removed, not escaped.
 */
const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: ["p", "a", "strong", "em", "ul", "ol", "li", "blockquote", "br", "img"],
  allowedAttributes: { a: ["href", "title", "rel", "target"], img: ["src", "alt", "width", "height"] },
  allowedSchemes: ["https"],
  allowedSchemesByTag: { a: ["https", "mailto"], img: ["https"] },
  allowProtocolRelative: false,
  disallowedTagsMode: "discard",
  enforceHtmlBoundary: true,
  transformTags: {
    a: sanitizeHtml.simpleTransform("a", { rel: "noopener noreferrer", target: "_blank" }),
  },
  exclusiveFilter: (frame) => frame.tag === "img" && !frame.attribs.src,
};

export function sanitizeEntryHtml(html: string): string {
  return sanitizeHtml(html, OPTIONS).trim();
}
