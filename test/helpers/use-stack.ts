import { afterAll, beforeAll } from "vitest";
import { lateBound } from "./late-bound.js";
import { startRedis, type RedisProcess } from "./redis-process.js";
import { sharedRedis, type RedisEndpoint } from "./shared-redis.js";
import { startStack, type Stack, type StackOptions } from "./stack.js";

export interface StackFixture<R extends RedisEndpoint = RedisEndpoint> {
  /** The Redis the stack uses: the worker's shared one, or with `{ redis: "own" }` a private process. */
  readonly redis: R;
  readonly stack: Stack;
  /**
   * Close the stack (a no-op if the test already did, e.g. to crash it) and start another on the
   * same Redis with the file's env plus `env` (e.g. the old PORT and KEY_PREFIX, to come back
   * where readers left it); `stack` reads the new one from then on.
   */
  readonly restartStack: (env?: Record<string, string>) => Promise<Stack>;
}

/**
 * The stack's environment (see server/src/config.ts); a function when it needs what an earlier
 * `beforeAll` made (a port, a file), called when the stack starts.
 */
export type StackEnv = Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);

export interface UseStackOptions extends StackOptions {
  /**
   * `"shared"`: a database of its own on the vitest worker's redis-server (test/helpers/shared-redis.ts).
   * `"own"`: a private redis-server (append-only file on) for a file that
   * kills, restarts, wipes or restores it; `fixture.redis` is then its RedisProcess.
   * @default "shared"
   */
  redis?: "shared" | "own";
}

/**
 * One in-process Liveline (all roles, on port 0, under a fresh key prefix) for the whole test
 * file, started in `beforeAll` and closed in `afterAll`. Declare it at the top of the file and
 * read it in tests and hooks:
 *
 * @example
 * const { stack, redis } = useStack({ EVENT_LOG_LENGTH: "10" });
 * it("publishes", async () => {
 *   expect((await stack.api.createFeed("f")).status).toBe(201);
 *   const other = await startStack(redis.url); // a second node on the same Redis
 * });
 *
 * `stack` and `redis` stand in for the values the hook creates (see late-bound.ts), so they
 * can be destructured at the top; reading them at import time fails with a clear message.
 */
export function useStack(env?: StackEnv, options?: UseStackOptions & { redis?: "shared" }): StackFixture;
export function useStack(env: StackEnv, options: UseStackOptions & { redis: "own" }): StackFixture<RedisProcess>;
export function useStack(
  stackEnv: StackEnv = {},
  { redis: which = "shared", ...stackOptions }: UseStackOptions = {},
): StackFixture<RedisEndpoint> {
  let redis: RedisEndpoint | undefined;
  let release: () => Promise<void> = () => Promise.resolve();
  let stack: Stack | undefined;
  let env: Record<string, string> = {};
  beforeAll(async () => {
    env = typeof stackEnv === "function" ? await stackEnv() : stackEnv;
    if (which === "own") {
      const own = await startRedis();
      redis = own;
      release = () => own.stop();
    } else {
      const shared = await sharedRedis();
      redis = shared;
      release = () => shared.release();
    }
    stack = await startStack(redis.url, env, stackOptions);
  });
  afterAll(async () => {
    await stack?.close();
    await release();
  });
  return {
    redis: lateBound("useStack's redis", () => redis),
    stack: lateBound("useStack's stack", () => stack),
    restartStack: async (more = {}) => {
      if (redis === undefined || stack === undefined) throw new Error("restartStack is for tests, after beforeAll");
      await stack.close();
      stack = await startStack(redis.url, { ...env, ...more }, stackOptions);
      return stack;
    },
  };
}
