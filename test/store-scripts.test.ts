import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LIMITS } from "@liveline/protocol";
import { FeedStore, ReplicationTimeoutError, type AcceptResult, type Change } from "@liveline/core";
import { useRedis } from "./helpers/shared-redis.js";

/**
 * The store's scripts against a real Redis, without the HTTP layer: each row is a sequence of
 * changes accepted on a new feed, the status each one gets, and what the feed holds once the
 * worker's apply script has run. The rules kept atomically in Lua (ticket order, uniqueness of
 * ids and idempotency keys, If-Match, drafts and schedules, one pinned entry) each have a row.
 */
const redis = useRedis();
let client: Redis;
let store: FeedStore;

beforeAll(() => {
  client = new Redis(redis.url);
  store = new FeedStore(client, { keyPrefix: `scripts-${randomUUID().slice(0, 8)}:` });
});

afterAll(() => {
  client.disconnect();
});

const at = () => new Date().toISOString();
const editor = { sub: "editor-1", contributor: false };
const contributor = { sub: "contrib-1", contributor: true };

interface Step {
  change: Change;
  input?: Parameters<FeedStore["accept"]>[2];
  /** The status accept answers. */
  status: AcceptResult["status"];
  /** Apply everything accepted so far after this step. */
  apply?: boolean;
  /** The ids readers see after this step (and its apply), newest first. */
  visible?: string[];
}

const publish = (
  id: string,
  body: string,
  extra: Partial<{ pinned: boolean; breaking: boolean; status: "draft" | "scheduled"; publishAt: string }> = {},
): Change => ({
  v: 2,
  op: "publish",
  at: at(),
  by: "editor-1",
  entry: {
    id,
    body,
    pinned: extra.pinned ?? false,
    keyEvent: false,
    breaking: extra.breaking ?? false,
    ...(extra.status === undefined ? {} : { status: extra.status }),
    ...(extra.publishAt === undefined ? {} : { publishAt: extra.publishAt }),
  },
});
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();
const update = (entryId: string, patch: Record<string, unknown>): Change => ({
  v: 2,
  op: "update",
  at: at(),
  by: "editor-1",
  entryId,
  patch,
});
const retract = (entryId: string): Change => ({ v: 2, op: "delete", at: at(), by: "editor-1", entryId });
const release = (entryId: string): Change => ({ v: 2, op: "release", at: at(), by: "editor-1", entryId });
const endFeed = (): Change => ({ v: 2, op: "feed.update", at: at(), by: "editor-1", patch: { status: "ended" } });

interface Row {
  name: string;
  steps: Step[];
  /** The feed once every accepted change is applied: entry id → body, newest first, and the seq. */
  entries: [string, string][];
  seq: number;
  pinned?: string[];
}

