import { Writable } from "node:stream";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FailedChangesResponse, Feed, FeedEvent } from "@liveline/protocol";
import { Queue } from "bullmq";
import { QUEUE_NAME, createLogger } from "@liveline/core";
import { openReader, readerReady, seqs } from "./helpers/reader.js";
import { useStack } from "./helpers/use-stack.js";
import { waitFor } from "./helpers/wait.js";

/**
 * Nothing accepted is ever stuck: a change that was accepted but cannot be applied is set aside (dead-lettered) and
 * the feed goes on. The poisoned changes are written straight into the store, past the API that
 * would refuse them, the way a bug, an older release or a hand edit could leave them.
 */
let probe: Redis;
const logLines: Record<string, unknown>[] = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (line.trim() !== "") logLines.push(JSON.parse(line) as Record<string, unknown>);
    }
    done();
  },
});
const { stack, redis } = useStack({}, { logger: createLogger("test", "info", sink) });

let rawQueue: Queue;

beforeAll(() => {
  probe = new Redis(redis.url);
  rawQueue = new Queue(QUEUE_NAME, {
    connection: new Redis(redis.url, { maxRetriesPerRequest: null }),
    prefix: stack.store.keys.queuePrefix(),
  });
});
afterAll(async () => {
  probe?.disconnect();
  await rawQueue?.close();
});

/** Accept `raw` as the feed's next change without the API: next ticket, pending hash, a job. */
async function placeChange(feedId: string, raw: string, jobOptions?: { attempts: number }): Promise<number> {
  const k = stack.store.keys.feed(feedId);
  const ticket = await probe.hincrby(k.meta, "ticket", 1);
  await probe.hset(k.pending, String(ticket), raw);
  if (jobOptions === undefined) await stack.queue.enqueue(feedId, ticket, "req-poison");
  else
    // A job with retry options of its own, added as any BullMQ producer of the queue could.
    await rawQueue.add(
      "apply",
      { v: 1, feedId, ticket },
      { jobId: `${feedId}.${ticket}`, attempts: jobOptions.attempts, backoff: { type: "fixed", delay: 20 } },
    );
  return ticket;
}

