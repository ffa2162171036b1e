import { mkdir, open, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { MediaStorage, StoredFile } from "./media-storage.js";

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === "ENOENT";

/**
 * Media on a filesystem: `<root>/<id>/<name>`. With several server processes, `root` is a
 * directory they all share (in compose, the `media` volume). Files are written beside their
 * final name and renamed into place, which is atomic on one filesystem.
 */
export class FileMediaStorage implements MediaStorage {
  constructor(readonly root: string) {}

  async write(id: string, name: string, data: Buffer): Promise<void> {
    const dir = join(this.root, id);
    await mkdir(dir, { recursive: true });
    const partial = join(dir, `.${name}.partial`);
    await writeFile(partial, data);
    await rename(partial, join(dir, name));
  }

  async read(id: string, name: string): Promise<StoredFile | undefined> {
    try {
      // Open first, then stat and stream that same descriptor: no window for a swap between.
      const handle = await open(join(this.root, id, name), "r");
      try {
        const { size } = await handle.stat();
        return { body: handle.createReadStream(), size };
      } catch (err) {
        await handle.close();
        throw err;
      }
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async readAll(id: string, name: string): Promise<Buffer | undefined> {
    try {
      return await readFile(join(this.root, id, name));
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async remove(id: string): Promise<void> {
    await rm(join(this.root, id), { recursive: true, force: true });
  }

  /** Nothing held open between calls. */
  close(): void {}
}
