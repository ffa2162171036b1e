import { describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { FeedStore } from "@liveline/core";
import { openReader, readerReady } from "./helpers/reader.js";
import type { Stack } from "./helpers/stack.js";
import { writtenOnTheServersClock } from "./helpers/shared-redis.js";
import { useStack } from "./helpers/use-stack.js";
import { sleep, waitFor } from "./helpers/wait.js";

/** Idempotent publishing: a repeated publish or a retried job is stored once and produces one event. */
// The worker sweeps only when a test asks it to (its own every 10 minutes).
const fx = useStack({ SWEEP_INTERVAL_MS: "600000" });
const stack = (): Stack => fx.stack;

/**
 * A new feed with one publish accepted straight into the store, as if the API died between the
 * accept and the drain job's add while no worker heard the accept's nudge (a worker down at that
 * moment): the store that accepts it nudges nobody, so only the job or the sweep can apply it.
 */
async function acceptWithoutJob(feedId: string, entryId: string) {
  await stack().api.createFeed(feedId);
  const client = new Redis(fx.redis.url);
  try {
    const unheard = new FeedStore(client, { keyPrefix: stack().store.keys.prefix, nudgeQuietMs: 0 });
    return await unheard.accept(
      feedId,
      {
        v: 1,
        op: "publish",
        at: new Date().toISOString(),
        entry: { id: entryId, body: "x", pinned: false, keyEvent: false, breaking: false },
      },
      { entryId, contentHash: "h" },
    );
  } finally {
    client.disconnect();
  }
}

describe("idempotent publishing", () => {
  it("stores one entry and emits one event for a repeated Idempotency-Key", async () => {
    await stack().api.createFeed("idem-key");
    const reader = openReader(stack().url, "idem-key");
    await readerReady(reader);
    const entry = { headline: "Breaking", body: "<p>Same content</p>" };
    const first = await stack().api.publish("idem-key", entry, { "Idempotency-Key": "cms-42" });
    const second = await stack().api.publish("idem-key", entry, { "Idempotency-Key": "cms-42" });
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body.entryId).toBe(first.body.entryId);
    await waitFor(() => reader.events.length === 1, "one event");
    await sleep(300);
    expect(reader.events).toHaveLength(1);
    expect(await stack().store.currentSeq("idem-key")).toBe(1);

    const reused = await stack().api.publish("idem-key", { body: "different" }, { "Idempotency-Key": "cms-42" });
    expect(reused.status).toBe(409);
    expect(reused.body).toMatchObject({ error: { code: "idempotency_key_reused" } });
    reader.close();
  });

  it("treats the same client-chosen id and content as one entry, and refuses different content", async () => {
    await stack().api.createFeed("idem-id");
    const a = await stack().api.publish("idem-id", { id: "update-1", body: "text" });
    const b = await stack().api.publish("idem-id", { id: "update-1", body: "text" });
    expect([a.status, b.status]).toEqual([202, 202]);
    const c = await stack().api.publish("idem-id", { id: "update-1", body: "other text" });
    expect(c.status).toBe(409);
    expect(c.body).toMatchObject({ error: { code: "entry_exists" } });
    await waitFor(async () => (await stack().store.currentSeq("idem-id")) === 1, "applied");
    await sleep(200);
    expect(await stack().store.currentSeq("idem-id")).toBe(1);
  });

  it("makes a retried job a no-op: applying the same ticket twice stores and emits nothing twice", async () => {
    await stack().api.createFeed("idem-retry");
    const reader = openReader(stack().url, "idem-retry");
    await readerReady(reader);
    await stack().api.publish("idem-retry", { id: "r1", body: "once" });
    await waitFor(() => reader.events.length === 1, "first event");
    const { ticket } = await stack().store.acceptedTicket("idem-retry");

    // What BullMQ does after a worker died mid-job: run the job again (here, twice more).
    const again = await stack().store.apply("idem-retry", ticket);
    await stack().queue.enqueue("idem-retry", ticket, undefined, "retry");
    expect(again.emitted).toBe(0);
    await sleep(400);
    expect(reader.events).toHaveLength(1);
    expect(await stack().store.currentSeq("idem-retry")).toBe(1);
    reader.close();
  });

  it("applies a change whose job was never enqueued (the sweep re-drives it)", async () => {
    // Accept directly in the store without enqueueing, as if the API died between the two.
    const result = await acceptWithoutJob("idem-sweep", "orphan");
    expect(result.status).toBe("ok");
    // The first sweep to see it behind notes it (the API's own job may be on its way); the next
    // one that finds it at the same place re-drives it.
    expect(await stack().worker?.sweep()).toBeGreaterThanOrEqual(1);
    expect(await stack().store.currentSeq("idem-sweep")).toBe(0);
    await stack().worker?.sweep();
    await waitFor(async () => (await stack().store.currentSeq("idem-sweep")) === 1, "orphan applied");
  });

  it("applies a change whose drain job was never added at the first sweep once its slot's mark has aged", async () => {
    // Accepted, and the drain job accept.lua asked for never added (Redis went away before the add).
    const result = await acceptWithoutJob("idem-lost-job", "lost-job");
    expect(result.status).toBe("ok");
    if (result.status !== "ok") return;
    expect(result.drain).toBeDefined();
    // A later change of the slot asks for no job while the mark is fresh: only the sweep can help.
    await sleep(2100);
    expect(await stack().worker?.sweep()).toBeGreaterThanOrEqual(1);
    await waitFor(async () => (await stack().store.currentSeq("idem-lost-job")) === 1, "applied after one sweep");
  });

  it("leaves nothing behind in Redis for a rejected publish", async () => {
    await stack().api.createFeed("idem-reject");
    const r = new Redis(fx.redis.url);
    // Keys may expire or be cleaned up meanwhile (earlier tests' jobs and locks); none may appear
    // but the audience sample the servers take on their own clock, whenever an interval begins.
    const before = new Set(await r.keys("*"));
    const res = await stack().api.publish("idem-reject", { body: 42 });
    expect(res.status).toBe(400);
    expect((await r.keys("*")).filter((k) => !before.has(k) && !writtenOnTheServersClock(k))).toEqual([]);
    expect((await stack().store.acceptedTicket("idem-reject")).ticket).toBe(0);
    r.disconnect();
  });
});
