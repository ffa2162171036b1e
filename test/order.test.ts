import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FeedEvent } from "@liveline/protocol";
import { openReader, readerReady, type Reader } from "./helpers/reader.js";
import { spawnRole, type RoleProcess } from "./helpers/role-process.js";
import { useStack } from "./helpers/use-stack.js";
import { waitFor } from "./helpers/wait.js";

/**
 * The ordered log: every change to a feed gets the next seq, with no hole or repeat, in the
 * order the API accepted it -- with worker concurrency above 1 and two worker processes
 * racing for the jobs, while several feeds progress at the same time.
 */
// This process is only the API + gateway; all applying happens in two worker processes.
const { stack: api, redis } = useStack({ ROLE: "server" });
const workers: RoleProcess[] = [];

beforeAll(async () => {
  const env = { REDIS_URL: redis.url, KEY_PREFIX: api.keyPrefix, WORKER_CONCURRENCY: "16" };
  workers.push(...(await Promise.all([spawnRole("worker", env), spawnRole("worker", env)])));
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill("SIGKILL")));
});

function publishedIds(events: FeedEvent[]): string[] {
  return events.flatMap((e) => (e.type === "entry.published" ? [e.entry.id] : []));
}

describe("ordered log", () => {
  it("keeps accept order per feed across concurrent jobs and two worker processes", async () => {
    const feeds = ["order-a", "order-b", "order-c"];
    const perFeed = 40;
    for (const f of feeds) expect((await api.api.createFeed(f)).status).toBe(201);
    const readers: Reader[] = feeds.map((f) => openReader(api.url, f));
    await Promise.all(readers.map((r) => readerReady(r)));

    // Each feed's editor waits for the 202 before the next publish; the feeds run in parallel.
    const accepted = new Map<string, string[]>();
    await Promise.all(
      feeds.map(async (f) => {
        const ids: string[] = [];
        for (let i = 0; i < perFeed; i++) {
          const res = await api.api.publish(f, { id: `${f}-${i}`, body: `entry ${i}` });
          expect(res.status).toBe(202);
          ids.push(res.body.entryId);
        }
        accepted.set(f, ids);
      }),
    );

    for (const [i, f] of feeds.entries()) {
      const reader = readers[i] as Reader;
      await waitFor(() => reader.events.length === perFeed, `${perFeed} events on ${f}`, 20_000);
      expect(reader.events.map((e) => e.seq)).toEqual(Array.from({ length: perFeed }, (_, k) => k + 1));
      expect(publishedIds(reader.events)).toEqual(accepted.get(f));
      // The store's log says the same.
      const log = await api.store.eventsSince(f, 0, 1000);
      expect(log.kind === "events" && publishedIds(log.events)).toEqual(accepted.get(f));
    }
    for (const r of readers) r.close();
  });

  it("assigns seq in accept order even when jobs for one feed are handled concurrently", async () => {
    // Fire publishes without waiting: the 202s may come back in any order, but the seq order
    // equals the order in which the store accepted them (their tickets), with no hole.
    await api.api.createFeed("order-burst");
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => api.api.publish("order-burst", { id: `b${i}`, body: `burst ${i}` })),
    );
    expect(results.every((r) => r.status === 202)).toBe(true);
    await waitFor(async () => (await api.store.currentSeq("order-burst")) === 60, "60 applied", 20_000);
    const log = await api.store.eventsSince("order-burst", 0, 1000);
    if (log.kind !== "events") throw new Error("expected events");
    expect(log.events.map((e) => e.seq)).toEqual(Array.from({ length: 60 }, (_, k) => k + 1));
    expect(new Set(publishedIds(log.events)).size).toBe(60);
  });
});
