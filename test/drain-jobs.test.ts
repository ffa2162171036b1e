import { describe, expect, it } from "vitest";
import { openReader, readerReady, seqs, type Reader } from "./helpers/reader.js";
import type { Stack } from "./helpers/stack.js";
import { useStack } from "./helpers/use-stack.js";
import { waitFor } from "./helpers/wait.js";

// Group commit across feeds: one drain job applies every feed of its cluster slot that is behind
// when it runs (core/src/lua/accept.lua, drain.lua). Changes to many feeds accepted while the
// worker takes no job ask for one job, not one per change, and every reader still gets each
// change once and in order.

const fx = useStack();
const stack = (): Stack => fx.stack;

const FEEDS = 30;
const PER_FEED = 3;

/** A counter of the process's /metrics (the worker's, in this all-roles process). */
async function metric(series: string): Promise<number> {
  const text = await (await fetch(`${stack().url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

const COMPLETED = 'liveline_worker_jobs_total{result="completed",role="all"}';
const EMITTED = 'liveline_worker_events_emitted_total{role="all"}';

describe("drain jobs", () => {
  it("applies the changes of many feeds accepted while the worker was busy with one job", async () => {
    const worker = stack().worker;
    if (worker === undefined) throw new Error("the stack runs no worker");
    const feeds = Array.from({ length: FEEDS }, (_, i) => `drain-${i}`);
    for (const f of feeds) expect((await stack().api.createFeed(f)).status).toBe(201);
    const readers: Reader[] = feeds.map((f) => openReader(stack().url, f));
    await Promise.all(readers.map((r) => readerReady(r)));
    const jobsBefore = await metric(COMPLETED);
    const emittedBefore = await metric(EMITTED);

    // The worker takes no job while the writes come in (as when every worker is busy).
    await worker.worker.pause();
    try {
      // Every feed gets its changes in order (one writer per feed), all feeds at once.
      await Promise.all(
        feeds.map(async (f) => {
          for (let i = 0; i < PER_FEED; i++) {
            expect((await stack().api.publish(f, { id: `e${i}`, body: `${f} entry ${i}` })).status).toBe(202);
          }
          expect((await stack().api.edit(f, "e0", { body: `${f} entry 0, corrected` })).status).toBe(202);
        }),
      );
      // One job was asked for, by the first accept (another only if the writes took longer than
      // the mark's age, 2 s): not one per change, nor one per feed.
      const { waiting = 0 } = await stack().queue.counts("waiting");
      expect(waiting).toBeGreaterThanOrEqual(1);
      expect(waiting).toBeLessThanOrEqual(3);
      expect(readers.every((r) => r.events.length === 0)).toBe(true);
    } finally {
      worker.worker.resume();
    }

    const changes = FEEDS * (PER_FEED + 1);
    for (const [i, r] of readers.entries()) {
      const f = feeds[i] ?? "";
      await waitFor(() => r.events.length === PER_FEED + 1, `${PER_FEED + 1} events on ${f}`, 15_000);
      // Exact: each change once, in the order accepted, and nothing else.
      expect(seqs(r.events)).toEqual([1, 2, 3, 4]);
      expect(r.events.map((e) => e.type)).toEqual([
        "entry.published",
        "entry.published",
        "entry.published",
        "entry.updated",
      ]);
      expect(r.sub.entry("e0")).toMatchObject({ body: `${f} entry 0, corrected`, revision: 2 });
      expect(r.sub.entries.map((e) => e.id).sort()).toEqual(["e0", "e1", "e2"]);
    }
    await waitFor(async () => (await metric(EMITTED)) - emittedBefore === changes, `${changes} events emitted`);
    // The few jobs asked for applied every feed: the worker finished at most 3 jobs for 120 changes.
    const jobs = (await metric(COMPLETED)) - jobsBefore;
    expect(jobs).toBeGreaterThanOrEqual(1);
    expect(jobs).toBeLessThanOrEqual(3);
    expect(await stack().store.feedsBehind()).toEqual([]);
    for (const r of readers) r.close();
  });
});
