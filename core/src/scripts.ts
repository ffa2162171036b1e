import { readFileSync } from "node:fs";
import { z } from "zod";
import {
  Entry as EntrySchema,
  FeedEvent as FeedEventSchema,
  type Entry,
  type FailedChange,
  type FeedEvent,
  type FeedVisibility,
} from "@liveline/protocol";
import { ENTRY_CONTENT_FIELDS, ENTRY_PATCH_FIELDS, FEED_PATCH_FIELDS, type Change } from "./changes.js";
import type { HeldPosition } from "./epoch.js";

/**
 * The typed boundary between TypeScript and the Lua scripts (after BullMQ's `scripts.ts`): for
 * each script, the names of its KEYS in order (Redis is told how many from this list), how its
 * ARGV is built from typed arguments, and how its reply is decoded into a typed result. No other
 * module builds script arguments or reads script replies.
 */
export interface ScriptSpec<K extends readonly string[], A, R> {
  /** The command ioredis defines for it (`defineCommand`). */
  readonly name: string;
  /** The source, `./lua/<file>.lua` next to this module (copied beside the compiled one). */
  readonly file: string;
  readonly keys: K;
  /** Keys after the named ones, as many as the input has (the script is told how many each call). */
  readonly more?: (input: A) => string[];
  readonly args: (input: A) => (string | number)[];
  /** Decodes the reply; the input is given too, for a reply that names what it was asked. */
  readonly decode: (reply: unknown, input: A) => R;
}

/** The keys a script takes, by name. */
export type ScriptKeys<S> = S extends ScriptSpec<infer K, unknown, unknown> ? Record<K[number], string> : never;

function spec<const K extends readonly string[], A, R>(s: ScriptSpec<K, A, R>): ScriptSpec<K, A, R> {
  return s;
}

export type AcceptResult =
  /**
   * `revision`, `scheduleVersion`: the entry's accepted state after this change (0 for feed
   * changes). `drain`: no drain job of the feed's slot is waiting, so the caller must add the one
   * this mark names (group commit: otherwise the waiting job takes this change too).
   */
  | { status: "ok"; ticket: number; revision: number; scheduleVersion: number; drain: DrainMark | undefined }
  /** Past the writer's rate limit (AcceptInput.rate), `retryAfterMs` before its window ends: nothing stored. */
  | { status: "rate_limited"; retryAfterMs: number }
  /**
   * The Idempotency-Key was used before: for this entry, with this content hash. `drain`: the
   * slot's drain job asked for and not yet taken, if any (a retry adds it again: a no-op if it was).
   */
  | {
      status: "duplicate_key";
      ticket: number;
      previous: { entryId: string; contentHash: string };
      drain: DrainMark | undefined;
    }
  /** The entry id was accepted before, with this content hash (and retracted since, maybe). */
  | {
      status: "duplicate_id";
      ticket: number;
      previous: { contentHash: string; retracted: boolean };
      drain: DrainMark | undefined;
    }
  /** If-Match named another revision than the entry's accepted one, `revision`. */
  | { status: "revision_conflict"; revision: number }
  /** A contributor's change that only an editor may make, and the part of the rule it broke. */
  | { status: "forbidden"; rule: ContributorRule }
  /** publishAt or a release on an entry published already. */
  | { status: "entry_published" }
  /** A scheduled release whose schedule moved or was cancelled since: nothing to do. */
  | { status: "stale" }
  | { status: "feed_not_found" | "entry_not_found" | "feed_ended" };

/**
 * The contributor rule: a contributor writes drafts only, changes drafts of their own only, never
 * schedules and never publishes (releases) one. Which part refused a change.
 */
export const CONTRIBUTOR_RULES = ["drafts_only", "not_own_draft", "no_schedule", "no_release"] as const;
export type ContributorRule = (typeof CONTRIBUTOR_RULES)[number];

/**
 * The parts of the contributor rule a change shows on its face, decided here before anything is
 * looked up (an embed's oEmbed page, a media file) or stored. The one part that needs the stored
 * entry, drafts of their own, is decided in accept.lua, atomically with the entry's accepted
 * state. `status` is the one the change gives the entry (AcceptInput.status).
 */
