import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openReader, readerReady, seqs } from "./helpers/reader.js";
import { useStack } from "./helpers/use-stack.js";
import { waitFor } from "./helpers/wait.js";

/**
 * The worker's sweep finds a feed whose apply job was lost through the set of feeds behind, which
 * accept and apply keep, not by looking at the newest feeds: a feed with 10,000 feeds created after
 * it, accepted a change whose job never reached the queue, is still applied. The outputs' sweep
 * likewise finds a feed whose events never reached the outputs through the set of feeds with
 * outputs due, not by reading every feed.
 */
const { stack, redis } = useStack({ SWEEP_INTERVAL_MS: "200" });
let probe: Redis;

beforeAll(() => {
  probe = new Redis(redis.url);
});
afterAll(() => {
  probe?.disconnect();
});

describe("the sweeps", () => {
  beforeAll(async () => {
    // Two feeds, then 10,000 newer ones, created through the store.
    for (const feedId of ["old-feed", "old-outputs"]) expect((await stack.api.createFeed(feedId)).status).toBe(201);
    const created = Date.now() + 1000;
    for (let i = 0; i < 10_000; i += 1000) {
      await Promise.all(
        Array.from({ length: 1000 }, (_, j) =>
          stack.store.createFeed({ id: `newer-${i + j}`, title: "newer" }, new Date(created + i + j)),
        ),
      );
    }
    const index = stack.store.keys.feedIndex();
    expect(await probe.zcard(index)).toBe(10_002);
    const newest = await probe.zrevrange(index, 0, 9_999);
    expect(newest).not.toContain("old-feed");
    expect(newest).not.toContain("old-outputs");
  });

  it("applies a change whose job was lost on a feed older than 10,000 others", async () => {
    const feedId = "old-feed";
    const reader = openReader(stack.url, feedId);
    await readerReady(reader);

    // Accepted, with the job it asked for never added (a server that died between the two).
    const accepted = await stack.store.accept(feedId, change("lost-job"), {
      entryId: "lost-job",
      contentHash: "h",
      status: "published",
    });
    expect(accepted).toMatchObject({ status: "ok", ticket: 1, drain: { slot: stack.store.keys.feed(feedId).slot } });

    await waitFor(() => reader.events.length === 1, "the lost job's change applied by the sweep", 15_000);
    expect(seqs(reader.events)).toEqual([1]);
    expect(reader.events[0]).toMatchObject({ type: "entry.published", entry: { id: "lost-job" } });
    expect(await stack.store.feedsBehind()).toEqual([]);
    reader.close();
  });

  it("hands the outputs an event whose outputs step was lost, on a feed older than 10,000 others", async () => {
    const feedId = "old-outputs";
    const cursors = stack.store.keys.outputs().cursors;
    // Accepted and applied, as by a worker that died before handing the event to the outputs.
    const accepted = await stack.store.accept(feedId, change("lost-outputs"), {
      entryId: "lost-outputs",
      contentHash: "h",
      status: "published",
    });
    expect(accepted).toMatchObject({ status: "ok", ticket: 1 });
    expect(await stack.store.apply(feedId, 1)).toMatchObject({ seq: 1, emitted: 1 });
    expect(await stack.store.feedsWithOutputsDue()).toContainEqual({ feedId, seq: 1 });

    // The outputs sweep finds it through the set of feeds with outputs due, and walks it.
    await waitFor(
      async () => Number(await probe.zscore(cursors, feedId)) === 1,
      "the outputs' cursor at seq 1",
      15_000,
    );
    // Caught up, it leaves the set at the next sweep: the set holds only feeds with work.
    await waitFor(
      async () => !(await stack.store.feedsWithOutputsDue()).some((f) => f.feedId === feedId),
      "the feed gone from the outputs' due set",
    );
  });
});

function change(id: string): Parameters<typeof stack.store.accept>[1] {
  return {
    v: 2,
    op: "publish",
    at: new Date().toISOString(),
    by: "test",
    entry: { id, body: "<p>x</p>", pinned: false, keyEvent: false, breaking: false },
  };
}
