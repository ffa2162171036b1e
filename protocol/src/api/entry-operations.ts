import {
  DraftsResponse,
  Entry,
  EntryPage,
  IdempotencyKey,
  ListEntriesQuery,
  PublishEntryRequest,
  RevisionsResponse,
  UpdateEntryRequest,
} from "../schemas.js";
import { RetractEntryRequest } from "../editorial.js";
import { defineOperation } from "./operation.js";
import { accepted, err, ifMatch, revisionConflict } from "./replies.js";

/** Entries: publishing, editing, retracting, drafts, and reading them back. */

/** What a write that attaches media answers 404 for, besides its feed or entry. */
const mediaNotFound = (others: string) =>
  err(`${others} / media_not_found: a \`media\` id names no upload (\`details\` names each, \`media.<i>.id\`)`);

export const publishEntry = defineOperation({
  method: "post",
  path: "/v1/feeds/:feedId/entries",
  summary:
    'Publish an entry, or keep it as a draft (`"status": "draft"`) or schedule it (`publishAt`; a time already past is due at once). Contributors: drafts only (else 403)',
  access: "contribute",
  body: PublishEntryRequest,
  headers: { "Idempotency-Key": { schema: IdempotencyKey, description: "repeat-safe publish (kept 24 h)" } },
  responses: {
    202: accepted,
    404: mediaNotFound("feed_not_found"),
    409: err(
      "entry_exists / idempotency_key_reused: the id or key was used for other content; entry_retracted: the id was retracted; feed_ended",
    ),
  },
});

export const listEntries = defineOperation({
  method: "get",
  path: "/v1/feeds/:feedId/entries",
  summary: "Entries newest first, paged with `before`",
  access: "reader",
  query: ListEntriesQuery,
  responses: { 200: { description: "a page", schema: EntryPage } },
});

export const updateEntry = defineOperation({
  method: "patch",
  path: "/v1/feeds/:feedId/entries/:entryId",
  summary:
    "Edit an entry (content, media, embeds, correction, pin, key event); a draft's publishAt schedules, reschedules or (null) cancels it. Contributors: their own drafts only",
  access: "contribute",
  body: UpdateEntryRequest,
  headers: ifMatch,
  responses: {
    202: accepted,
    404: mediaNotFound("feed_not_found / entry_not_found"),
    409: err("entry_published: publishAt sent for a published entry"),
    412: revisionConflict,
  },
});

export const retractEntry = defineOperation({
  method: "delete",
  path: "/v1/feeds/:feedId/entries/:entryId",
  summary:
    "Retract an entry (a draft is discarded, with no event); the optional `reason` is kept on its `entry.deleted` revision, never shown to readers",
  access: "contribute",
  body: RetractEntryRequest,
  bodyOptional: true,
  headers: ifMatch,
  responses: { 202: accepted, 412: revisionConflict },
});

export const publishDraft = defineOperation({
  method: "post",
  path: "/v1/feeds/:feedId/entries/:entryId/publish",
  summary: "Publish a draft or scheduled entry now: it gets its seq when applied (editors, never contributors)",
  access: "edit",
  responses: { 202: accepted, 409: err("entry_published: it is published already; feed_ended") },
});

export const listDrafts = defineOperation({
  method: "get",
  path: "/v1/feeds/:feedId/drafts",
  summary:
    "Drafts and scheduled entries (scheduled first, soonest first), each with `by`, the token subject that wrote it; a contributor sees their own",
  access: "contribute",
  responses: { 200: { description: "drafts", schema: DraftsResponse } },
});

export const getEntry = defineOperation({
  method: "get",
  path: "/v1/feeds/:feedId/entries/:entryId",
  summary:
    "One entry, with an ETag of its accepted revision for If-Match (its writers also get a draft here; readers only published entries)",
  access: "reader",
  responses: { 200: { description: "the entry", schema: Entry, etag: true } },
});

export const listRevisions = defineOperation({
  method: "get",
  path: "/v1/feeds/:feedId/entries/:entryId/revisions",
  summary: "Revision history: who changed the entry, when and how (editors of the feed)",
  access: "edit",
  responses: { 200: { description: "revisions, oldest first", schema: RevisionsResponse } },
});