export function contributorRefusal(
  op: Change["op"],
  status: AcceptInput["status"],
): Exclude<ContributorRule, "not_own_draft"> | undefined {
  if (op === "publish") return status === "draft" ? undefined : "drafts_only";
  if (op === "release") return "no_release";
  if (op === "update" && status !== undefined) return "no_schedule";
  return undefined;
}

/**
 * A slot's drain mark (accept.lua): `<ms>.<feed>.<ticket>` of the accept that asked for the
 * slot's drain job, and the slot; the job's id names both, so that adding it twice is a no-op.
 */
export interface DrainMark {
  slot: number;
  mark: string;
}

export interface AcceptInput {
  change: Change;
  /** The entry the change is about ('' for feed changes). */
  entryId?: string | undefined;
  contentHash?: string | undefined;
  idempotencyTtlSeconds?: number | undefined;
  /** The revision an If-Match names: the change is refused unless it is the accepted one. */
  ifMatch?: number | undefined;
  /** The writer (a token's sub) and whether it is a contributor (drafts of their own only). */
  actor?: { sub: string; contributor: boolean } | undefined;
  /**
   * The status the change gives the entry: a publish's (draft, scheduled or published); an
   * edit's when it schedules or cancels (else undefined: kept).
   */
  status?: "draft" | "scheduled" | "published" | undefined;
  /** A release: only if still scheduled under this version. */
  scheduleVersion?: number | undefined;
  /**
   * The writer's rate limit, counted in the same step (rate-window.lua): past it the change is
   * refused (`rate_limited`) and nothing is stored. Not on a Redis Cluster, where the counter's
   * key is in another slot than the feed's (the caller counts it first there: FeedStore.spendRate).
   */
  rate?: RateWindow | undefined;
}

/** A fixed-window rate limit: `points` attempts per `windowMs` under the counter `key`. */
export interface RateWindow {
  key: string;
  points: number;
  windowMs: number;
}

/** What accept.lua is told besides the change: the feed, the time, when to ask for a job again. */
export interface AcceptCall extends AcceptInput {
  feedId: string;
  /** The feed's cluster slot (named in the drain mark the reply carries). */
  slot: number;
  /** Milliseconds since the epoch, as the caller's clock reads. */
  now: number;
  /** A drain job asked for this long ago (ms) and not yet taken is asked for again. */
  jobMarkAgeMs: number;
  /**
   * Where the feed's id is published when the accept asks for a drain job and the slot asked for
   * none in the last `quietMs` (accept.lua, "the nudge"); without it, nowhere.
   */
  nudge?: { channel: string; quietMs: number };
}

/** The keys of one feed in an apply call, in the order the scripts take them (includes/apply-feed.lua). */
export const APPLY_FEED_KEYS = [
  "meta",
  "entries",
  "order",
  "pinned",
  "log",
  "pending",
  "channel",
  "drafts",
  "accepted",
] as const;
export type ApplyFeedKeys = Record<(typeof APPLY_FEED_KEYS)[number], string>;

/** What the feeds of one apply call share (applySettings in includes/apply-feed.lua). */
export interface ApplySettings {
  /** At most this many changes of a feed in one call. */
  batch: number;
  eventLogLength: number;
  publishCommand: "PUBLISH" | "SPUBLISH";
  revisionsKept: number;
  /** The epoch set when the feed has none, or when `held` proves history was lost. */
  fresh: string;
}

/** One feed's part of an apply call (feedArgs in includes/apply-feed.lua). */
export interface ApplyFeed {
  feedId: string;
  /** Apply pending changes up to this ticket, or the feed's last accepted one when that is later. */
  ticket: number;
  /** Where the calling worker last saw the feed: a feed now behind it in that epoch gets a new one. */
  held?: HeldPosition | undefined;
  revisionsPrefix: string;
}

export interface ApplyInput extends ApplySettings, ApplyFeed {
  /**
   * The first apply of a drain job, of the feed that asked for it: the slot's drain is taken in
   * the same step (as drain.lua does), and the result names the slot's feeds behind.
   */
  takeDrain?: boolean;
}

