import { z } from "zod";
import { MEDIA_LIMITS } from "./media-limits.js";
import { TextLine } from "./text.js";

/** Media ids are random UUIDs chosen by the server. */
export const MediaId = z.uuid({ version: "v4", message: "must be a media id (a UUID)" });

/** The descriptive fields of an upload (multipart form fields beside `file`). */
export const MediaFields = z.strictObject({
  alt: TextLine(MEDIA_LIMITS.maxAltChars).optional(),
  caption: TextLine(MEDIA_LIMITS.maxCaptionChars).optional(),
  credit: TextLine(MEDIA_LIMITS.maxCreditChars).optional(),
});

/**
 * Where a file is served: an absolute URL on PUBLIC_URL, or, when the deployment has none, a
 * root-relative path on the Liveline origin (`/media/<id>/480.webp`), never an origin taken
 * from the request.
 */
const MediaUrl = z.union([z.url({ protocol: /^https?$/ }), z.string().regex(/^\/media\/[^/?#]+\/[^/?#]+$/)]);

export const MediaVariant = z.object({
  url: MediaUrl,
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** Content type of the file, e.g. `image/webp`. */
  type: z.string(),
});

/**
 * An uploaded image as clients see it: `url`, `width` and `height` are those of the largest
 * variant; `variants` are ordered narrowest first (for `srcset`). `alt` is optional here and
 * required once the media is attached to an entry.
 */
export const MediaItem = z.object({
  id: MediaId,
  url: MediaUrl,
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  variants: z.array(MediaVariant).min(1),
  alt: z.string().optional(),
  caption: z.string().optional(),
  credit: z.string().optional(),
});

export type MediaFields = z.infer<typeof MediaFields>;
export type MediaVariant = z.infer<typeof MediaVariant>;
export type MediaItem = z.infer<typeof MediaItem>;