const rows: Row[] = [
  {
    name: "publishes in ticket order, one seq per applied change",
    steps: [
      { change: publish("a", "one"), input: { entryId: "a", contentHash: "h1", actor: editor }, status: "ok" },
      { change: publish("b", "two"), input: { entryId: "b", contentHash: "h2", actor: editor }, status: "ok" },
    ],
    entries: [
      ["b", "two"],
      ["a", "one"],
    ],
    seq: 2,
  },
  {
    name: "an entry id accepted before is a duplicate, even before the first is applied",
    steps: [
      { change: publish("a", "one"), input: { entryId: "a", contentHash: "h1" }, status: "ok" },
      { change: publish("a", "again"), input: { entryId: "a", contentHash: "h9" }, status: "duplicate_id" },
    ],
    entries: [["a", "one"]],
    seq: 1,
  },
  {
    name: "an Idempotency-Key used before answers the first change, whatever the new one says",
    steps: [
      {
        change: publish("a", "one"),
        input: { entryId: "a", contentHash: "h1", idempotencyKey: "k1", idempotencyTtlSeconds: 60 },
        status: "ok",
      },
      {
        change: publish("b", "other"),
        input: { entryId: "b", contentHash: "h2", idempotencyKey: "k1", idempotencyTtlSeconds: 60 },
        status: "duplicate_key",
      },
    ],
    entries: [["a", "one"]],
    seq: 1,
  },
  {
    name: "If-Match: the accepted revision wins, a stale one is refused, before or after apply",
    steps: [
      { change: publish("a", "one"), input: { entryId: "a", contentHash: "h1" }, status: "ok" },
      { change: update("a", { body: "two" }), input: { entryId: "a", ifMatch: 1 }, status: "ok" },
      { change: update("a", { body: "lost" }), input: { entryId: "a", ifMatch: 1 }, status: "revision_conflict" },
      { change: update("a", { body: "three" }), input: { entryId: "a", ifMatch: 2 }, status: "ok", apply: true },
      { change: update("a", { body: "late" }), input: { entryId: "a", ifMatch: 2 }, status: "revision_conflict" },
    ],
    entries: [["a", "three"]],
    seq: 3,
  },
  {
    name: "a retracted entry cannot be edited or retracted again, and its id stays taken",
    steps: [
      { change: publish("a", "one"), input: { entryId: "a", contentHash: "h1" }, status: "ok" },
      { change: retract("a"), input: { entryId: "a" }, status: "ok", apply: true },
      { change: update("a", { body: "x" }), input: { entryId: "a" }, status: "entry_not_found" },
      { change: retract("a"), input: { entryId: "a" }, status: "entry_not_found" },
      { change: publish("a", "one"), input: { entryId: "a", contentHash: "h1" }, status: "duplicate_id" },
    ],
    entries: [],
    seq: 2,
  },
  {
    name: "an edit of an entry never accepted is not found",
    steps: [{ change: update("ghost", { body: "x" }), input: { entryId: "ghost" }, status: "entry_not_found" }],
    entries: [],
    seq: 0,
  },
  {
    name: "a draft reaches readers only when released; a second release finds it published",
    steps: [
      {
        change: publish("d", "draft text", { status: "draft" }),
        input: { entryId: "d", contentHash: "h1", status: "draft", actor: editor },
        status: "ok",
        apply: true,
        visible: [],
      },
      { change: release("d"), input: { entryId: "d", actor: editor }, status: "ok", apply: true, visible: ["d"] },
      { change: release("d"), input: { entryId: "d", actor: editor }, status: "entry_published" },
    ],
    entries: [["d", "draft text"]],
    seq: 1,
  },
  {
    name: "a scheduled release of a schedule since moved is stale",
    steps: [
      {
        change: publish("s", "later", { status: "scheduled", publishAt: inAnHour() }),
        input: { entryId: "s", contentHash: "h1", status: "scheduled" },
        status: "ok",
      },
      {
        change: update("s", { publishAt: inAnHour() }),
        input: { entryId: "s", status: "scheduled" },
        status: "ok",
      },
      { change: release("s"), input: { entryId: "s", scheduleVersion: 1 }, status: "stale", apply: true, visible: [] },
      { change: release("s"), input: { entryId: "s", scheduleVersion: 2 }, status: "ok", apply: true },
    ],
    entries: [["s", "later"]],
    seq: 1,
  },
  {
    name: "a contributor writes drafts of their own and never publishes",
    steps: [
      {
        change: publish("c", "straight out"),
        input: { entryId: "c", contentHash: "h1", status: "published", actor: contributor },
        status: "forbidden",
      },
      {
        change: publish("c", "mine", { status: "draft" }),
        input: { entryId: "c", contentHash: "h1", status: "draft", actor: contributor },
        status: "ok",
      },
      {
        change: update("c", { body: "mine, better" }),
        input: { entryId: "c", actor: contributor },
        status: "ok",
      },
      { change: release("c"), input: { entryId: "c", actor: contributor }, status: "forbidden" },
      {
        change: update("c", { body: "not yours" }),
        input: { entryId: "c", actor: { sub: "contrib-2", contributor: true } },
        status: "forbidden",
      },
      { change: release("c"), input: { entryId: "c", actor: editor }, status: "ok", apply: true },
    ],
    entries: [["c", "mine, better"]],
    seq: 1,
  },
  {
    name: "one pinned entry: pinning another unpins the first",
    steps: [
      { change: publish("p1", "first", { pinned: true }), input: { entryId: "p1", contentHash: "h1" }, status: "ok" },
      { change: publish("p2", "second", { pinned: true }), input: { entryId: "p2", contentHash: "h2" }, status: "ok" },
    ],
    entries: [
      ["p2", "second"],
      ["p1", "first"],
    ],
    seq: -1, // unpinning p1 may be an event of its own: checked through `pinned`
    pinned: ["p2"],
  },
  {
    name: "an ended feed takes no new entry, answers a duplicate as one, and still takes drafts",
    steps: [
      { change: publish("a", "one"), input: { entryId: "a", contentHash: "h1" }, status: "ok" },
      { change: endFeed(), input: {}, status: "ok", apply: true },
      { change: publish("a", "one"), input: { entryId: "a", contentHash: "h1" }, status: "duplicate_id" },
      { change: publish("b", "late"), input: { entryId: "b", contentHash: "h2" }, status: "feed_ended" },
      {
        change: publish("d", "for the record", { status: "draft" }),
        input: { entryId: "d", contentHash: "h3", status: "draft", actor: editor },
        status: "ok",
      },
      { change: release("d"), input: { entryId: "d", actor: editor }, status: "feed_ended" },
    ],
    entries: [["a", "one"]],
    seq: 2,
  },
];

