import { z } from "zod";
import { MediaFields, MediaItem } from "../media.js";
import { defineOperation } from "./operation.js";
import { err } from "./replies.js";

/** Images: uploaded by editors, re-encoded, served as immutable files. */

/** A form field sent empty (an untouched caption box) counts as not sent; a blank one is refused. */
const orEmpty = (field: z.ZodType) => z.union([field, z.literal("")]).optional();

export const uploadMedia = defineOperation({
  method: "post",
  path: "/v1/media",
  summary:
    "Upload an image (JPEG, PNG, WebP, GIF or AVIF, judged by its bytes); it is re-encoded as WebP at 480/960/1600 px wide (never enlarged) with all metadata removed",
  access: "contribute",
  bodyType: "multipart/form-data",
  body: z.strictObject({
    alt: orEmpty(MediaFields.shape.alt.unwrap()),
    caption: orEmpty(MediaFields.shape.caption.unwrap()),
    credit: orEmpty(MediaFields.shape.credit.unwrap()),
    file: z.string().meta({ contentMediaType: "application/octet-stream", description: "the image" }),
  }),
  responses: {
    201: { description: "stored", schema: MediaItem },
    413: err("payload_too_large: over MEDIA_MAX_BYTES (`details.maxBytes` names the limit)"),
    415: err("unsupported_media_type: not multipart, or not a JPEG, PNG, WebP, GIF or AVIF image"),
    422: err("image_too_large (over 16384 px a side or 50 megapixels) / image_unreadable"),
  },
});

export const getMedia = defineOperation({
  method: "get",
  path: "/v1/media/:mediaId",
  summary: "An uploaded image's record: its variants, alt, caption and credit (URLs on PUBLIC_URL, else root-relative)",
  access: "reader",
  withoutRedis: true,
  responses: { 200: { description: "the media", schema: MediaItem }, 404: err("media_not_found") },
});

export const getMediaFile = defineOperation({
  method: "get",
  path: "/media/:mediaId/:file",
  summary: "One variant of an uploaded image (Cache-Control: public, max-age=31536000, immutable)",
  access: "anyone",
  responses: {
    200: { description: "the image", schema: z.string(), contentType: "image/webp" },
    // Served like static files: a name that is no variant's is simply not there.
    400: err("validation_failed: the path is not validly percent-encoded"),
    404: err("media_not_found: no such item, or a name that is not one of its variants (`<width>.webp`)"),
  },
});
