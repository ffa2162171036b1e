/**
 * Limits of uploaded media (`POST /v1/media`), zod-free so the console can show them. The byte
 * limit is configurable (MEDIA_MAX_BYTES); these are fixed by the contract.
 */
export const MEDIA_LIMITS = {
  /** Longest alt text, in characters: a sentence or two, as screen-reader guidance asks. */
  maxAltChars: 1_000,
  maxCaptionChars: 2_000,
  maxCreditChars: 300,
  /** Widest side of an accepted image, in pixels. */
  maxSidePixels: 16_384,
  /** Most pixels decoded from one upload (all frames of an animation together). */
  maxPixels: 50_000_000,
  /** Widths of the responsive variants; an image is never enlarged to reach one. */
  variantWidths: [480, 960, 1600],
} as const;

/** The image formats an upload may be, recognised by the file's bytes. */
export const MEDIA_SOURCE_TYPES = ["image/jpeg", "image/png", "image/webp", "image/gif", "image/avif"] as const;
