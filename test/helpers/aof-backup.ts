import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import type { RedisProcess } from "./redis-process.js";
import { waitFor } from "./wait.js";

/**
 * A copy of a test Redis's append-only files as they are now (rewritten first, as a backup job
 * would), to restart it later from this older state with `restoreAof`. Returns the copy's folder.
 */
export async function backupAof(redis: RedisProcess): Promise<string> {
  const admin = new Redis(redis.url, { maxRetriesPerRequest: null });
  try {
    await admin.bgrewriteaof();
    await waitFor(async () => {
      const info = await admin.info("persistence");
      return info.includes("aof_rewrite_in_progress:0") && info.includes("aof_rewrite_scheduled:0");
    }, "AOF rewrite");
  } finally {
    admin.disconnect();
  }
  const copy = mkdtempSync(join(tmpdir(), "liveline-aof-backup-"));
  // Retried: Redis deletes the files from before the rewrite in the background, maybe mid-copy.
  await waitFor(() => {
    rmSync(join(copy, "appendonlydir"), { recursive: true, force: true });
    cpSync(join(redis.dir, "appendonlydir"), join(copy, "appendonlydir"), { recursive: true });
    return true;
  }, "a copy of the AOF");
  return copy;
}

/** Kill Redis by its PID, put the backup's files in place of its own, start it on the same port. */
export async function restoreAof(redis: RedisProcess, backup: string): Promise<void> {
  await redis.kill();
  rmSync(join(redis.dir, "appendonlydir"), { recursive: true, force: true });
  cpSync(join(backup, "appendonlydir"), join(redis.dir, "appendonlydir"), { recursive: true });
  rmSync(backup, { recursive: true, force: true });
  await redis.restart();
}
