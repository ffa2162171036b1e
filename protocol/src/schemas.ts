import { z } from "zod";
import {
  ENTRY_ID_PATTERN,
  ERROR_CODES,
  type FEED_EVENT_TYPES,
  FEED_ID_PATTERN,
  FEED_STATUSES,
  FEED_VISIBILITIES,
  LIMITS,
  EPOCH_PATTERN,
  ENTRY_STATUSES,
} from "./constants.js";
import {
  Correction,
  CorrectionText,
  ENTRY_ATTACHMENT_LIMITS,
  Embed,
  EmbedRef,
  EntryMedia,
  EntryMediaRef,
} from "./editorial.js";

import { NOT_BLANK, Text, TextLine } from "./text.js";

export { Text };

/** See FEED_ID_PATTERN. */
export const FeedId = Text.regex(FEED_ID_PATTERN, "must be a slug: a-z, 0-9 and '-', at most 64 characters");

/** See ENTRY_ID_PATTERN. */
export const EntryId = Text.regex(ENTRY_ID_PATTERN, "must be 1-64 characters of A-Z, a-z, 0-9, '_' and '-'");

export const Seq = z.number().int().nonnegative();
/**
 * A feed log's epoch (docs/delivery-guarantees.md#lost-history-the-epoch): a short random string
 * that names one unbroken history of the feed's seqs. It changes whenever history may have been
 * lost (a wipe, a restore, a failover), so `(epoch, seq)` is a resume point and `seq` alone is not.
 * See EPOCH_PATTERN.
 */
export const Epoch = z.string().regex(EPOCH_PATTERN, "must be 1-32 characters of A-Z, a-z, 0-9, '_' and '-'");
const IsoTime = z.iso.datetime({ offset: true });

export const FeedStatus = z.enum(FEED_STATUSES);
export const FeedVisibility = z.enum(FEED_VISIBILITIES);

export const Feed = z.object({
  id: FeedId,
  title: z.string(),
  description: z.string().optional(),
  status: FeedStatus,
  visibility: FeedVisibility.optional(),
  seq: Seq,
  /** Editors only: how many accepted changes the worker could not apply and set aside. */
  failedChanges: Seq.optional(),
  createdAt: IsoTime,
  /** When the story began, if before the feed was created (an import of past coverage). */
  coverageStartTime: IsoTime.optional(),
  updatedAt: IsoTime,
});

/**
 * Where an author's picture may come from: an https URL (a host name, an optional port and path;
 * no spaces, quotes, angle brackets or backslashes), or a path under `/media/` of this service
 * (what `POST /v1/media` answers) with no `//` and no `..`. Nothing else: no http (mixed content
 * on https pages), no `data:` or `javascript:`. One pattern, so /openapi.json states the rule
 * itself; its classes are spelt out (no `\w`, no `\s`) so that every regular-expression
 * dialect reads it as JavaScript does.
 */
