import { Redis } from "ioredis";
import { afterAll, beforeAll, inject } from "vitest";
import { lateBound } from "./late-bound.js";

/** Where a Redis listens, database included: all a test needs of one it shares (it may not stop it). */
export interface RedisEndpoint {
  readonly url: string;
}

/** Database 0 of each shared server holds only this counter, which hands the other databases out. */
const COUNTER = "liveline-test:next-database";

/**
 * A database of its own, emptied, on the `redis-server` this vitest worker shares with the
 * other test files it runs one after another (test/global-setup.ts starts one per worker). A
 * file keeps to its database, so counting keys (DBSIZE) sees only its own; pub/sub channels are
 * shared by every database, which Liveline's prefixed channel names make harmless. Never kill,
 * restart, FLUSHALL or CONFIG SET a shared server: a file that needs that owns its Redis
 * (`useStack(env, { redis: "own" })`, or `startRedis()`). Prefer `useRedis()` or `useStack()`.
 */
export async function sharedRedis(): Promise<RedisEndpoint & { release(): Promise<void> }> {
  const { urls, databases } = inject("sharedRedis");
  // VITEST_POOL_ID is 1…maxWorkers: one id per worker running at a time.
  const worker = Math.max(1, Number(process.env.VITEST_POOL_ID ?? "1"));
  const server = urls[(worker - 1) % urls.length];
  if (server === undefined) throw new Error("no shared Redis: run the tests through vitest (test/global-setup.ts)");
  const admin = new Redis(server, { lazyConnect: true });
  try {
    const n = await admin.incr(COUNTER);
    const db = 1 + ((n - 1) % (databases - 1));
    // A database comes round again after `databases - 1` files: it starts empty all the same.
    await admin.select(db);
    await admin.flushdb();
    return {
      url: `${server}/${db}`,
      release: async () => {
        const client = new Redis(`${server}/${db}`);
        try {
          await client.flushdb();
        } finally {
          client.disconnect();
        }
      },
    };
  } finally {
    admin.disconnect();
  }
}

/**
 * A database of its own on this worker's shared Redis for the whole test file (see
 * sharedRedis), taken in `beforeAll` and emptied in `afterAll`; read `.url` in tests and hooks.
 *
 * @example
 * const redis = useRedis();
 * beforeAll(async () => { client = new Redis(redis.url); });
 */
export function useRedis(): RedisEndpoint {
  let redis: (RedisEndpoint & { release(): Promise<void> }) | undefined;
  beforeAll(async () => {
    redis = await sharedRedis();
  });
  afterAll(async () => {
    await redis?.release();
  });
  return lateBound("useRedis's redis", () => redis);
}

/**
 * Keys a running Liveline writes on its own clock, whatever the requests do: who is here (each
 * node's report) and the audience samples taken every interval. A test that checks a request
 * stored nothing leaves these out of its count.
 */
export function writtenOnTheServersClock(key: string): boolean {
  return /presence\}|:audience/.test(key);
}