/** The two ways a worker applies a feed: alone (apply.lua), or among a drain job's feeds (apply-many.lua). */
const appliers = {
  apply: async (feedId: string) => {
    const { ticket } = await store.acceptedTicket(feedId);
    if (ticket > 0) await store.apply(feedId, ticket);
  },
  applyMany: async (feedId: string) => {
    const [result] = await store.applyMany([{ feedId }]);
    if (result === undefined || "error" in result || result.applied < result.ticket) throw new Error("not applied");
  },
};

describe("store scripts (accept, apply) against Redis, case by case", () => {
  const cases = rows.flatMap((r, i) => (["apply", "applyMany"] as const).map((how) => [r.name, how, r, i] as const));
  it.each(cases)("%s (%s)", async (_name, how, row, i) => {
    const feedId = `case-${i}-${how.toLowerCase()}`;
    expect(await store.createFeed({ id: feedId, title: row.name }, new Date())).toBe(true);
    const applyAll = () => appliers[how](feedId);
    const statuses: string[] = [];
    for (const step of row.steps) {
      const result = await store.accept(feedId, step.change, step.input ?? {});
      statuses.push(result.status);
      if (step.apply === true) await applyAll();
      if (step.visible !== undefined) {
        expect(
          (await store.listEntries(feedId, 50)).entries.map((e) => e.id),
          step.change.op,
        ).toEqual(step.visible);
      }
    }
    expect(statuses).toEqual(row.steps.map((s) => s.status));
    await applyAll();

    const { ticket, applied } = await store.acceptedTicket(feedId);
    expect(applied).toBe(ticket); // every accepted change applied, none left pending
    expect(await store.failedCount(feedId)).toBe(0);
    const page = await store.listEntries(feedId, 50);
    expect(page.entries.map((e) => [e.id, e.body])).toEqual(row.entries);
    if (row.seq >= 0) expect(await store.currentSeq(feedId)).toBe(row.seq);
    if (row.pinned !== undefined) {
      expect(page.entries.filter((e) => e.pinned).map((e) => e.id)).toEqual(row.pinned);
    }
    // What readers replay is what the store holds: the log's events end at the feed's seq.
    const log = await store.eventsSince(feedId, 0, 100);
    const seq = await store.currentSeq(feedId);
    expect(log.kind === "events" ? (log.events.at(-1)?.seq ?? 0) : -1).toBe(seq);
  });
});

describe("who made a change, in the revision list", () => {
  it("keeps {id, name} once per revision, the id alone when it is the name, and reads older plain ids", async () => {
    const feedId = "writers";
    expect(await store.createFeed({ id: feedId, title: "Writers" }, new Date())).toBe(true);
    const changes: Change[] = [
      // A change of an older release: `by` is the token subject only.
      { ...publish("w", "b1"), by: "cms-legacy" },
      { v: 3, op: "update", at: at(), by: { id: "u_1", name: "Ana Ruiz" }, entryId: "w", patch: { body: "b2" } },
      { v: 3, op: "update", at: at(), by: "token-1", entryId: "w", patch: { body: "b3" } },
    ];
    for (const change of changes) {
      const input = change.op === "publish" ? { contentHash: "h" } : {};
      expect((await store.accept(feedId, change, { ...input, entryId: "w", actor: editor })).status).toBe("ok");
    }
    await store.apply(feedId, (await store.acceptedTicket(feedId)).ticket);
    const stored = await client.lrange(store.keys.feed(feedId).revisions("w"), 0, -1);
    expect(stored.map((r) => (JSON.parse(r) as { by: unknown }).by)).toEqual([
      "cms-legacy",
      { id: "u_1", name: "Ana Ruiz" },
      "token-1",
    ]);
    expect((await store.revisions(feedId, "w")).map((r) => r.by)).toEqual([
      { id: "cms-legacy", name: "cms-legacy" },
      { id: "u_1", name: "Ana Ruiz" },
      { id: "token-1", name: "token-1" },
    ]);
  });
});