const AVATAR_URL =
  // eslint-disable-next-line no-control-regex -- the class names the control characters it refuses
  /^(?:\/media\/(?!.*\.\.)[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*|https:\/\/[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?(?:[/?#][^\x00-\x20"'<>\\`\x7f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*)?)$/;
export const AvatarUrl = Text.max(LIMITS.maxAvatarUrlChars).regex(
  AVATAR_URL,
  "must be an https URL or a path under /media/",
);
/** A byline: the name, and optionally a role ("Political editor") and a small picture. */
export const Author = z.object({
  name: Text.min(1).max(LIMITS.maxAuthorNameChars),
  role: TextLine(LIMITS.maxAuthorRoleChars).optional(),
  avatarUrl: AvatarUrl.optional(),
});

export const EntryStatus = z.enum(ENTRY_STATUSES);

/**
 * `status`, `publishAt`, `media`, `embeds` and `corrections` came after the first entries (so
 * they are optional: entries stored before have none; a published entry read from the store always says
 * "published"). `updatedAt` moves only with content (see ENTRY_CONTENT_FIELDS); `publishedAt`
 * of a draft is when it was created, and becomes the time it was published.
 */
export const Entry = z.object({
  id: EntryId,
  feedId: FeedId,
  revision: z.number().int().positive(),
  status: EntryStatus.optional(),
  /** A scheduled entry's publication time. */
  publishAt: IsoTime.optional(),
  headline: z.string().optional(),
  body: z.string(),
  author: Author.optional(),
  media: z.array(EntryMedia).optional(),
  embeds: z.array(Embed).optional(),
  corrections: z.array(Correction).optional(),
  pinned: z.boolean(),
  keyEvent: z.boolean(),
  breaking: z.boolean(),
  publishedAt: IsoTime,
  updatedAt: IsoTime,
});

/** A draft or scheduled entry as editors see it: with the token subject that wrote it. */
export const DraftEntry = Entry.extend({ by: z.string().optional() });
export const DraftsResponse = z.object({ entries: z.array(DraftEntry) });

/** `epoch`: the log's epoch when the event was stored (absent from events stored before epochs). */
const EventBase = { feedId: FeedId, seq: Seq.min(1), at: IsoTime, epoch: Epoch.optional() };

export const FeedEvent = z.discriminatedUnion("type", [
  z.object({ ...EventBase, type: z.literal("entry.published"), entry: Entry }),
  z.object({ ...EventBase, type: z.literal("entry.updated"), entry: Entry }),
  z.object({ ...EventBase, type: z.literal("entry.deleted"), entryId: EntryId }),
  z.object({ ...EventBase, type: z.literal("feed.updated"), feed: Feed }),
]);

// ---- HTTP request bodies -------------------------------------------------------------

const Headline = TextLine(LIMITS.maxHeadlineChars);
/**
 * Raw body as sent, not blank; the server sanitizes it and checks again afterwards that something
 * is left (`<p></p>` is not blank, but empty once cleaned) and that it is not too long.
 */
const RawBody = Text.min(1)
  .max(LIMITS.maxEntryBodyChars * 2)
  .regex(NOT_BLANK, "must not be blank");

export const CreateFeedRequest = z.strictObject({
  id: FeedId,
  title: TextLine(LIMITS.maxFeedTitleChars),
  description: Text.max(LIMITS.maxFeedDescriptionChars).optional(),
  visibility: FeedVisibility.optional(),
  /** An import of past coverage: when the story began; default (and for a time not yet reached): now. */
  coverageStartTime: IsoTime.optional(),
});

export const UpdateFeedRequest = z
  .strictObject({
    title: TextLine(LIMITS.maxFeedTitleChars).optional(),
    description: Text.max(LIMITS.maxFeedDescriptionChars).optional(),
    status: FeedStatus.optional(),
    visibility: FeedVisibility.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, { message: "at least one field must be given" })
  .meta({ minProperties: 1 });

export const PublishEntryRequest = z
  .strictObject({
    id: EntryId.optional(),
    headline: Headline.optional(),
    body: RawBody,
    author: Author.strict().optional(),
    pinned: z.boolean().optional(),
    keyEvent: z.boolean().optional(),
    breaking: z.boolean().optional(),
    /** `draft`: stored for editors only, published later (POST …/entries/:entryId/publish). */
    status: z.enum(["draft", "published"]).optional(),
    /** A future time: the entry is `scheduled`, published then by the worker. */
    publishAt: IsoTime.optional(),
    media: z.array(EntryMediaRef).max(ENTRY_ATTACHMENT_LIMITS.maxMedia).optional(),
    embeds: z.array(EmbedRef).max(ENTRY_ATTACHMENT_LIMITS.maxEmbeds).optional(),
  })
  .refine((v) => !(v.status === "published" && v.publishAt !== undefined), {
    message: 'publishAt schedules an entry: it cannot be sent with status "published"',
    path: ["publishAt"],
  })
  // The same rule in /openapi.json: not both `status: "published"` and `publishAt`.
  .meta({
    not: { required: ["status", "publishAt"], properties: { status: { const: "published" }, publishAt: {} } },
  });

export const UpdateEntryRequest = z
  .strictObject({
    headline: Headline.nullable().optional(),
    body: RawBody.optional(),
    author: Author.strict().nullable().optional(),
    pinned: z.boolean().optional(),
    keyEvent: z.boolean().optional(),
    breaking: z.boolean().optional(),
    media: z.array(EntryMediaRef).max(ENTRY_ATTACHMENT_LIMITS.maxMedia).optional(),
    embeds: z.array(EmbedRef).max(ENTRY_ATTACHMENT_LIMITS.maxEmbeds).optional(),
    /** A correction notice readers see (kept in the entry's `corrections`). */
    correction: CorrectionText.optional(),
    /** Drafts only: a future time schedules (or reschedules) it; null cancels back to a draft. */
    publishAt: IsoTime.nullable().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, { message: "at least one field must be given" })
  .meta({ minProperties: 1 });

export const IdempotencyKey = Text.min(1)
  .max(LIMITS.maxIdempotencyKeyChars)
  .regex(/^[\x21-\x7e]+$/);

/**
 * `*`, or a comma-separated list of entity tags (RFC 9110, sections 13.1.1 and 8.8.3: `"…"` or
 * `W/"…"`, visible ASCII or obs-text within). A list may be empty and its empty elements are
 * ignored (section 5.6.1): an empty If-Match names no ETag, so its precondition fails.
 */
const IF_MATCH_GRAMMAR = (() => {
  const tag = String.raw`(?:W/)?"[\x21\x23-\x7e\x80-\xff]*"`;
  // Each run of spaces has one place it can go (after a tag, or after a comma): no backtracking
  // blows up on a long header of commas and spaces.
  return new RegExp(String.raw`^[ \t]*(?:\*[ \t]*|(?:${tag}[ \t]*)?(?:,[ \t]*(?:${tag}[ \t]*)?)*)$`);
})();

/**
 * `If-Match` on PATCH/DELETE of an entry, read as HTTP defines it (RFC 9110, section 13.1.1):
 * `*`, or a list of entity tags. Anything else, such as an ETag without its quotes (`r2`), is
 * refused as malformed (400 `validation_failed`): it is a client's mistake, not a colleague's
 * edit. The entry's ETag is `"r<revision>"` (what `GET …/entries/:entryId` answers; `W/` is
 * tolerated). Parsed into the revision the write expects: `undefined` for `*` (any current
 * revision), the first `"r<n>"` of the list, or 0 when it names none of ours, a revision no entry
 * has, so the write fails its precondition (412). The grammar is checked by a refinement, not a
 * JSON Schema `pattern`: `/openapi.json` gives the header as a string, and its description says
 * what it must be, so that HTTP tools (fuzzers among them) generate If-Match values as HTTP
 * defines them.
 */
export const IfMatch = Text.refine((value) => IF_MATCH_GRAMMAR.test(value), {
  message: 'must be * or a list of quoted ETags, such as "r3"',
}).transform((value): number | undefined => {
  if (value.trim() === "*") return undefined;
  const ours = /(?:^|,)\s*(?:W\/)?"r(\d{1,15})"\s*(?=,|$)/.exec(value);
  return ours?.[1] === undefined ? 0 : Number(ours[1]);
});

/** `X-Request-Id` as given by a client (else one is generated); it rides the change to the logs. */
export const RequestId = Text.regex(/^[\w.-]{1,64}$/);

/** A seq in a query string or header: up to 15 digits (the pipe gives the JSON Schema its integer range). */
const SeqParam = Text.regex(/^\d{1,15}$/, "must be a non-negative integer")
  .transform(Number)
  .pipe(Seq.max(999_999_999_999_999));

/** Query strings are strict: an unknown parameter is a 400 (a misspelt `befor=` is not silently ignored). */
export const ListEntriesQuery = z.strictObject({
  limit: Text.regex(/^\d{1,4}$/)
    .transform(Number)
    .pipe(z.number().int().min(1).max(LIMITS.maxPageSize))
    .optional(),
  before: SeqParam.optional(),
});

/** `epoch`: the epoch `since` belongs to; a different one answers `reset` (its history was lost). */
export const EventsQuery = z.strictObject({ since: SeqParam, epoch: Epoch.optional() });

/**
 * An SSE event id, as `Last-Event-ID` sends it back: `<epoch>:<seq>`, or a plain `<seq>` (what
 * streams sent before epochs; such a reader is answered as one that named no epoch).
 */
export const SseEventId = z
  .string()
  .regex(/^(?:[A-Za-z0-9_-]{1,32}:)?\d{1,15}$/, "must be <seq> or <epoch>:<seq>")
  .transform((id) => {
    const colon = id.lastIndexOf(":");
    return colon < 0
      ? { since: Number(id), epoch: undefined }
      : { since: Number(id.slice(colon + 1)), epoch: id.slice(0, colon) };
  });

// ---- HTTP responses ------------------------------------------------------------------

export const AcceptedResponse = z.object({ entryId: EntryId.optional(), status: z.literal("queued") });
export const EntryPage = z.object({ entries: z.array(Entry), next: z.string().optional() });
export const EventsResponse = z.union([
  z.object({ events: z.array(FeedEvent), seq: Seq, epoch: Epoch }),
  z.object({ reset: z.literal(true), entries: z.array(Entry), seq: Seq, epoch: Epoch }),
]);
/**
 * Who made a change, as a person: `id` is the account id of a signed-in person, or the subject of
 * the token (a service account, a JWT); `name` is the person's name, or the token's label (its
 * subject when it has none).
 */
export const Actor = z.object({ id: Text.min(1).max(200), name: Text.min(1).max(200) });

/** One line of an entry's revision history: who changed it, when, and how. */
export const Revision = z.object({
  revision: z.number().int().nonnegative(),
  by: Actor,
  at: IsoTime,
  /** `entry.drafted`: created as a draft (or scheduled); its publication is an `entry.published`. */
  type: z.enum(["entry.drafted", "entry.published", "entry.updated", "entry.deleted"]),
  /** `entry.deleted`: the reason the editor gave for the retraction, when one was given. */
  reason: z.string().optional(),
});
export const RevisionsResponse = z.object({ entryId: EntryId, revisions: z.array(Revision) });

/** The change types a failed-change record names (`unknown` when its JSON could not be read). */
export const ChangeOp = z.enum(["publish", "update", "delete", "release", "feed.update", "unknown"]);

/**
 * An accepted change the worker could not apply after its retries, set aside (dead-lettered)
 * so that the changes behind it still reach readers. It used no `seq`: readers never see it.
 */
export const FailedChange = z.object({
  /** The feed's accept ticket the change held. */
  ticket: z.number().int().positive(),
  op: ChangeOp,
  entryId: z.string().optional(),
  /** The `X-Request-Id` of the write that was answered 202. */
  requestId: z.string().optional(),
  /** Why it could not be applied. */
  error: z.string(),
  /** When it was set aside. */
  at: IsoTime,
});
export const FailedChangesResponse = z.object({
  feedId: FeedId,
  /** Changes set aside on this feed, ever. */
  count: Seq,
  /** The most recent ones kept, newest first. */
  changes: z.array(FailedChange),
});

export const ErrorResponse = z.object({
  error: z.object({ code: z.enum(ERROR_CODES), message: z.string(), details: z.unknown().optional() }),
});

// ---- Who is here (GET /v1/feeds/:feedId/stats, POST /v1/feeds/:feedId/presence) ----

/** An editor's heartbeat: present in the feed, and which entry (if any) they are editing. */
export const PresenceRequest = z.strictObject({ editing: EntryId.nullable().optional() });

export const EditorPresence = z.object({
  sub: Text,
  name: Text,
  /** The first heartbeat of this presence (it ends after the expiry without one, or on DELETE). */
  since: IsoTime,
  editing: EntryId.optional(),
});

export const FeedStats = z.object({
  /** Readers connected now across every server node (Socket.IO sockets, SSE streams). */
  readers: z.object({ socket: Seq, sse: Seq, total: Seq }),
  /** Editors present in the feed, earliest first. */
  editors: z.array(EditorPresence),
});

/** `?hours=`: how far back the audience samples go, 1–168 (6 when absent). */
export const AudienceQuery = z.strictObject({
  hours: Text.regex(/^\d{1,3}$/, "must be a whole number of hours")
    .transform(Number)
    .pipe(z.number().int().min(1).max(168))
    .optional(),
});

/** One audience sample: the readers summed over every server node at the start of an interval. */
export const AudienceSample = z.object({ at: IsoTime, readers: Seq });

export const FeedAudience = z.object({
  /** Readers connected now across every server node (as in `/stats`). */
  now: Seq,
  /** The feed's highest sample ever, and its earliest moment; null until a sample counted a reader. */
  peak: AudienceSample.nullable(),
  /** The samples of the last `hours`, oldest first; an interval nobody sampled (no server up) is absent. */
  samples: z.array(AudienceSample),
});

// ---- Socket.IO payloads -------------------------------------------------------------

/** A JWT is three base64url parts; anything longer than this is not one of ours. */
export const BearerToken = Text.min(1)
  .max(LIMITS.maxTokenChars)
  .regex(/^[\x21-\x7e]+$/);

export const SubscribeRequest = z.strictObject({
  feedId: FeedId,
  since: Seq.optional(),
  /** The epoch `since` belongs to: a different one (history lost meanwhile) answers `reset`. */
  epoch: Epoch.optional(),
  /** Subscriber token for a private feed (else the handshake's `auth.token` is used). */
  token: BearerToken.optional(),
});
export const UnsubscribeRequest = z.strictObject({ feedId: FeedId });
/** A fresh token for the connection, sent before the old one expires (see `refresh` in the README). */
export const RefreshRequest = z.strictObject({ token: BearerToken });

// ---- Inferred types (same names as their schemas: one import gives both) ------------

export type FeedStatus = z.infer<typeof FeedStatus>;
export type FeedVisibility = z.infer<typeof FeedVisibility>;
export type Actor = z.infer<typeof Actor>;
export type Revision = z.infer<typeof Revision>;
export type RevisionsResponse = z.infer<typeof RevisionsResponse>;
export type Feed = z.infer<typeof Feed>;
export type Author = z.infer<typeof Author>;
export type Entry = z.infer<typeof Entry>;
export type EntryStatus = z.infer<typeof EntryStatus>;
export type DraftEntry = z.infer<typeof DraftEntry>;
export type DraftsResponse = z.infer<typeof DraftsResponse>;
export type FeedEvent = z.infer<typeof FeedEvent>;
export type Epoch = z.infer<typeof Epoch>;
export type CreateFeedRequest = z.infer<typeof CreateFeedRequest>;
export type UpdateFeedRequest = z.infer<typeof UpdateFeedRequest>;
export type PublishEntryRequest = z.infer<typeof PublishEntryRequest>;
export type UpdateEntryRequest = z.infer<typeof UpdateEntryRequest>;
export type AcceptedResponse = z.infer<typeof AcceptedResponse>;
export type EntryPage = z.infer<typeof EntryPage>;
export type EventsResponse = z.infer<typeof EventsResponse>;
export type SubscribeRequest = z.infer<typeof SubscribeRequest>;
export type UnsubscribeRequest = z.infer<typeof UnsubscribeRequest>;
export type RefreshRequest = z.infer<typeof RefreshRequest>;
export type FeedEventType = FeedEvent["type"];
export type ChangeOp = z.infer<typeof ChangeOp>;
export type FailedChange = z.infer<typeof FailedChange>;
export type FailedChangesResponse = z.infer<typeof FailedChangesResponse>;
export type PresenceRequest = z.infer<typeof PresenceRequest>;
export type EditorPresence = z.infer<typeof EditorPresence>;
export type FeedStats = z.infer<typeof FeedStats>;
export type AudienceSample = z.infer<typeof AudienceSample>;
export type FeedAudience = z.infer<typeof FeedAudience>;

// FEED_EVENT_TYPES (the zod-free list clients switch on) must name exactly the event schemas' types.
const _eventTypesMatch: [FeedEventType, (typeof FEED_EVENT_TYPES)[number]] extends [
  (typeof FEED_EVENT_TYPES)[number],
  FeedEventType,
]
  ? true
  : never = true;
