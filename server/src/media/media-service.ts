import { randomUUID } from "node:crypto";
import type { MediaFields } from "@liveline/protocol";
import type { Logger } from "@liveline/core";
import { LivelineError } from "../errors.js";
import { VARIANT_EXTENSION, VARIANT_TYPE, probeImage, renderVariants } from "./image-pipeline.js";
import { MediaRecord, RECORD_NAME } from "./media-record.js";
import type { MediaStorage, StoredFile } from "./media-storage.js";
import { sniffFile } from "./media-type.js";

/** An upload as received: the file on disk, its size, the validated descriptive fields. */
export interface Upload {
  readonly path: string;
  readonly bytes: number;
  readonly fields: MediaFields;
  /** Token subject of the uploader. */
  readonly by: string;
}

/**
 * Turns an uploaded image into stored, metadata-free variants and a record. An item becomes
 * visible only when its record is written, after every variant: a reader never finds an item
 * with missing files, and a failed upload leaves nothing behind.
 */
export class MediaService {
  constructor(
    private readonly storage: MediaStorage,
    private readonly logger: Logger,
  ) {}

  async upload(upload: Upload): Promise<MediaRecord> {
    const type = await sniffFile(upload.path);
    if (type === undefined) {
      throw new LivelineError("unsupported_media_type", "the file is not a JPEG, PNG, WebP, GIF or AVIF image");
    }
    const probe = await probeImage(upload.path, type);
    const started = performance.now();
    const rendered = await renderVariants(upload.path, probe);
    const id = randomUUID();
    const record: MediaRecord = {
      v: 1,
      id,
      createdAt: new Date().toISOString(),
      by: upload.by,
      source: { type, bytes: upload.bytes, frames: probe.frames },
      variants: rendered.map((r) => ({
        file: `${r.width}.${VARIANT_EXTENSION}`,
        width: r.width,
        height: r.height,
        type: VARIANT_TYPE,
        bytes: r.data.length,
      })),
      ...upload.fields,
    };
    try {
      await Promise.all(rendered.map((r) => this.storage.write(id, `${r.width}.${VARIANT_EXTENSION}`, r.data)));
      await this.storage.write(id, RECORD_NAME, Buffer.from(JSON.stringify(record)));
    } catch (err) {
      await this.storage.remove(id).catch(() => undefined);
      throw err;
    }
    const ms = Math.round(performance.now() - started);
    this.logger.info({ mediaId: id, type, bytes: upload.bytes, variants: rendered.length, ms }, "media stored");
    return record;
  }

  /** The item's record; 404 `media_not_found` when there is none. */
  async get(id: string): Promise<MediaRecord> {
    const raw = await this.storage.readAll(id, RECORD_NAME);
    if (raw === undefined) throw new LivelineError("media_not_found", `no media '${id}'`);
    return MediaRecord.parse(JSON.parse(raw.toString("utf8")));
  }

  /** One variant file of an item, or undefined. */
  file(id: string, name: string): Promise<StoredFile | undefined> {
    return this.storage.read(id, name);
  }
}