/** Several feeds of one slot applied in one call (apply-many.lua), each with its keys. */
export interface ApplyManyInput {
  settings: ApplySettings;
  feeds: (ApplyFeed & { keys: ApplyFeedKeys })[];
}

/** Per feed of an apply-many call, in order: what it came to, or the error its apply raised. */
export type ApplyManyResult = ({ feedId: string } & (ApplyResult | { error: string }))[];

export interface ApplyResult {
  seq: number;
  emitted: number;
  applied: number;
  /** The feed's last accepted ticket when the script ran: applied up to it, the feed is caught up. */
  ticket: number;
  /** The log's epoch after the call ('' when there is no such feed). */
  epoch: string;
  /** Why the change after `applied` cannot be applied (it stopped there), when it cannot. */
  blocked?: string;
  /** An event emitted may make an alert: a breaking entry published or edited (outputs' `mayAlert`). */
  alerting: boolean;
  /** With `takeDrain`: the slot's feeds behind when the drain was taken (this one among them, maybe). */
  behind?: string[];
}

export interface SetAsideInput {
  /** The feed's applied ticket as the caller saw it: the change after it is set aside. */
  applied: number;
  record: FailedChange;
  kept: number;
}

/**
 * The part of a logged or published event that is not the public event: the API request that
 * caused it, so that logs can follow a change from the API to every emit.
 */
export const EventEnvelope = z.object({ requestId: z.string().max(64).optional() });

export type CatchUp =
  | {
      kind: "events";
      seq: number;
      epoch: string;
      events: FeedEvent[];
      /** The request id each event was logged with (same order as `events`); never sent to readers. */
      requestIds: (string | undefined)[];
    }
  | { kind: "reset"; seq: number; epoch: string };

/** A feed's head, checked against a watcher's held position (head.lua). */
export type Head =
  | { exists: false }
  | {
      exists: true;
      seq: number;
      epoch: string;
      /** `at` of the event at `seq` ('' when the log does not hold it). */
      at: string;
      /** This call found history lost and changed the epoch. */
      rotated: boolean;
    };

export interface NewFeedInput {
  id: string;
  title: string;
  description?: string | undefined;
  visibility?: FeedVisibility | undefined;
  coverageStartTime?: string | undefined;
  createdAt: string;
}

function reply(raw: unknown, script: string): unknown[] {
  if (!Array.isArray(raw)) throw new Error(`${script}: expected an array reply`);
  return raw as unknown[];
}

export interface Snapshot {
  seq: number;
  epoch: string;
  entries: Entry[];
}

/** A Lua string reply ('' for nil or a missing field). */
function text(raw: unknown): string {
  return typeof raw === "string" ? raw : "";
}

/** An entry of the entries hash: published (entries stored before statuses have none). */
function parseEntry(raw: string): Entry {
  return { ...EntrySchema.parse(JSON.parse(raw)), status: "published" };
}

/** The marker accept.lua and apply.lua keep in the ids hash for a retracted entry. */
const RETRACTED = "deleted:";

/** A record of the ids hash: the content hash an entry id was accepted with, and whether it was retracted since. */
export function readIdRecord(raw: string): { contentHash: string; retracted: boolean } {
  const retracted = raw.startsWith(RETRACTED);
  return { contentHash: retracted ? raw.slice(RETRACTED.length) : raw, retracted };
}

/** applySettings' ARGV (includes/apply-feed.lua): APPLY_SETTINGS values. */
type SettingsArgs = [number, number, string, number, string, string, string, string];
const APPLY_SETTINGS: SettingsArgs["length"] = 8;
function settingsArgs(s: ApplySettings): SettingsArgs {
  return [
    s.eventLogLength,
    s.batch,
    s.publishCommand,
    s.revisionsKept,
    ENTRY_PATCH_FIELDS.join(","),
    FEED_PATCH_FIELDS.join(","),
    ENTRY_CONTENT_FIELDS.join(","),
    s.fresh,
  ];
}

/** feedArgs' ARGV (includes/apply-feed.lua): APPLY_FEED_ARGS values. */
type FeedArgs = [number, string, string, number, string];
const APPLY_FEED_ARGS: FeedArgs["length"] = 5;
function feedArgs(f: ApplyFeed): FeedArgs {
  return [f.ticket, f.feedId, f.held?.epoch ?? "", f.held?.seq ?? 0, f.revisionsPrefix];
}

