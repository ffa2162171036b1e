import type { Readable } from "node:stream";

/** One stored file, ready to stream to a reader. */
export interface StoredFile {
  readonly body: Readable;
  readonly size: number;
}

/**
 * Where media files live: `<id>/<name>` for each media item. The filesystem implementation
 * (FileMediaStorage) is the one available; an S3-compatible one would implement the same four
 * calls. Names are chosen by the server, never by the uploader.
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
}
