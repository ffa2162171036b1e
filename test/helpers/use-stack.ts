import { afterAll, beforeAll } from "vitest";
import { startRedis, type RedisProcess } from "./redis-process.js";
import { startStack, type Stack } from "./stack.js";

export interface StackFixture {
  readonly redis: RedisProcess;
  readonly stack: Stack;
}

/**
 * One private redis-server and one in-process Liveline for the whole test file, started in
 * `beforeAll` and stopped in `afterAll`. Read `fixture.stack` inside tests, not at import.
 */
export function useStack(env: Record<string, string> = {}): StackFixture {
  let redis: RedisProcess | undefined;
  let stack: Stack | undefined;
  beforeAll(async () => {
    redis = await startRedis();
    stack = await startStack(redis.url, env);
  });
  afterAll(async () => {
    await stack?.close();
    await redis?.stop();
  });
  const missing = (what: string): never => {
    throw new Error(`${what} is only available inside tests (useStack starts it in beforeAll)`);
  };
  return {
    get redis() {
      return redis ?? missing("redis");
    },
    get stack() {
      return stack ?? missing("stack");
    },
  };
}
