/**
 * Why an image was not uploaded, in the words a reporter on deadline reads: what is wrong with
 * the photo and what to do, not the server's message. Decided by the error's stable `code`
 * (and its `details`), never by message text; an unknown code falls back to the server's words.
 */
import { MEDIA_LIMITS } from "@liveline/protocol/constants";
import { ApiError, describeError } from "./console-api.js";

const MB = 1024 * 1024;

function megabytes(bytes: number): string {
  const mb = bytes / MB;
  return `${mb >= 10 || Number.isInteger(mb) ? Math.round(mb) : mb.toFixed(1)} MB`;
}

function maxBytesOf(details: unknown): number | undefined {
  if (typeof details !== "object" || details === null) return undefined;
  const max = (details as { maxBytes?: unknown }).maxBytes;
  return typeof max === "number" && max > 0 ? max : undefined;
}

export function describeUploadError(err: unknown): string {
  if (!(err instanceof ApiError)) return describeError(err);
  switch (err.code) {
    case "payload_too_large": {
      const max = maxBytesOf(err.details);
      return max === undefined
        ? "This photo is too large to upload. Export a smaller copy and try again."
        : `This photo is larger than ${megabytes(max)}. Export a smaller copy and try again.`;
    }
    case "unsupported_media_type":
      return "This file is not a photo the desk can take: use a JPEG, PNG, WebP, GIF or AVIF image.";
    case "image_too_large":
      return `This photo has too many pixels: at most ${MEDIA_LIMITS.maxSidePixels.toLocaleString("en")} on a side and ${Math.round(MEDIA_LIMITS.maxPixels / 1e6)} megapixels. Resize it and try again.`;
    case "image_unreadable":
      return "This photo could not be read: the file may be damaged or incomplete.";
    case "network":
      return "The upload was interrupted: check the connection and try again.";
    case "unauthorized":
    case "token_expired":
      return "You are not signed in for this feed: sign in and try again.";
    case "forbidden":
      return "You are not allowed to upload images here.";
    case "rate_limited":
      return "Too many uploads at once: wait a moment and try again.";
    default:
      return describeError(err);
  }
}