describe("an entry's accepted state", () => {
  it("a new published entry keeps no record: its accepted revision is 1 until stored, then the stored one", async () => {
    const feedId = "accepted-state";
    const k = store.keys.feed(feedId);
    expect(await store.createFeed({ id: feedId, title: "Accepted state" }, new Date())).toBe(true);
    const p = await store.accept(feedId, publish("p", "one"), { entryId: "p", contentHash: "h1", actor: editor });
    expect(p).toMatchObject({ status: "ok", revision: 1 });
    expect(await client.hexists(k.accepted, "p")).toBe(0);
    expect(await store.acceptedRevision(feedId, "p")).toBe(1); // accepted, not applied yet
    expect(await store.acceptedRevision(feedId, "never")).toBeUndefined();
    // An edit accepted before the publish is applied takes revision 2, and keeps a record.
    const edit = await store.accept(feedId, update("p", { body: "two" }), { entryId: "p", ifMatch: 1 });
    expect(edit).toMatchObject({ status: "ok", revision: 2 });
    expect(await store.acceptedRevision(feedId, "p")).toBe(2);
    if (edit.status !== "ok") return;
    await store.apply(feedId, edit.ticket);
    expect((await store.getEntry(feedId, "p"))?.revision).toBe(2);
    // A draft keeps its record (who wrote it, its status); retracted, nothing is accepted.
    await store.accept(feedId, publish("d", "draft", { status: "draft" }), {
      entryId: "d",
      contentHash: "h2",
      status: "draft",
      actor: editor,
    });
    expect(JSON.parse((await client.hget(k.accepted, "d")) ?? "null")).toMatchObject({
      r: 1,
      st: "draft",
      by: "editor-1",
    });
    const gone = await store.accept(feedId, retract("p"), { entryId: "p" });
    if (gone.status !== "ok") throw new Error(gone.status);
    await store.apply(feedId, gone.ticket);
    expect(await store.acceptedRevision(feedId, "p")).toBeUndefined();
  });
});

describe("what the set-aside script gives back", () => {
  it("a release set aside leaves its draft a draft, and a publish set aside frees its id and accepted state", async () => {
    const feedId = "set-aside";
    const k = store.keys.feed(feedId);
    expect(await store.createFeed({ id: feedId, title: "Set aside" }, new Date())).toBe(true);
    const draft = await store.accept(feedId, publish("d", "not yet", { status: "draft" }), {
      entryId: "d",
      contentHash: "h1",
      status: "draft",
      actor: editor,
    });
    if (draft.status !== "ok") throw new Error(draft.status);
    await store.apply(feedId, draft.ticket);

    // The release is accepted (its accepted state says published), then set aside unapplied.
    expect((await store.accept(feedId, release("d"), { entryId: "d", actor: editor })).status).toBe("ok");
    expect(await store.setAside(feedId, draft.ticket, "test: cannot apply")).toBeDefined();
    const state = JSON.parse((await client.hget(k.accepted, "d")) ?? "null") as { st?: string } | null;
    expect(state?.st).toBe("draft");
    // So the editor can release it again, and readers get it.
    const again = await store.accept(feedId, release("d"), { entryId: "d", actor: editor });
    expect(again.status).toBe("ok");
    if (again.status !== "ok") return;
    await store.apply(feedId, again.ticket);
    expect((await store.listEntries(feedId, 10)).entries.map((e) => e.id)).toEqual(["d"]);

    // A publish set aside before it was applied: its id and its accepted state are freed.
    const p = await store.accept(feedId, publish("p", "lost"), { entryId: "p", contentHash: "h2", actor: editor });
    if (p.status !== "ok") throw new Error(p.status);
    expect(await store.setAside(feedId, p.ticket - 1, "test: cannot apply")).toBeDefined();
    expect(await client.hexists(k.ids, "p")).toBe(0);
    expect(await client.hexists(k.accepted, "p")).toBe(0);
    expect(await store.failedCount(feedId)).toBe(2);
  });
});

