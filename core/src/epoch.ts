import { randomBytes } from "node:crypto";

/**
 * A fresh epoch for a feed's log (docs/delivery-guarantees.md#lost-history-the-epoch): 8 random
 * URL-safe characters (48 bits), stored in the feed's meta. Scripts that may set one (create-feed,
 * and every script that finds a feed from before epochs, or proof that history was lost) are handed
 * a fresh one in ARGV: Lua's own random numbers are seeded alike in every script run, so they
 * cannot make one.
 */
export function newEpoch(): string {
  return randomBytes(6).toString("base64url");
}

/** What a process that watches or writes a feed last saw of its log: to notice it going back. */
export interface HeldPosition {
  epoch: string;
  seq: number;
  /** `at` of the event at `seq`, when known: tells a rewritten seq from the one that was seen. */
  at?: string | undefined;
}
