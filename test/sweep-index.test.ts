import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openReader, readerReady, seqs } from "./helpers/reader.js";
import { useStack } from "./helpers/use-stack.js";
import { waitFor } from "./helpers/wait.js";

/**
 * The worker's sweep finds a feed whose apply job was lost through the set of feeds behind, which
 * accept and apply keep, not by looking at the newest feeds: a feed with 10,000 feeds created after
 * it, accepted a change whose job never reached the queue, is still applied.
 */
const { stack, redis } = useStack({ SWEEP_INTERVAL_MS: "200" });
let probe: Redis;

beforeAll(() => {
  probe = new Redis(redis.url);
});
afterAll(() => {
  probe?.disconnect();
});

describe("the sweep", () => {
  it("applies a change whose job was lost on a feed older than 10,000 others", async () => {
    const feedId = "old-feed";
    expect((await stack.api.createFeed(feedId)).status).toBe(201);
    const reader = openReader(stack.url, feedId);
    await readerReady(reader);
    // 10,000 newer feeds, created through the store.
    const created = Date.now() + 1000;
    const index = stack.store.keys.feedIndex();
    for (let i = 0; i < 10_000; i += 1000) {
      await Promise.all(
        Array.from({ length: 1000 }, (_, j) =>
          stack.store.createFeed({ id: `newer-${i + j}`, title: "newer" }, new Date(created + i + j)),
        ),
      );
    }
    expect(await probe.zcard(index)).toBe(10_001);
    const newest = await probe.zrevrange(index, 0, 999);
    expect(newest).not.toContain(feedId);

    // Accepted, with the job it asked for never added (a server that died between the two).
    const accepted = await stack.store.accept(
      feedId,
      {
        v: 2,
        op: "publish",
        at: new Date().toISOString(),
        by: "test",
        entry: { id: "lost-job", body: "<p>x</p>", pinned: false, keyEvent: false, breaking: false },
      },
      { entryId: "lost-job", contentHash: "h", status: "published" },
    );
    expect(accepted).toMatchObject({ status: "ok", ticket: 1, job: true });

    await waitFor(() => reader.events.length === 1, "the lost job's change applied by the sweep", 15_000);
    expect(seqs(reader.events)).toEqual([1]);
    expect(reader.events[0]).toMatchObject({ type: "entry.published", entry: { id: "lost-job" } });
    expect(await stack.store.feedsBehind()).toEqual([]);
    reader.close();
  });
});