describe("what the apply-many script does", () => {
  it("applies several feeds in one call, keeps the slot's sets once, and answers a feed whose apply failed as such", async () => {
    const feeds = ["many-a", "many-b", "many-broken", "many-idle"];
    for (const feedId of feeds) expect(await store.createFeed({ id: feedId, title: feedId }, new Date())).toBe(true);
    for (const feedId of ["many-a", "many-b", "many-broken"]) {
      for (const id of ["one", "two"]) {
        const r = await store.accept(feedId, publish(id, `${feedId} ${id}`), { entryId: id, contentHash: id });
        expect(r.status).toBe("ok");
      }
    }
    // A Redis error half-way through one feed (its pending hash is not a hash).
    const broken = store.keys.feed("many-broken");
    await client.del(broken.pending);
    await client.set(broken.pending, "not a hash");
    const results = await store.applyMany(feeds.map((feedId) => ({ feedId })));
    expect(results.map((r) => r.feedId)).toEqual(feeds);
    expect(results[0]).toMatchObject({ seq: 2, emitted: 2, applied: 2, ticket: 2, alerting: false });
    expect(results[1]).toMatchObject({ seq: 2, emitted: 2, applied: 2, ticket: 2 });
    expect(results[2]).toMatchObject({ error: expect.stringContaining("WRONGTYPE") });
    expect(results[3]).toMatchObject({ seq: 0, emitted: 0, applied: 0, ticket: 0 });
    for (const feedId of ["many-a", "many-b"]) {
      expect((await store.listEntries(feedId, 10)).entries.map((e) => e.body)).toEqual([
        `${feedId} two`,
        `${feedId} one`,
      ]);
    }
    // The feeds caught up left the slot's feeds behind; the broken one is still there, for the
    // job's retry or the sweep. The feeds that emitted are among those with outputs due.
    const k = store.keys.feed("many-a");
    expect((await client.smembers(k.behind)).filter((f) => f.startsWith("many-"))).toEqual(["many-broken"]);
    const due = await client.smembers(k.outputsDue);
    expect(["many-a", "many-b"].every((f) => due.includes(f))).toBe(true);
    expect(due).not.toContain("many-idle");
  });
});

describe("what the apply script answers", () => {
  it("says whether an event it emitted may make an alert: a breaking entry published, or edited to breaking", async () => {
    const feedId = "alerting";
    expect(await store.createFeed({ id: feedId, title: "Alerting" }, new Date())).toBe(true);
    const applyNext = async (change: Change, input: Parameters<typeof store.accept>[2]) => {
      const accepted = await store.accept(feedId, change, input);
      if (accepted.status !== "ok") throw new Error(accepted.status);
      return store.apply(feedId, accepted.ticket);
    };
    const quiet = await applyNext(publish("q", "plain"), { entryId: "q", contentHash: "h1", actor: editor });
    expect({ emitted: quiet.emitted, alerting: quiet.alerting }).toEqual({ emitted: 1, alerting: false });
    const loud = await applyNext(publish("b", "news", { breaking: true }), {
      entryId: "b",
      contentHash: "h2",
      actor: editor,
    });
    expect({ emitted: loud.emitted, alerting: loud.alerting }).toEqual({ emitted: 1, alerting: true });
    const edited = await applyNext(update("q", { breaking: true }), { entryId: "q", actor: editor });
    expect(edited.alerting).toBe(true);
    expect(
      (await applyNext(update("q", { body: "an edit of an entry that is breaking" }), { entryId: "q", actor: editor }))
        .alerting,
    ).toBe(true);
    expect((await applyNext(retract("b"), { entryId: "b", actor: editor })).alerting).toBe(false);
  });
});

describe("what the apply script takes with a drain job's first apply", () => {
  it("marks the slot's drain mark taken and answers the slot's feeds behind, in the same step as the apply", async () => {
    const own = new FeedStore(client, { keyPrefix: `drain-${randomUUID().slice(0, 8)}:` });
    for (const feedId of ["asked", "other"]) {
      expect(await own.createFeed({ id: feedId, title: feedId }, new Date())).toBe(true);
      const accepted = await own.accept(feedId, publish(`${feedId}-1`, "text"), {
        entryId: `${feedId}-1`,
        contentHash: "h",
      });
      expect(accepted.status).toBe("ok");
    }
    const k = own.keys.feed("asked");
    const mark = await client.get(k.drainMark);
    expect(mark).toMatch(/^\d+\.asked\.1$/);
    const result = await own.apply("asked", 0, { takeDrain: true });
    expect(result.emitted).toBe(1);
    expect([...(result.behind ?? [])].sort()).toEqual(["asked", "other"]);
    expect(await client.get(k.drainMark)).toBe(`taken.${mark}`);
    // A taken mark is no job waiting: the sweep does not count it overdue, however old.
    expect(await own.overdueSlots([k.slot], Date.now() + 60_000)).toEqual([]);
    // Taken again (the job's retry): it stays as the first drain left it.
    await own.takeBehind(k.slot);
    expect(await client.get(k.drainMark)).toBe(`taken.${mark}`);
    // The feed applied left the set; the other waits for the job to apply it.
    expect(await client.smembers(k.behind)).toEqual(["other"]);
    // An apply that is not a drain's first takes nothing.
    const again = await own.accept("asked", publish("asked-2", "more"), { entryId: "asked-2", contentHash: "h2" });
    expect(again.status).toBe("ok");
    const plain = await own.apply("asked", 0);
    expect(plain.behind).toBeUndefined();
    expect(await client.get(k.drainMark)).toMatch(/^\d+\.asked\.2$/);
  });
});

