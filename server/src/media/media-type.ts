import { open } from "node:fs/promises";
import type { MEDIA_SOURCE_TYPES } from "@liveline/protocol";

export type SourceType = (typeof MEDIA_SOURCE_TYPES)[number];

/** Bytes read from the start of an upload: enough for every signature below. */
const HEAD_BYTES = 64;

const startsWith = (head: Buffer, bytes: number[] | string, at = 0): boolean => {
  const sig = typeof bytes === "string" ? Buffer.from(bytes, "latin1") : Buffer.from(bytes);
  return head.length >= at + sig.length && head.subarray(at, at + sig.length).equals(sig);
};

/**
 * AVIF is an ISO-BMFF file whose `ftyp` box names `avif` (still) or `avis` (sequence) as its
 * major brand or one of its compatible brands. HEIC shares the container and is refused.
 */
function isAvif(head: Buffer): boolean {
  if (!startsWith(head, "ftyp", 4)) return false;
  const boxSize = Math.min(head.readUInt32BE(0), head.length);
  // major brand at 8, minor version at 12, compatible brands from 16, four bytes each
  for (let at = 8; at + 4 <= boxSize; at += at === 8 ? 8 : 4) {
    const brand = head.toString("latin1", at, at + 4);
    if (brand === "avif" || brand === "avis") return true;
  }
  return false;
}

/**
 * What an upload is, judged by its leading bytes (magic numbers) alone: a file's name and
 * declared content type are the sender's claims and are never consulted.
 */
export function sniffImageType(head: Buffer): SourceType | undefined {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return "image/jpeg";
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (startsWith(head, "GIF87a") || startsWith(head, "GIF89a")) return "image/gif";
  if (startsWith(head, "RIFF") && startsWith(head, "WEBP", 8)) return "image/webp";
  if (isAvif(head)) return "image/avif";
  return undefined;
}

/** sniffImageType for a file on disk. */
export async function sniffFile(path: string): Promise<SourceType | undefined> {
  const file = await open(path, "r");
  try {
    const head = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await file.read(head, 0, HEAD_BYTES, 0);
    return sniffImageType(head.subarray(0, bytesRead));
  } finally {
    await file.close();
  }
}
