import { z } from "zod";
import { Entry, EntryId, UpdateEntryRequest, UpdateFeedRequest } from "@liveline/protocol";

/**
 * A change accepted by the API and waiting in the feed's pending hash until a worker applies
 * it. Versioned so that a rolling deploy can apply changes written by the previous release.
 * Bodies are already sanitized: the API does it before accepting.
 */
const NewEntry = Entry.pick({
  id: true,
  headline: true,
  body: true,
  author: true,
  pinned: true,
  keyEvent: true,
  breaking: true,
});

/**
 * An edit as stored: the request's own schema (its body already sanitized). The apply script
 * is handed the field names from here, so a field added to the contract is applied without
 * touching the Lua.
 */
const EntryPatch = UpdateEntryRequest;
const FeedPatch = UpdateFeedRequest;

/** The fields an entry edit may change, in the contract's order (apply.lua's ARGV). */
export const ENTRY_PATCH_FIELDS = Object.keys(UpdateEntryRequest.shape) as (keyof UpdateEntryRequest)[];
/** The fields a feed change may change (apply.lua's ARGV). */
export const FEED_PATCH_FIELDS = Object.keys(UpdateFeedRequest.shape) as (keyof UpdateFeedRequest)[];

/**
 * v1: the original change. v2 adds `by`, the token subject that made the change, which the
 * apply script records on the entry's revision history; a v1 change (written by an older
 * release during a rolling deploy) is recorded with by = "unknown".
 */
const base = {
  v: z.union([z.literal(1), z.literal(2)]),
  at: z.iso.datetime(),
  requestId: z.string().optional(),
  by: z.string().max(200).optional(),
};

export const Change = z.discriminatedUnion("op", [
  z.object({ ...base, op: z.literal("publish"), entry: NewEntry }),
  z.object({ ...base, op: z.literal("update"), entryId: EntryId, patch: EntryPatch }),
  z.object({ ...base, op: z.literal("delete"), entryId: EntryId }),
  z.object({ ...base, op: z.literal("feed.update"), patch: FeedPatch }),
]);

export type Change = z.infer<typeof Change>;
export type NewEntry = z.infer<typeof NewEntry>;
export type EntryPatch = z.infer<typeof EntryPatch>;
export type FeedPatch = z.infer<typeof FeedPatch>;

/** BullMQ job payload: "apply this feed's pending changes up to `ticket`". */
export const ApplyJob = z.object({
  v: z.literal(1),
  feedId: z.string(),
  ticket: z.number().int().positive(),
  /** The API request that accepted the change, for logs (absent on jobs re-driven by a sweep). */
  requestId: z.string().max(64).optional(),
});
export type ApplyJob = z.infer<typeof ApplyJob>;