async function metric(series: string): Promise<number | undefined> {
  const text = await stack.registry.metrics();
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("a change that cannot be applied", () => {
  it("is set aside when the apply script cannot read it, and later changes reach readers in order", async () => {
    const feedId = "poisoned";
    await stack.api.createFeed(feedId);
    const reader = openReader(stack.url, feedId);
    await readerReady(reader);
    expect((await stack.api.publish(feedId, { id: "a", body: "before" })).status).toBe(202);
    await waitFor(() => reader.events.length === 1, "the first entry");

    // What a publish of {"body":"x\ud800"} stored before the API refused it: cjson rejects it.
    const poisoned = `{"v":2,"op":"publish","at":"${new Date().toISOString()}","by":"token-1","entry":{"id":"poison","body":"x\\ud800","pinned":false,"keyEvent":false,"breaking":false},"requestId":"req-poison"}`;
    const ticket = await placeChange(feedId, poisoned);

    expect((await stack.api.publish(feedId, { id: "b", body: "after 1" })).status).toBe(202);
    expect((await stack.api.edit(feedId, "a", { body: "before, corrected" })).status).toBe(202);
    expect((await stack.api.publish(feedId, { id: "c", body: "after 2" })).status).toBe(202);
    expect((await stack.api.request("PATCH", `/v1/feeds/${feedId}`, { title: "Still moving" })).status).toBe(202);

    await waitFor(() => reader.events.length >= 5, "the changes behind the poisoned one");
    expect(reader.events.map((e) => e.type)).toEqual([
      "entry.published",
      "entry.published",
      "entry.updated",
      "entry.published",
      "feed.updated",
    ]);
    expect(seqs(reader.events)).toEqual([1, 2, 3, 4, 5]); // no seq for the set-aside change: no gap
    expect(reader.sub.entries.map((e) => e.id).sort()).toEqual(["a", "b", "c"]);
    expect(await stack.store.acceptedTicket(feedId)).toEqual({ ticket: ticket + 4, applied: ticket + 4 });

    // The editor sees it: a count on the feed and the record itself.
    const feed = await stack.api.request<Feed>("GET", `/v1/feeds/${feedId}`);
    expect(feed.body.failedChanges).toBe(1);
    expect(feed.headers.get("cache-control")).toBe("private, no-store");
    const failed = await stack.api.request<FailedChangesResponse>("GET", `/v1/feeds/${feedId}/failed`);
    expect(failed.status).toBe(200);
    expect(failed.body).toMatchObject({
      feedId,
      count: 1,
      changes: [{ ticket, op: "publish", entryId: "poison", requestId: "req-poison" }],
    });
    expect(failed.body.changes[0]?.error).toMatch(/invalid unicode escape/);
    // Readers see neither.
    expect((await stack.api.as(null).request<Feed>("GET", `/v1/feeds/${feedId}`)).body.failedChanges).toBeUndefined();
    expect((await stack.api.as(null).request("GET", `/v1/feeds/${feedId}/failed`)).status).toBe(401);

    // A metric and a log line with the request id.
    await expect.poll(() => metric('liveline_dead_letters_total{reason="unreadable",role="all"}')).toBe(1);
    const line = logLines.find((l) => l.msg?.toString().startsWith("change set aside"));
    expect(line).toMatchObject({ feedId, ticket, requestId: "req-poison", entryId: "poison", reason: "unreadable" });

    // The id of the publish that never happened is free again: the editor publishes it corrected.
    expect((await stack.api.publish(feedId, { id: "poison", body: "x, fixed" })).status).toBe(202);
    await waitFor(() => reader.events.length === 6, "the corrected entry");
    expect(reader.events[5]).toMatchObject({ type: "entry.published", seq: 6, entry: { id: "poison" } });
    reader.close();
  });

  it("is set aside after its job's last attempt when applying it fails for another reason", async () => {
    const feedId = "failing";
    await stack.api.createFeed(feedId);
    const reader = openReader(stack.url, feedId);
    await readerReady(reader);
    // Readable JSON, but a title that is an object makes the script's HSET fail on every try.
    const failing = JSON.stringify({
      v: 2,
      op: "feed.update",
      at: new Date().toISOString(),
      patch: { title: { not: "a string" } },
      requestId: "req-failing",
    });
    const ticket = await placeChange(feedId, failing, { attempts: 2 });
    expect((await stack.api.publish(feedId, { id: "next", body: "behind the failing one" })).status).toBe(202);

    await waitFor(() => reader.events.length === 1, "the entry behind the failing change", 15_000);
    expect(reader.events[0]).toMatchObject({ type: "entry.published", seq: 1, entry: { id: "next" } });
    const failed = await stack.api.request<FailedChangesResponse>("GET", `/v1/feeds/${feedId}/failed`);
    expect(failed.body).toMatchObject({ count: 1, changes: [{ ticket, op: "feed.update", requestId: "req-failing" }] });
    expect(failed.body.changes[0]?.error).toMatch(/must be strings or integers/);
    await expect.poll(() => metric('liveline_dead_letters_total{reason="retries_exhausted",role="all"}')).toBe(1);
    const events: FeedEvent[] = reader.events;
    expect(seqs(events)).toEqual([1]);
    reader.close();
  });
  // A drain job that names the feed that asked for it applies that feed first, taking the slot's
  // feeds in the same step; when that apply fails, the job takes them as one that names none.
  it.each([
    ["names no feed", ""],
    ["names the failing feed as the one that asked for it", "named-"],
  ])(
    "is set aside by a drain job's last attempt, while the other feeds of that job are applied (the job %s)",
    async (_how, named) => {
      const [failingFeed, goodFeed] = [`${named}drain-failing`, `${named}drain-good`];
      for (const f of [failingFeed, goodFeed]) await stack.api.createFeed(f);
      const readers = [openReader(stack.url, failingFeed), openReader(stack.url, goodFeed)];
      await Promise.all(readers.map((r) => readerReady(r)));
      const [failingReader, goodReader] = readers;
      if (failingReader === undefined || goodReader === undefined) throw new Error("readers missing");
      const before = (await metric('liveline_dead_letters_total{reason="retries_exhausted",role="all"}')) ?? 0;

      // Two feeds of one slot accepted (the drain job they asked for is not added): the good one
      // through accept, the failing one written as accept would leave it, in one MULTI, with a
      // change that fails on every try, as in the test above. (Accepting it fine and then
      // overwriting it raced a drain job of an earlier test still retrying, which applied it first.)
      const at = new Date().toISOString();
      const fine = { v: 2 as const, op: "feed.update" as const, at, patch: { title: "fine" }, requestId: "req-drain" };
      const goodTicket = await stack.store.accept(goodFeed, fine);
      if (goodTicket.status !== "ok") throw new Error("not accepted");
      const k = stack.store.keys.feed(failingFeed);
      expect(stack.store.keys.feed(goodFeed).slot).toBe(k.slot);
      const failingTicket = (await stack.store.acceptedTicket(failingFeed)).ticket + 1;
      const bad = JSON.stringify({ ...fine, patch: { title: { not: "a string" } } });
      await probe
        .multi()
        .hincrby(k.meta, "ticket", 1)
        .hset(k.pending, String(failingTicket), bad)
        .sadd(k.behind, failingFeed)
        .exec();
      // One drain job with two attempts, added as any BullMQ producer of the queue could.
      await rawQueue.add(
        "drain",
        { v: 1, kind: "drain", slot: k.slot, ...(named === "" ? {} : { feedId: failingFeed }) },
        { jobId: `${named}drain-two-attempts`, attempts: 2, backoff: { type: "fixed", delay: 20 } },
      );

      await waitFor(() => goodReader.events.length === 1, "the good feed's change", 15_000);
      expect(goodReader.events[0]).toMatchObject({ type: "feed.updated", seq: 1, feed: { title: "fine" } });
      await waitFor(
        async () => (await stack.store.failedCount(failingFeed)) === 1,
        "the failing change set aside by the job's last attempt",
        15_000,
      );
      // The worker counts it once the set-aside script has answered: a moment after Redis shows it.
      await expect
        .poll(() => metric('liveline_dead_letters_total{reason="retries_exhausted",role="all"}'))
        .toBe(before + 1);
      expect(await stack.store.acceptedTicket(failingFeed)).toEqual({
        ticket: failingTicket,
        applied: failingTicket,
      });
      await waitFor(async () => (await stack.store.feedsBehind()).length === 0, "no feed left behind");
      expect(failingReader.events).toEqual([]);
      for (const r of readers) r.close();
    },
  );
});
