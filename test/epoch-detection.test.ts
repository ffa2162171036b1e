import { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "@liveline/core";
import { FeedEvent, type Entry } from "@liveline/protocol";
import { loadWorkerConfig, startWorker, type WorkerHandle } from "@liveline/worker";
import { backupAof, restoreAof } from "./helpers/aof-backup.js";
import { sdkReader, sseReader, staleCount, type TrackedReader } from "./helpers/loss-readers.js";
import { startRedis, type RedisProcess } from "./helpers/redis-process.js";
import { startStack, type Stack } from "./helpers/stack.js";
import { waitFor } from "./helpers/wait.js";

/**
 * Which witness of the lost history changes the epoch
 * (docs/delivery-guarantees.md#lost-history-the-epoch). Redis is restarted from an older
 * append-only file each time; each test leaves exactly one process that saw the lost seqs — the
 * worker that applied them, the server relay that delivered them, or a reader that comes back
 * holding one — and checks that it alone is enough.
 */
let redis: RedisProcess;
let api: Stack;
let worker: WorkerHandle | undefined;
const readers: TrackedReader[] = [];
const logger = createLogger("test", process.env.TEST_LOG_LEVEL ?? "silent");

/** A worker in this process, with no memory of any feed. */
async function freshWorker(): Promise<void> {
  await worker?.close();
  const config = loadWorkerConfig({ ROLE: "worker", KEY_PREFIX: api.keyPrefix, NODE_ENV: "test" });
  worker = await startWorker(config, { redisUrl: redis.url, logger });
}

beforeEach(async () => {
  redis = await startRedis();
  api = await startStack(redis.url, { ROLE: "server" });
  await freshWorker();
});

afterEach(async () => {
  for (const r of readers.splice(0)) r.close();
  await worker?.close();
  worker = undefined;
  await api.close();
  await redis.stop();
});

async function publish(feedId: string, id: string): Promise<void> {
  await waitFor(
    async () => (await api.api.publish(feedId, { id, body: `<p>${id}</p>` })).status === 202,
    `publish ${id}`,
    20_000,
    100,
  );
}

async function publishUpTo(feedId: string, prefix: string, count: number, seq: number): Promise<void> {
  for (let i = 1; i <= count; i++) await publish(feedId, `${prefix}-${i}`);
  await waitFor(async () => (await api.store.currentSeq(feedId)) === seq, `${feedId} at seq ${seq}`, 20_000);
}

async function epochOf(feedId: string): Promise<string> {
  const head = await api.store.head(feedId);
  return head.exists ? head.epoch : "";
}

/** The epoch stamped on the logged event at `seq`. */
async function loggedEpoch(feedId: string, seq: number): Promise<string | undefined> {
  const admin = new Redis(redis.url);
  try {
    const [raw] = await admin.zrangebyscore(api.store.keys.feed(feedId).log, seq, seq);
    return raw === undefined ? undefined : FeedEvent.parse(JSON.parse(raw)).epoch;
  } finally {
    admin.disconnect();
  }
}

async function storeEntries(feedId: string): Promise<Entry[]> {
  return (await api.api.request<{ entries: Entry[] }>("GET", `/v1/feeds/${feedId}/entries?limit=100`)).body.entries;
}

/** No server subscribes to the feed's channel: no relay is watching it. */
async function unwatched(feedId: string): Promise<boolean> {
  const admin = new Redis(redis.url);
  try {
    const reply = (await admin.call("PUBSUB", "NUMSUB", api.store.keys.feed(feedId).channel)) as unknown[];
    return Number(reply[1]) === 0;
  } finally {
    admin.disconnect();
  }
}

async function settled(rs: TrackedReader[], seq: number, epoch: string): Promise<void> {
  await waitFor(() => rs.every((r) => r.seq() === seq && r.epoch() === epoch), `readers at ${epoch}:${seq}`, 20_000);
}

/**
 * A feed with seqs 1–5 backed up, 6–10 written after the backup (the history a restore loses),
 * and an SDK reader that saw all ten, then went offline: it was the feed's last reader, so the
 * relay has let the feed go and only the worker (or the reader itself) can notice the loss.
 */
async function historyThenAway(feedId: string) {
  await api.api.createFeed(feedId);
  await publishUpTo(feedId, "kept", 5, 5);
  const before = await epochOf(feedId);
  const backup = await backupAof(redis);
  const away = sdkReader(api.url, feedId, "sdk (offline)");
  readers.push(away);
  await publishUpTo(feedId, "lost", 5, 10);
  await settled([away], 10, before);
  away.reader.client.disconnect();
  await waitFor(() => unwatched(feedId), "the relay to let the feed go");
  return { before, backup, away };
}

describe("who notices lost history (Redis restarted from an older AOF)", () => {
  it("the worker that applied the lost seqs: the epoch changes before they are written again (no reader connected)", async () => {
    const feedId = "by-worker";
    const { before, backup, away } = await historyThenAway(feedId);

    await restoreAof(redis, backup);
    await publishUpTo(feedId, "after", 7, 12);
    const after = await epochOf(feedId);
    expect(after).not.toBe(before);
    // Changed by the apply that wrote seq 6 again: the first new event already carries it.
    expect(await loggedEpoch(feedId, 6)).toBe(after);

    away.reader.client.connect();
    await settled([away], 12, after);
    expect(staleCount(away, await storeEntries(feedId))).toBe(0);
    expect(away.contexts.at(-1)).toMatchObject({ recovered: false, reason: "epoch_changed" });
  });

  it("the relay that delivered the lost seqs (the worker restarted and knows nothing): readers reset", async () => {
    const feedId = "by-relay";
    await api.api.createFeed(feedId);
    await publishUpTo(feedId, "kept", 5, 5);
    const before = await epochOf(feedId);
    const rs = [sdkReader(api.url, feedId), sseReader(api.url, feedId)];
    readers.push(...rs);
    await settled(rs, 5, before);
    const backup = await backupAof(redis);
    await publishUpTo(feedId, "lost", 5, 10);
    await settled(rs, 10, before);

    await worker?.close();
    worker = undefined;
    await restoreAof(redis, backup);
    await freshWorker();
    await publishUpTo(feedId, "after", 7, 12);
    const after = await epochOf(feedId);
    expect(after).not.toBe(before);
    await settled(rs, 12, after);
    const store = await storeEntries(feedId);
    for (const r of rs) {
      expect(r.resets, r.name).toContain(after);
      expect(staleCount(r, store), r.name).toBe(0);
    }
  });

  it("a reader resuming with a seq the feed never reached (no relay, the worker restarted): it resets", async () => {
    const feedId = "by-reader";
    const { before, backup, away } = await historyThenAway(feedId);

    await worker?.close();
    worker = undefined;
    await restoreAof(redis, backup);
    await freshWorker();
    expect(await epochOf(feedId)).toBe(before); // nobody has noticed yet

    away.reader.client.connect();
    await waitFor(async () => (await epochOf(feedId)) !== before, "the resume to change the epoch");
    const after = await epochOf(feedId);
    await settled([away], 5, after);
    await publishUpTo(feedId, "after", 7, 12);
    await settled([away], 12, after);
    expect(staleCount(away, await storeEntries(feedId))).toBe(0);
    expect(away.contexts.find((c) => c.reason === "epoch_changed")).toMatchObject({ reset: true, epoch: after });
  });
});