/** How many values applyFeed answers per feed. */
const APPLIED_VALUES = 7;

/** applyFeed's answer for one feed: {seq, emitted, applied, epoch, blocked, ticket, alerting}. */
function decodeApplied(values: unknown[]): ApplyResult {
  const [seq, emitted, applied, epoch, blocked, ticket, alerting] = values;
  const result = {
    seq: Number(seq ?? 0),
    emitted: Number(emitted ?? 0),
    applied: Number(applied ?? 0),
    ticket: Number(ticket ?? 0),
    epoch: text(epoch),
    alerting: Number(alerting ?? 0) === 1,
  };
  return typeof blocked === "string" && blocked !== "" ? { ...result, blocked } : result;
}

export const SCRIPTS = {
  /** Give a change the feed's next ticket and keep it pending, atomically (accept.lua). */
  accept: spec({
    name: "accept",
    file: "accept",
    keys: ["meta", "pending", "ids", "idempotency", "accepted", "entries", "behind", "drainMark", "rate"] as const,
    args: (a: AcceptCall) => [
      a.change.op,
      JSON.stringify(a.change),
      a.entryId ?? "",
      a.contentHash ?? "",
      a.idempotencyTtlSeconds ?? 86_400,
      a.ifMatch ?? "",
      a.actor?.contributor === true ? "contributor" : "",
      a.actor?.sub ?? "",
      a.status ?? (a.change.op === "publish" ? "published" : ""),
      a.scheduleVersion ?? "",
      a.feedId,
      a.now,
      a.jobMarkAgeMs,
      a.rate?.points ?? 0,
      a.rate?.windowMs ?? 0,
      a.nudge?.channel ?? "",
      a.nudge?.quietMs ?? 0,
    ],
    decode: (raw, a: AcceptCall): AcceptResult => {
      const [status, ticket, previous, revision, scheduleVersion, mark] = reply(raw, "accept");
      const prev = String(previous);
      const drain = typeof mark === "string" && mark !== "" ? { slot: a.slot, mark } : undefined;
      switch (status) {
        case "ok":
          return {
            status,
            ticket: Number(ticket),
            revision: Number(revision),
            scheduleVersion: Number(scheduleVersion),
            drain,
          };
        case "rate_limited":
          return { status, retryAfterMs: Number(ticket) };
        case "revision_conflict":
          return { status, revision: Number(revision) };
        case "forbidden": {
          const rule = CONTRIBUTOR_RULES.find((r) => r === prev);
          if (rule === undefined) throw new Error(`accept: unknown contributor rule ${prev}`);
          return { status, rule };
        }
        case "entry_published":
        case "stale":
          return { status };
        case "duplicate_key": {
          // accept.lua stores "<entry id>|<content hash>" under the Idempotency-Key.
          const bar = prev.indexOf("|");
          return {
            status,
            ticket: Number(ticket),
            previous: { entryId: prev.slice(0, bar), contentHash: prev.slice(bar + 1) },
            drain,
          };
        }
        case "duplicate_id": {
          return { status, ticket: Number(ticket), previous: readIdRecord(prev), drain };
        }
        case "feed_not_found":
        case "entry_not_found":
        case "feed_ended":
          return { status };
        default:
          throw new Error(`accept: unknown status ${String(status)}`);
      }
    },
  }),

  /** Apply pending changes in ticket order: seq, state, log and publish together (apply.lua). */
  apply: spec({
    name: "apply",
    file: "apply",
    keys: [...APPLY_FEED_KEYS, "behind", "outputsDue", "drainMark"] as const,
    args: (a: ApplyInput) => [...feedArgs(a), ...settingsArgs(a), a.takeDrain === true ? "1" : ""],
    decode: (raw): ApplyResult => {
      const values = reply(raw, "apply");
      const behind = values[APPLIED_VALUES];
      return { ...decodeApplied(values), ...(Array.isArray(behind) ? { behind: behind.map(String) } : {}) };
    },
  }),

  /** Apply several feeds of one slot in one call (apply-many.lua): a drain job's feeds. */
  applyMany: spec({
    name: "applyMany",
    file: "apply-many",
    keys: ["behind", "outputsDue"] as const,
    more: (a: ApplyManyInput) => a.feeds.flatMap((f) => APPLY_FEED_KEYS.map((k) => f.keys[k])),
    args: (a: ApplyManyInput) => [...settingsArgs(a.settings), ...a.feeds.flatMap(feedArgs)],
    decode: (raw, a: ApplyManyInput): ApplyManyResult => {
      const values = reply(raw, "applyMany");
      return a.feeds.map(({ feedId }, i) => {
        const mine = values.slice(i * APPLIED_VALUES, (i + 1) * APPLIED_VALUES);
        return Number(mine[0]) === -1 ? { feedId, error: text(mine[4]) } : { feedId, ...decodeApplied(mine) };
      });
    },
  }),

  /**
   * Take a slot's feeds behind for a drain job, deleting the slot's drain mark so that the next
   * change accepted asks for a new job (drain.lua).
   */
  drain: spec({
    name: "drainSlot",
    file: "drain",
    keys: ["drainMark", "behind"] as const,
    args: () => [],
    decode: (raw): string[] => reply(raw, "drain").map(String),
  }),

  /** Move the change that blocks a feed into its failed set and go past it (set-aside.lua). */
  setAside: spec({
    name: "setAside",
    file: "set-aside",
    keys: ["meta", "pending", "ids", "entries", "failed", "drafts", "accepted"] as const,
    args: (a: SetAsideInput) => [a.applied, JSON.stringify(a.record), a.record.op, a.record.entryId ?? "", a.kept],
    decode: (raw): number => Number(raw),
  }),

  /** The latest entries and every pinned one, with the seq and epoch they reflect (snapshot.lua). */
  snapshot: spec({
    name: "snapshot",
    file: "snapshot",
    keys: ["meta", "entries", "order", "pinned"] as const,
    args: (a: { size: number; fresh: string }) => [a.size, a.fresh],
    decode: (raw): Snapshot => {
      const [seq, epoch, ...raws] = reply(raw, "snapshot");
      const entries = raws.flatMap((r) => (typeof r === "string" ? [parseEntry(r)] : []));
      entries.sort(newestFirst);
      return { seq: Number(seq), epoch: text(epoch), entries };
    },
  }),

  /**
   * Events after `since` (of the reader's `epoch`, when it names one), or `reset` when the kept
   * log no longer reaches back or the epoch is another (catch-up.lua).
   */
  catchUp: spec({
    name: "catchUp",
    file: "catch-up",
    keys: ["meta", "log"] as const,
    args: (a: { since: number; most: number; epoch?: string | undefined; fresh: string }) => [
      a.since,
      a.most,
      a.epoch ?? "",
      a.fresh,
    ],
    decode: (raw): CatchUp => {
      const [seq, epoch, kind, ...raws] = reply(raw, "catchUp");
      if (kind === "reset") return { kind: "reset", seq: Number(seq), epoch: text(epoch) };
      const parsed = raws.map((r): unknown => JSON.parse(String(r)));
      const events = parsed.map((r) => FeedEventSchema.parse(r));
      const requestIds = parsed.map((r) => EventEnvelope.safeParse(r).data?.requestId);
      return { kind: "events", seq: Number(seq), epoch: text(epoch), events, requestIds };
    },
  }),

  /** The feed's head checked against a watcher's held position; a proven loss changes the epoch (head.lua). */
  head: spec({
    name: "head",
    file: "head",
    keys: ["meta", "log"] as const,
    args: (a: { held?: HeldPosition | undefined; fresh: string }) => [
      a.fresh,
      a.held?.epoch ?? "",
      a.held?.seq ?? 0,
      a.held?.at ?? "",
    ],
    decode: (raw): Head => {
      const [exists, seq, epoch, at, rotated] = reply(raw, "head");
      if (Number(exists) !== 1) return { exists: false };
      return { exists: true, seq: Number(seq), epoch: text(epoch), at: text(at), rotated: Number(rotated) === 1 };
    },
  }),

  /**
   * The feed leaves its slot's set of feeds with outputs due if its outputs' cursor has reached
   * its seq, checked in the script so that an apply emitting meanwhile keeps it there
   * (outputs-caught-up.lua). True when it left.
   */
  outputsCaughtUp: spec({
    name: "outputsCaughtUp",
    file: "outputs-caught-up",
    keys: ["meta", "outputsDue"] as const,
    args: (a: { feedId: string; cursor: number }) => [a.cursor, a.feedId],
    decode: (raw): boolean => raw === 1,
  }),

  /** Count one attempt against a rate limit: 0 within it, else the ms until its window ends (rate-limit.lua). */
  rateLimit: spec({
    name: "rateLimit",
    file: "rate-limit",
    keys: ["counter"] as const,
    args: (a: Omit<RateWindow, "key">) => [a.points, a.windowMs],
    decode: (raw): number => Number(raw),
  }),

  /** Create a feed's metadata unless it exists (create-feed.lua). */
  createFeed: spec({
    name: "createFeed",
    file: "create-feed",
    keys: ["meta"] as const,
    args: (a: NewFeedInput & { epoch: string }) => [
      a.id,
      a.title,
      a.description ?? "",
      a.createdAt,
      a.visibility ?? "public",
      a.epoch,
      a.coverageStartTime ?? "",
    ],
    decode: (raw): boolean => raw === 1,
  }),
} as const;

