import type { TestProject } from "vitest/node";
import { startRedis } from "./helpers/redis-process.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** One server per vitest worker, each with `databases` databases: see test/helpers/shared-redis.ts. */
    sharedRedis: { urls: string[]; databases: number };
  }
}

/**
 * Before any test file: one `redis-server` per vitest worker (no persistence: nothing in it
 * outlives the run), shared by the files that worker runs one after another, each in a database
 * of its own (test/helpers/shared-redis.ts); a file that kills, restarts, wipes or restores
 * Redis starts its own instead (`useStack(env, { redis: "own" })`).
 */
/** Databases of each shared server; 0 holds only the counter that hands the others out. */
const DATABASES = 64;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Unset only if a caller cleared it; one server then serves every worker (each file still in its own database).
  const workers = Math.max(1, project.config.maxWorkers || 1);
  const servers = await Promise.all(
    Array.from({ length: workers }, () =>
      startRedis({ appendonly: false, settings: { databases: String(DATABASES) } }),
    ),
  );
  project.provide("sharedRedis", { urls: servers.map((s) => s.url), databases: DATABASES });
  return async () => {
    await Promise.all(servers.map((s) => s.stop()));
  };
}
