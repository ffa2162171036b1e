import { readFileSync } from "node:fs";

function load(name: string): string {
  return readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), "utf8");
}

/** Lua sources, read once; ioredis registers them with `defineCommand` (EVALSHA, then EVAL). */
export const LUA = {
  accept: { numberOfKeys: 4, lua: load("accept") },
  apply: { numberOfKeys: 7, lua: load("apply") },
  snapshot: { numberOfKeys: 4, lua: load("snapshot") },
  catchUp: { numberOfKeys: 2, lua: load("catch-up") },
  createFeed: { numberOfKeys: 1, lua: load("create-feed") },
} as const;

export type ScriptName = keyof typeof LUA;