describe("the nudge", () => {
  it("tells the workers of a change that asks for a job where the slot asked for none lately, and of no other", async () => {
    const own = new FeedStore(client, { keyPrefix: `nudge-${randomUUID().slice(0, 8)}:`, nudgeQuietMs: 60_000 });
    const k = own.keys.feed("f");
    expect(await own.createFeed({ id: "f", title: "f" }, new Date())).toBe(true);
    const heard: string[] = [];
    const listener = new Redis(redis.url);
    listener.on("message", (channel: string, feedId: string) => {
      if (channel === own.keys.nudge()) heard.push(feedId);
    });
    await listener.subscribe(own.keys.nudge());
    let n = 0;
    /** Accept one change; answers whether it asked for a job and which feeds were heard of since. */
    const accept = async () => {
      n++;
      heard.length = 0;
      const r = await own.accept("f", publish(`e${n}`, "text"), { entryId: `e${n}`, contentHash: `h${n}` });
      if (r.status !== "ok") throw new Error(r.status);
      await listener.ping(); // published before the accept answered: in before this reply
      return { job: r.drain !== undefined, heard: [...heard] };
    };
    try {
      // The slot never asked for a job: the change asks for one, and the workers hear of its feed.
      expect(await accept()).toEqual({ job: true, heard: ["f"] });
      // Its job waits: the next change asks for none, and nobody is told.
      expect(await accept()).toEqual({ job: false, heard: [] });
      // A drain took the mark a moment after it was set: jobs come often, the workers are busy with
      // one, so the next change asks for a job and is not told of.
      await own.takeBehind(k.slot);
      expect(await accept()).toEqual({ job: true, heard: [] });
      // The slot's last job asked for longer ago than nudgeQuietMs (its mark taken since): told again.
      const longAgo = `taken.${Date.now() - 61_000}.f.1`;
      await client.set(k.drainMark, longAgo);
      expect(await accept()).toEqual({ job: true, heard: ["f"] });
      // A store with the nudge off tells nobody.
      const off = new FeedStore(client, { keyPrefix: own.keys.prefix, nudgeQuietMs: 0 });
      await client.set(k.drainMark, longAgo);
      heard.length = 0;
      const r = await off.accept("f", publish("off", "text"), { entryId: "off", contentHash: "off" });
      expect(r.status === "ok" && r.drain !== undefined).toBe(true);
      await listener.ping();
      expect(heard).toEqual([]);
      // Nor does one that waits for replicas (this Redis has none: the accept stays unanswered).
      const waiting = new FeedStore(client, {
        keyPrefix: own.keys.prefix,
        nudgeQuietMs: 60_000,
        replicaAcks: { replicas: 1, timeoutMs: 10 },
      });
      await client.set(k.drainMark, longAgo);
      heard.length = 0;
      const unanswered = waiting.accept("f", publish("waits", "text"), { entryId: "waits", contentHash: "waits" });
      await expect(unanswered).rejects.toThrow(ReplicationTimeoutError);
      expect(await client.get(k.drainMark)).toMatch(/^\d+\.f\.\d+$/); // it asked for a job
      await listener.ping();
      expect(heard).toEqual([]);
    } finally {
      listener.disconnect();
    }
  });
});

describe("the drain job an accept asks for", () => {
  it("asks once while the slot's mark is fresh, again once a drain took it or once it is too old", async () => {
    const own = new FeedStore(client, { keyPrefix: `mark-${randomUUID().slice(0, 8)}:`, jobMarkAgeMs: 400 });
    expect(await own.createFeed({ id: "f", title: "f" }, new Date())).toBe(true);
    const k = own.keys.feed("f");
    const next = async (n: number) => {
      const r = await own.accept("f", publish(`e${n}`, "text"), { entryId: `e${n}`, contentHash: `h${n}` });
      if (r.status !== "ok") throw new Error(r.status);
      return r.drain;
    };
    const first = await next(1);
    expect(first?.mark).toMatch(/^\d+\.f\.1$/);
    expect(await client.get(k.drainMark)).toBe(first?.mark);
    // A job is waiting: the next changes of the slot ask for none, and the mark stays the first's.
    expect(await next(2)).toBeUndefined();
    expect(await next(3)).toBeUndefined();
    expect(await client.get(k.drainMark)).toBe(first?.mark);
    // A retry of a change while its job waits is answered that job's mark (adding it again is a no-op).
    const retry = (n: number) => own.accept("f", publish(`e${n}`, "text"), { entryId: `e${n}`, contentHash: `h${n}` });
    const retried = await retry(2);
    expect(retried.status === "duplicate_id" && retried.drain?.mark).toBe(first?.mark);
    // A drain took the mark: a retry asks for no job, and the next change asks for a job of its own.
    await own.apply("f", 0, { takeDrain: true });
    const late = await retry(2);
    expect(late.status === "duplicate_id" && late.drain).toBeUndefined();
    const fourth = await next(4);
    expect(fourth?.mark).toMatch(/^\d+\.f\.4$/);
    // A mark older than the age (its job lost between accept and enqueue) is asked for again.
    await new Promise((r) => setTimeout(r, 500));
    const fifth = await next(5);
    expect(fifth?.mark).toMatch(/^\d+\.f\.5$/);
    expect(await client.get(k.drainMark)).toBe(fifth?.mark);
    // A mark that is not one (written by hand) is replaced too.
    await client.set(k.drainMark, "not-a-mark");
    expect((await next(6))?.mark).toMatch(/^\d+\.f\.6$/);
    expect(await next(7)).toBeUndefined();
  });
});

