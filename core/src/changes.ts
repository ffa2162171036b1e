import { z } from "zod";
import {
  Actor,
  ENTRY_CONTENT_FIELDS,
  Embed,
  Entry,
  EntryId,
  EntryMedia,
  RetractReason,
  UpdateEntryRequest,
  UpdateFeedRequest,
} from "@liveline/protocol";

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
  media: true,
  embeds: true,
}).extend({
  /** Absent: published at once. A draft (or a scheduled one) is kept from readers until released. */
  status: z.enum(["draft", "scheduled", "published"]).optional(),
  publishAt: z.iso.datetime({ offset: true }).optional(),
});

/**
 * An edit as stored: the request's own schema (its body already sanitized), with media and
 * embeds resolved (an id becomes the item with its variants; a URL gets its provider). The
 * apply script is handed the field names from here, so a field added to the contract is applied
 * without touching the Lua; `correction` and `publishAt` are not fields of the entry and are
 * applied by name.
 */
const EntryPatch = z.strictObject({
  ...UpdateEntryRequest.shape,
  media: z.array(EntryMedia).optional(),
  embeds: z.array(Embed).optional(),
});
const FeedPatch = UpdateFeedRequest;

/** The fields an entry edit may change, in the contract's order (apply.lua's ARGV). */
export const ENTRY_PATCH_FIELDS = Object.keys(EntryPatch.shape).filter(
  (k) => k !== "correction" && k !== "publishAt",
) as (keyof EntryPatch)[];
/** Of those, the ones that are content: changing one moves `updatedAt` (apply.lua's ARGV). */
export { ENTRY_CONTENT_FIELDS };
/** The fields a feed change may change (apply.lua's ARGV). */
export const FEED_PATCH_FIELDS = Object.keys(UpdateFeedRequest.shape) as (keyof UpdateFeedRequest)[];

/**
 * v1: the original change. v2 adds `by`, the token subject that made the change, which the
 * apply script records on the entry's revision history; a v1 change (written by an older
 * release during a rolling deploy) is recorded with by = "unknown". v3: `by` is the person
 * `{id, name}`, or the id alone when the name is the id (see StoredActor); accept.lua keeps only
 * the id (the accepted state's `by`, for a contributor's own drafts), the revision the whole.
 */
const base = {
  v: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  at: z.iso.datetime(),
  requestId: z.string().optional(),
  by: z.union([z.string().min(1).max(200), Actor]).optional(),
};

export const Change = z.discriminatedUnion("op", [
  z.object({ ...base, op: z.literal("publish"), entry: NewEntry }),
  z.object({ ...base, op: z.literal("update"), entryId: EntryId, patch: EntryPatch }),
  /** `reason`: why it was retracted, recorded on its `entry.deleted` revision (absent in older changes). */
  z.object({ ...base, op: z.literal("delete"), entryId: EntryId, reason: RetractReason.optional() }),
  z.object({ ...base, op: z.literal("feed.update"), patch: FeedPatch }),
  /**
   * Publish a draft or scheduled entry now. `scheduleVersion`: only if the entry is still
   * scheduled under that version (the delayed job of a schedule since moved or cancelled is a
   * no-op); absent for the editor's own publish.
   */
  z.object({
    ...base,
    op: z.literal("release"),
    entryId: EntryId,
    scheduleVersion: z.number().int().positive().optional(),
  }),
]);

export type Change = z.infer<typeof Change>;
export type NewEntry = z.infer<typeof NewEntry>;
export type EntryPatch = z.infer<typeof EntryPatch>;
export type FeedPatch = z.infer<typeof FeedPatch>;

/**
 * BullMQ job payload of the previous release: "apply this feed's pending changes up to `ticket`".
 * Still applied (a rolling deploy can leave some in Redis), no longer asked for by the API.
 */
export const ApplyJob = z.object({
  v: z.literal(1),
  feedId: z.string(),
  ticket: z.number().int().positive(),
  /** The API request that accepted the change, for logs (absent on jobs re-driven by a sweep). */
  requestId: z.string().max(64).optional(),
});
export type ApplyJob = z.infer<typeof ApplyJob>;

/**
 * BullMQ delayed job: "at publishAt, publish this scheduled entry, if it is still scheduled
 * under `scheduleVersion`". Its id names the version, so a reschedule adds a new job and the
 * old one, if it still fires, finds another version and does nothing.
 */
export const ReleaseJob = z.object({
  v: z.literal(1),
  kind: z.literal("release"),
  feedId: z.string(),
  entryId: EntryId,
  scheduleVersion: z.number().int().positive(),
});
export type ReleaseJob = z.infer<typeof ReleaseJob>;

/**
 * BullMQ job payload: "apply every feed of cluster slot `slot` that is behind" (group commit across
 * feeds: one job for every change accepted in the slot until a worker takes it; see accept.lua).
 * `feedId` and `requestId`: the change whose accept asked for the job, for logs (absent on jobs
 * re-driven by a sweep): the feed's "applied" line carries the request id.
 */
export const DrainJob = z.object({
  v: z.literal(1),
  kind: z.literal("drain"),
  slot: z.number().int().nonnegative(),
  feedId: z.string().optional(),
  requestId: z.string().max(64).optional(),
});
export type DrainJob = z.infer<typeof DrainJob>;

/** Every job of the publish queue (jobs without `kind` are apply jobs: queued by an earlier release). */
export const PublishJob = z.union([DrainJob, ReleaseJob, ApplyJob]);
export type PublishJob = z.infer<typeof PublishJob>;
