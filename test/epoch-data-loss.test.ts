import { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Entry } from "@liveline/protocol";
import { backupAof, restoreAof } from "./helpers/aof-backup.js";
import { sdkReader, socketReader, sseReader, staleCount, type TrackedReader } from "./helpers/loss-readers.js";
import { startRedis, type RedisProcess } from "./helpers/redis-process.js";
import { startStack, type Stack } from "./helpers/stack.js";
import { waitFor } from "./helpers/wait.js";

/**
 * Lost history is always announced (docs/delivery-guarantees.md#lost-history-the-epoch). Real data
 * loss under connected readers — Redis wiped (FLUSHALL), and Redis restarted from an older
 * append-only file — must reach every reader (SDK, bare Socket.IO, SSE) as a `reset` with the feed
 * log's new epoch, never as a silent gap or as stale entries, even once new writes took the seq
 * past what readers held.
 */
let redis: RedisProcess;
let stack: Stack;
let admin: Redis;
const readers: TrackedReader[] = [];

beforeEach(async () => {
  redis = await startRedis(); // append-only file on, fsync always, in a temp dir
  stack = await startStack(redis.url);
  admin = new Redis(redis.url, { maxRetriesPerRequest: null });
  admin.on("error", () => undefined); // Redis is restarted on purpose
});

afterEach(async () => {
  for (const r of readers.splice(0)) r.close();
  admin.disconnect();
  await stack.close();
  await redis.stop();
});

/** Publish, retrying while Redis is coming back (503); the entry id keeps it idempotent. */
async function publish(feedId: string, id: string): Promise<void> {
  await waitFor(
    async () => (await stack.api.publish(feedId, { id, body: `<p>${id}</p>` })).status === 202,
    `publish ${id}`,
    20_000,
    100,
  );
}

async function storeEntries(feedId: string): Promise<Entry[]> {
  const r = await stack.api.request<{ entries: Entry[] }>("GET", `/v1/feeds/${feedId}/entries?limit=100`);
  return r.body.entries;
}

async function storeEpoch(feedId: string): Promise<string> {
  const head = await stack.store.head(feedId);
  if (!head.exists) throw new Error(`${feedId} is gone`);
  return head.epoch;
}

/** Waits for every reader at (epoch, seq); on a timeout, names each one that is not and where it is. */
async function allAt(rs: TrackedReader[], seq: number, epoch: string, what: string): Promise<void> {
  const behind = () =>
    rs
      .filter((r) => r.seq() !== seq || r.epoch() !== epoch)
      .map((r) => `${r.name} at ${r.epoch() ?? "?"}:${r.seq() ?? "?"}`);
  await waitFor(() => behind().length === 0, what, 20_000).catch((err: unknown) => {
    throw new Error(`${String(err)}; not there: ${behind().join(", ")} (want ${epoch}:${seq})`);
  });
}

function report(scenario: string, rs: TrackedReader[], store: Entry[]): void {
  const lines = rs.map((r) => `${r.name}: resets=${r.resets.length} stale=${staleCount(r, store)}`);
  console.info(`[epoch] ${scenario}: ${lines.join("; ")}`);
}

describe("lost history is announced with a new epoch (real data loss, readers connected)", () => {
  it("FLUSHALL, then the feed is recreated and published to: every reader resets to the new epoch, 0 stale", async () => {
    const feedId = "wiped";
    await stack.api.createFeed(feedId);
    for (let i = 1; i <= 5; i++) await publish(feedId, `old-${i}`);
    const before = await storeEpoch(feedId);
    const sdk = sdkReader(stack.url, feedId);
    const sse = sseReader(stack.url, feedId);
    const rs = [sdk, socketReader(stack.url, feedId), sse];
    readers.push(...rs);
    await allAt(rs, 5, before, "every reader at seq 5");

    await admin.flushall();
    expect((await stack.api.createFeed(feedId)).status).toBe(201);
    for (let i = 1; i <= 3; i++) await publish(feedId, `new-${i}`);
    await waitFor(async () => (await stack.store.currentSeq(feedId)) === 3, "the new entries applied");
    const after = await storeEpoch(feedId);
    expect(after).not.toBe(before);

    await allAt(rs, 3, after, "every reader at seq 3 of the new epoch");
    const store = await storeEntries(feedId);
    expect(store.map((e) => e.id).sort()).toEqual(["new-1", "new-2", "new-3"]);
    report("FLUSHALL + recreate", rs, store);
    for (const r of rs) {
      expect(r.resets, `${r.name} was reset to the new epoch`).toContain(after);
      expect(staleCount(r, store), `${r.name} stale entries`).toBe(0);
    }
    expect(sdk.contexts.at(-1)).toMatchObject({ reset: true, recovered: false, reason: "epoch_changed", epoch: after });
    // SSE ids carry the epoch, so EventSource's Last-Event-ID resumes within the right history.
    expect(sse.ids.at(-1)).toBe(`${after}:3`);
  });

  it("Redis restarted from an older AOF, then seq climbs past what readers held: every reader (and one offline meanwhile) resets", async () => {
    const feedId = "restored";
    await stack.api.createFeed(feedId);
    for (let i = 1; i <= 5; i++) await publish(feedId, `kept-${i}`);
    await waitFor(async () => (await stack.store.currentSeq(feedId)) === 5, "five applied");
    const before = await storeEpoch(feedId);
    const sdk = sdkReader(stack.url, feedId);
    const offline = sdkReader(stack.url, feedId, "sdk (offline during the restore)");
    const rs = [sdk, socketReader(stack.url, feedId), sseReader(stack.url, feedId)];
    readers.push(...rs, offline);
    await allAt([...rs, offline], 5, before, "every reader at seq 5");

    const backup = await backupAof(redis);
    for (let i = 1; i <= 5; i++) await publish(feedId, `lost-${i}`);
    await allAt([...rs, offline], 10, before, "every reader at seq 10");
    // This reader goes away holding (epoch, 10), and comes back after the restore.
    offline.reader.client.disconnect();

    await restoreAof(redis, backup);
    expect(await stack.store.currentSeq(feedId)).toBe(5); // the older history is back
    for (let i = 1; i <= 7; i++) await publish(feedId, `after-${i}`);
    await waitFor(async () => (await stack.store.currentSeq(feedId)) === 12, "seq 12: past the 10 readers held");
    const after = await storeEpoch(feedId);
    expect(after).not.toBe(before);

    await allAt(rs, 12, after, "every connected reader at seq 12 of the new epoch");
    offline.reader.client.connect();
    await allAt([offline], 12, after, "the offline reader back, at seq 12 of the new epoch");

    const store = await storeEntries(feedId);
    expect(store.map((e) => e.id).sort()).toEqual(
      [...[1, 2, 3, 4, 5].map((i) => `kept-${i}`), ...[1, 2, 3, 4, 5, 6, 7].map((i) => `after-${i}`)].sort(),
    );
    const all = [...rs, offline];
    report("restart from an older AOF", all, store);
    for (const r of all) {
      expect(r.resets, `${r.name} was reset to the new epoch`).toContain(after);
      expect(staleCount(r, store), `${r.name} stale entries`).toBe(0);
      expect([...r.entries().keys()].filter((id) => id.startsWith("lost-"))).toEqual([]);
    }
    expect(offline.contexts.at(-1)).toMatchObject({
      wasRecovering: true,
      recovered: false,
      reason: "epoch_changed",
      epoch: after,
    });
  });
});