describe("the slot's set of feeds behind", () => {
  it("holds a feed from its first change not applied until an apply leaves it caught up, however the applies split", async () => {
    const own = new FeedStore(client, { keyPrefix: `behind-${randomUUID().slice(0, 8)}:` });
    const feedId = "busy";
    expect(await own.createFeed({ id: feedId, title: feedId }, new Date())).toBe(true);
    const k = own.keys.feed(feedId);
    const listed = async () => (await client.smembers(k.behind)).includes(feedId);
    const accept = async (n: number) => {
      const accepted = await own.accept(feedId, publish(`e${n}`, `entry ${n}`), {
        entryId: `e${n}`,
        contentHash: `h${n}`,
      });
      expect(accepted.status).toBe("ok");
    };
    expect(await listed()).toBe(false);
    await accept(1);
    expect(await listed()).toBe(true);
    // Accepted while the feed is behind: accept.lua skips the SADD, the feed stays listed.
    await accept(2);
    await accept(3);
    // Applied in part (one change of three), then accepted again: still listed.
    expect((await own.apply(feedId, 0, { batch: 1 })).emitted).toBe(1);
    expect(await listed()).toBe(true);
    await accept(4);
    expect((await own.apply(feedId, 0, { batch: 2 })).emitted).toBe(2);
    expect(await listed()).toBe(true);
    // Caught up: the apply takes it out; the next change puts it back.
    expect((await own.apply(feedId, 0)).emitted).toBe(1);
    expect(await listed()).toBe(false);
    await accept(5);
    expect(await listed()).toBe(true);
    expect((await own.apply(feedId, 0)).emitted).toBe(1);
    expect(await listed()).toBe(false);
    expect(await own.feedsBehind()).toEqual([]);
  });
});

describe("what the apply script keeps", () => {
  it("keeps an entry's newest revisions and the feed's newest events, however many came", async () => {
    const feedId = "kept";
    const small = new FeedStore(client, { keyPrefix: `kept-${randomUUID().slice(0, 8)}:`, eventLogLength: 5 });
    expect(await small.createFeed({ id: feedId, title: "Kept" }, new Date())).toBe(true);
    expect((await small.accept(feedId, publish("k", "b0"), { entryId: "k", contentHash: "h" })).status).toBe("ok");
    const edits = LIMITS.maxRevisionsPerEntry + 4;
    for (let i = 1; i <= edits; i++) {
      expect((await small.accept(feedId, update("k", { body: `b${i}` }), { entryId: "k" })).status).toBe("ok");
      // Applied a few at a time, as a busy feed is.
      if (i % 7 === 0) await small.apply(feedId, i + 1);
    }
    await small.apply(feedId, edits + 1);
    expect(await small.currentSeq(feedId)).toBe(edits + 1);
    const revisions = await small.revisions(feedId, "k");
    expect(revisions.map((r) => r.revision)).toEqual(
      Array.from({ length: LIMITS.maxRevisionsPerEntry }, (_, i) => edits + 2 - LIMITS.maxRevisionsPerEntry + i),
    );
    // The log keeps the newest 5 events: a reader 5 behind catches up, one 6 behind is reset.
    const recent = await small.eventsSince(feedId, edits - 4, 100);
    expect(recent.kind === "events" ? recent.events.map((e) => e.seq) : []).toEqual([
      edits - 3,
      edits - 2,
      edits - 1,
      edits,
      edits + 1,
    ]);
    expect((await small.eventsSince(feedId, edits - 5, 100)).kind).toBe("reset");
    expect(await client.zcard(small.keys.feed(feedId).log)).toBe(5);
  });
});

