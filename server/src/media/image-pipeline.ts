import type sharpFunction from "sharp";
import type { Metadata } from "sharp";
import { MEDIA_LIMITS } from "@liveline/protocol";
import { LivelineError } from "../errors.js";
import type { SourceType } from "./media-type.js";

/** What sharp must report for each recognised type; anything else is not what the bytes claimed. */
const SHARP_FORMAT: Record<SourceType, string> = {
  "image/jpeg": "jpeg",
  "image/png": "png",
  "image/webp": "webp",
  "image/gif": "gif",
  "image/avif": "heif",
};

/**
 * Variants are WebP: every browser readers use decodes it (Safari since 14), it keeps
 * transparency and animation, and it encodes in a fraction of AVIF's time, which matters on a
 * newsroom deadline with a 12-megapixel photo; a JPEG fallback would double storage for no
 * reader. Quality 80 is sharp's default, visually lossless for photos at these widths.
 */
export const VARIANT_TYPE = "image/webp";
export const VARIANT_EXTENSION = "webp";
const WEBP = { quality: 80, effort: 4 } as const;

/** A decodable image within the limits, as found by probeImage. */
export interface Probe {
  readonly type: SourceType;
  /** Width and height of one frame, after EXIF orientation is applied. */
  readonly width: number;
  readonly height: number;
  readonly frames: number;
}

export interface RenderedVariant {
  readonly width: number;
  readonly height: number;
  readonly data: Buffer;
}

/**
 * Options for every sharp read: refuse before decoding more than the pixel budget (sharp's own
 * check, a second line behind probeImage), and read every frame of an animation.
 */
const input = (frames: number) => ({ limitInputPixels: MEDIA_LIMITS.maxPixels, animated: frames > 1 });

let loading: Promise<typeof sharpFunction> | undefined;

/**
 * sharp, loaded at the first image: a server that takes no upload (a reader node, most test
 * processes) does not pay for it at start-up (a quarter of a second of CPU).
 */
function loadSharp(): Promise<typeof sharpFunction> {
  loading ??= import("sharp").then((m) => m.default);
  return loading;
}

/** EXIF orientations 5-8 turn the image a quarter: width and height swap. */
const turned = (m: Metadata) => (m.orientation ?? 1) >= 5;

/**
 * Read the image's header (no pixel decode) and check it is what its bytes said and within
 * MEDIA_LIMITS: no side over maxSidePixels, at most maxPixels decoded, frames counted together.
 */
export async function probeImage(path: string, type: SourceType): Promise<Probe> {
  const sharp = await loadSharp();
  let m: Metadata;
  try {
    m = await sharp(path, { animated: true }).metadata();
  } catch {
    throw new LivelineError("image_unreadable", "the file could not be read as an image");
  }
  if (m.format !== SHARP_FORMAT[type] || (type === "image/avif" && m.compression !== "av1")) {
    throw new LivelineError("unsupported_media_type", "the file is not a JPEG, PNG, WebP, GIF or AVIF image");
  }
  const frames = m.pages ?? 1;
  const frameHeight = m.pageHeight ?? m.height;
  const { maxSidePixels, maxPixels } = MEDIA_LIMITS;
  if (m.width > maxSidePixels || frameHeight > maxSidePixels || m.width * frameHeight * frames > maxPixels) {
    throw new LivelineError(
      "image_too_large",
      `the image is ${m.width}x${frameHeight}${frames > 1 ? ` x ${frames} frames` : ""}: at most ${maxSidePixels} px a side and ${maxPixels} pixels in all`,
      { width: m.width, height: frameHeight, frames, maxSidePixels, maxPixels },
    );
  }
  const [width, height] = turned(m) ? [frameHeight, m.width] : [m.width, frameHeight];
  return { type, width, height, frames };
}

/**
 * The widths to render: each standard width narrower than the image, and the image's own width
 * when it is under the widest, so nothing is enlarged and the largest variant keeps all the
 * detail there is up to that width.
 */
export function variantWidths(width: number): number[] {
  const widths: number[] = MEDIA_LIMITS.variantWidths.filter((w) => w < width);
  const widest = MEDIA_LIMITS.variantWidths[MEDIA_LIMITS.variantWidths.length - 1] ?? width;
  widths.push(Math.min(width, widest));
  return [...new Set(widths)].sort((a, b) => a - b);
}

/**
 * Re-encode the image at each width as WebP. `rotate()` first applies the EXIF orientation to
 * the pixels; sharp writes no metadata at all unless asked (`keepMetadata`/`withMetadata`,
 * never called here), so EXIF (GPS, camera serials), XMP, IPTC and ICC blocks are all dropped
 * and colours are converted to sRGB.
 */
export async function renderVariants(path: string, probe: Probe): Promise<RenderedVariant[]> {
  // failOn "error", not sharp's default "warning": phones and editing tools write JPEGs with
  // small flaws libjpeg only warns about, and refusing those would refuse real photos.
  const sharp = await loadSharp();
  const source = sharp(path, { ...input(probe.frames), failOn: "error" }).rotate();
  try {
    return await Promise.all(
      variantWidths(probe.width).map(async (width) => {
        const { data, info } = await source
          .clone()
          .resize({ width, withoutEnlargement: true })
          .webp(WEBP)
          .toBuffer({ resolveWithObject: true });
        // An animation's height is reported for all frames stacked.
        const height = info.pageHeight ?? Math.round(info.height / probe.frames);
        return { width: info.width, height, data };
      }),
    );
  } catch {
    throw new LivelineError("image_unreadable", "the image could not be decoded (is the file complete?)");
  }
}
