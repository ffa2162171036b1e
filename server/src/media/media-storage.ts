import type { Readable } from "node:stream";

/** One stored file, ready to stream to a reader. */
export interface StoredFile {
  readonly body: Readable;
  readonly size: number;
}

/**
 * Where media files live: `<id>/<name>` for each media item, on a filesystem (FileMediaStorage,
 * the default) or in an S3-compatible bucket (S3MediaStorage, when MEDIA_S3_BUCKET is set).
 * Names are chosen by the server, never by the uploader.
 */
export interface MediaStorage {
  /** Write one file of an item, whole or not at all (a reader never sees half a file). */
  write(id: string, name: string, data: Buffer): Promise<void>;
  /** The file, or undefined when there is none. */
  read(id: string, name: string): Promise<StoredFile | undefined>;
  /** A small file's bytes (the item's record), or undefined when there is none. */
  readAll(id: string, name: string): Promise<Buffer | undefined>;
  /** Remove every file of an item (an upload that failed half-way). */
  remove(id: string): Promise<void>;
  /** Let go of connections (at shutdown). */
  close(): void;
}