describe("what the apply script leaves alone", () => {
  it("a publish whose id is stored already, as an entry or a draft (by an older release or by hand), changes nothing", async () => {
    const feedId = "taken";
    expect(await store.createFeed({ id: feedId, title: "Taken" }, new Date())).toBe(true);
    const keys = store.keys.feed(feedId);
    const handWritten = (id: string, body: string) => JSON.stringify({ id, body, feedId, revision: 7 });
    // Accepted (its id is new to accept.lua), then an entry and a draft of those ids appear.
    for (const [id, status] of [
      ["live-over-entry", undefined],
      ["live-over-draft", undefined],
      ["draft-over-entry", "draft"],
      ["draft-over-draft", "draft"],
    ] as const) {
      const change = publish(id, "from the change", status === undefined ? {} : { status });
      const input = { entryId: id, contentHash: id, ...(status === undefined ? {} : { status }) };
      expect((await store.accept(feedId, change, input)).status).toBe("ok");
      await client.hset(id.endsWith("entry") ? keys.entries : keys.drafts, id, handWritten(id, "by hand"));
    }
    const { ticket } = await store.acceptedTicket(feedId);
    const result = await store.apply(feedId, ticket);
    expect(result.emitted).toBe(0);
    expect(await store.currentSeq(feedId)).toBe(0);
    expect(await client.hgetall(keys.entries)).toEqual({
      "live-over-entry": handWritten("live-over-entry", "by hand"),
      "draft-over-entry": handWritten("draft-over-entry", "by hand"),
    });
    expect(await client.hgetall(keys.drafts)).toEqual({
      "live-over-draft": handWritten("live-over-draft", "by hand"),
      "draft-over-draft": handWritten("draft-over-draft", "by hand"),
    });
    expect(await client.zcard(keys.order)).toBe(0);
    for (const id of ["live-over-entry", "live-over-draft", "draft-over-entry", "draft-over-draft"])
      expect(await store.revisions(feedId, id)).toEqual([]);
  });
});

describe("a writer's rate limit, counted by the accept", () => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it("refuses a write past it before any other check, stores nothing, and shares its window with rate-limit.lua", async () => {
    const feedId = "rate-limited";
    expect(await store.createFeed({ id: feedId, title: "rate" }, new Date())).toBe(true);
    const rate = { key: store.keys.rateLimit("publish", `writer-${randomUUID()}`), points: 3, windowMs: 60_000 };
    // A write counted on its own (a write with embeds, or another route): the same window.
    expect(await store.spendRate(rate)).toBe(0);
    const input = (id: string) => ({ entryId: id, contentHash: id, actor: editor, rate });
    expect((await store.accept(feedId, publish("a", "one"), input("a"))).status).toBe("ok");
    // A write refused for another reason counts too.
    expect((await store.accept(feedId, publish("a", "again"), input("a"))).status).toBe("duplicate_id");
    const past = await store.accept(feedId, publish("b", "two"), input("b"));
    expect(past.status).toBe("rate_limited");
    const wait = past.status === "rate_limited" ? past.retryAfterMs : 0;
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60_000);
    // Before any other check: a feed that does not exist answers the limit too.
    expect((await store.accept("no-such-feed", publish("c", "x"), input("c"))).status).toBe("rate_limited");
    expect(await store.spendRate(rate)).toBeGreaterThan(0);
    // Nothing of the refused write is stored: no ticket, no accepted id.
    expect(await store.acceptedTicket(feedId)).toMatchObject({ ticket: 1 });
    expect(await store.acceptedRevision(feedId, "b")).toBeUndefined();
    // Another writer has a window of its own; a write the caller counted itself passes no limit.
    const other = { ...rate, key: store.keys.rateLimit("publish", `writer-${randomUUID()}`) };
    expect((await store.accept(feedId, publish("b", "two"), { ...input("b"), rate: other })).status).toBe("ok");
    expect((await store.accept(feedId, publish("d", "four"), { entryId: "d", contentHash: "d" })).status).toBe("ok");
  });

  it("starts a new window when the last one ends", async () => {
    const feedId = "rate-window";
    expect(await store.createFeed({ id: feedId, title: "window" }, new Date())).toBe(true);
    const rate = { key: store.keys.rateLimit("publish", `writer-${randomUUID()}`), points: 1, windowMs: 300 };
    const write = (id: string) => store.accept(feedId, publish(id, id), { entryId: id, contentHash: id, rate });
    expect((await write("a")).status).toBe("ok");
    expect((await write("b")).status).toBe("rate_limited");
    await sleep(350);
    expect((await write("b")).status).toBe("ok");
    expect((await write("c")).status).toBe("rate_limited");
    expect(await store.acceptedTicket(feedId)).toMatchObject({ ticket: 2 });
  });
});
