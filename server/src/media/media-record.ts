import { z } from "zod";
import { MEDIA_SOURCE_TYPES, MediaId, type MediaItem } from "@liveline/protocol";

/** The record's file name inside the item's folder, beside its variants. */
export const RECORD_NAME = "media.json";

/** Variant file names: `<width>.<ext>`. The only names GET /media/:id/:file serves. */
export const VARIANT_FILE = /^(\d{1,5})\.(webp)$/;

/**
 * What is stored about an upload, as JSON next to its files: the record and the images share
 * one lifetime, one volume (or bucket) and one backup, and a Redis reset leaves media intact.
 * `v` lets a later server read records written by an earlier one. The record holds file names,
 * not URLs: the public address is decided when it is served (PUBLIC_URL).
 */
export const MediaRecord = z.object({
  v: z.literal(1),
  id: MediaId,
  createdAt: z.iso.datetime(),
  /** Token subject of the uploader (kept for the newsroom, never shown to readers). */
  by: z.string(),
  source: z.object({
    type: z.enum(MEDIA_SOURCE_TYPES),
    bytes: z.number().int().nonnegative(),
    frames: z.number().int().positive(),
  }),
  /** Narrowest first. */
  variants: z
    .array(
      z.object({
        file: z.string().regex(VARIANT_FILE),
        width: z.number().int().positive(),
        height: z.number().int().positive(),
        type: z.string(),
        bytes: z.number().int().nonnegative(),
      }),
    )
    .min(1),
  alt: z.string().optional(),
  caption: z.string().optional(),
  credit: z.string().optional(),
});
export type MediaRecord = z.infer<typeof MediaRecord>;

/** Path of one of an item's files as served by this service. */
export const mediaPath = (id: string, file: string) => `/media/${id}/${file}`;

/** The record as clients see it, with URLs under `base` (PUBLIC_URL, or "" for root-relative URLs). */
export function toMediaItem(record: MediaRecord, base: string): MediaItem {
  const variants = record.variants.map((v) => ({
    url: `${base}${mediaPath(record.id, v.file)}`,
    width: v.width,
    height: v.height,
    type: v.type,
  }));
  const largest = variants.at(-1);
  if (largest === undefined) throw new Error(`media ${record.id} has no variants`);
  return {
    id: record.id,
    url: largest.url,
    width: largest.width,
    height: largest.height,
    variants,
    ...(record.alt === undefined ? {} : { alt: record.alt }),
    ...(record.caption === undefined ? {} : { caption: record.caption }),
    ...(record.credit === undefined ? {} : { credit: record.credit }),
  };
}
