import { z } from "zod";

/**
 * The accepted state of an entry, one JSON record per entry in the feed's `accepted` hash: what
 * the entry will be once every change accepted so far is applied. The Lua scripts read and write
 * it through lua/includes/accepted-state.lua, the one place they know its fields; this is its
 * shape for TypeScript. An accepted entry without a record (a new published one) is published at
 * its stored revision, 1 until the worker stores it.
 */
export const AcceptedState = z.object({
  /** Its revision: each accepted change of the entry takes the next one (If-Match is checked on it). */
  r: z.number().int().positive(),
  /** Its status once applied (a record without one is a published entry's, as the scripts read it). */
  st: z.enum(["draft", "scheduled", "published"]).default("published"),
  /** Its schedule version: a delayed release of another version is stale. */
  sv: z.number().int().nonnegative().default(0),
  /** Who created it (the token's or person's id): a contributor changes drafts of their own only. */
  by: z.string().optional(),
});
export type AcceptedState = z.infer<typeof AcceptedState>;