export type ScriptName = keyof typeof SCRIPTS;

/**
 * Lua sources, read once; ioredis registers them with `defineCommand` (EVALSHA, then EVAL). A
 * script names what it shares with others on a line `--- @include "<name>"` (after BullMQ's
 * `commands/` and `includes/` layout): `lua/includes/<name>.lua`, or one of INCLUDES made here
 * from the TypeScript that owns the value. Each include goes in once, where it is first named.
 */
export function scriptSources(): { name: string; numberOfKeys: number | undefined; lua: string }[] {
  return Object.values(SCRIPTS).map((s: ScriptSpec<readonly string[], never, unknown>) => ({
    name: s.name,
    numberOfKeys: s.more === undefined ? s.keys.length : undefined,
    lua: withIncludes(readLua(s.file), new Set()),
  }));
}

/** Includes whose text comes from TypeScript, so that a value shared with Lua is written once. */
const INCLUDES: Record<string, () => string> = {
  constants: () =>
    [
      "-- Made from core/src/scripts.ts: the marker of a retracted entry in the ids hash.",
      `local RETRACTED = ${luaString(RETRACTED)}`,
    ].join("\n"),
  "apply-layout": () =>
    [
      "-- Made from core/src/scripts.ts: how an apply call lays out its keys, values and answer.",
      `local APPLY_SETTINGS = ${APPLY_SETTINGS}`,
      `local APPLY_FEED_ARGS = ${APPLY_FEED_ARGS}`,
      `local APPLY_FEED_KEYS = ${APPLY_FEED_KEYS.length}`,
      `local APPLIED_VALUES = ${APPLIED_VALUES}`,
    ].join("\n"),
};

const INCLUDE = /^--- @include "([\w-]+)"$/gm;

function readLua(file: string): string {
  return readFileSync(new URL(`./lua/${file}.lua`, import.meta.url), "utf8");
}

function withIncludes(source: string, done: Set<string>): string {
  return source.replace(INCLUDE, (_line, name: string) => {
    if (done.has(name)) return "";
    done.add(name);
    const made = INCLUDES[name];
    return withIncludes(made === undefined ? readLua(`includes/${name}`) : made(), done).trimEnd();
  });
}

/** A Lua string literal (the values made into includes are plain ASCII). */
function luaString(value: string): string {
  if (!/^[\x20-\x7e]*$/.test(value) || value.includes("'") || value.includes("\\")) {
    throw new Error(`not a plain Lua string: ${value}`);
  }
  return `'${value}'`;
}

function newestFirst(a: Entry, b: Entry): number {
  return b.publishedAt < a.publishedAt ? -1 : b.publishedAt > a.publishedAt ? 1 : 0;
}
