import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { FeedStore, PublishQueue, createLogger, type Change } from "@liveline/core";
import { PublishWorker } from "@liveline/worker";
import { useRedis } from "./helpers/shared-redis.js";
import { sleep, waitFor } from "./helpers/wait.js";

// The nudge (docs/design-notes.md): an accept that asks for a drain job where its slot's jobs come
// seldom also publishes the feed's id, and a worker applies that feed at once, without waiting for
// BullMQ to hand the job out. Here the job is never added, so only the nudge can apply the change.

const redis = useRedis();
const closing: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

const publish = (id: string): Change => ({
  v: 3,
  op: "publish",
  at: new Date().toISOString(),
  entry: { id, body: `<p>${id}</p>`, pinned: false, keyEvent: false, breaking: false },
});

/** A store, and a worker on it (its own connections, the nudges' among them when `nudged`). */
async function setUp(nudged: boolean) {
  const prefix = `nudge-${randomUUID().slice(0, 8)}:`;
  const open = () => {
    const client = new Redis(redis.url, { maxRetriesPerRequest: null });
    closing.push(() => Promise.resolve(client.disconnect()));
    return client;
  };
  const client = open();
  const store = new FeedStore(client, { keyPrefix: prefix });
  const queue = new PublishQueue({ connection: open(), prefix: store.keys.queuePrefix() });
  closing.push(() => queue.close());
  const worker = new PublishWorker({
    connection: open(),
    prefix: store.keys.queuePrefix(),
    store,
    queue,
    logger: createLogger("worker", "silent"),
    sweepIntervalMs: 0,
    ...(nudged ? { nudges: open() } : {}),
  });
  closing.push(() => worker.close());
  await worker.worker.waitUntilReady();
  expect(await store.createFeed({ id: "f", title: "f" }, new Date())).toBe(true);
  // The worker subscribes to the nudges as it is made; Redis counts it once the SUBSCRIBE is in.
  if (nudged) {
    const subscribers = async () => Number((await client.pubsub("NUMSUB", store.keys.nudge()))[1]);
    await waitFor(async () => (await subscribers()) === 1, "the worker subscribed to the nudges");
  }
  return { store, worker };
}

describe("the nudge", () => {
  it("has a worker apply the feed of an accept that asked for a job, before any job runs", async () => {
    const { store } = await setUp(true);
    // What every server's relay hears: the feed's channel.
    const relayed: unknown[] = [];
    const relay = new Redis(redis.url);
    closing.push(() => Promise.resolve(relay.disconnect()));
    relay.on("message", (_channel: string, message: string) => relayed.push(JSON.parse(message)));
    await relay.subscribe(store.keys.feed("f").channel);
    const accepted = await store.accept("f", publish("e1"), { entryId: "e1", contentHash: "h1" });
    if (accepted.status !== "ok") throw new Error(accepted.status);
    expect(accepted.drain).toBeDefined(); // asked for a job, which this test never adds
    await waitFor(() => relayed.length === 1, "the event published", 5000);
    expect(relayed[0]).toMatchObject({ seq: 1, type: "entry.published", entry: { id: "e1", body: "<p>e1</p>" } });
    expect((await store.getFeed("f"))?.seq).toBe(1);
    expect((await store.getEntry("f", "e1"))?.body).toBe("<p>e1</p>");
    expect(await store.acceptedTicket("f")).toEqual({ ticket: accepted.ticket, applied: accepted.ticket });
  });

  it("leaves the change to its job when the worker is paused, or hears no nudges", async () => {
    for (const nudged of [false, true]) {
      const { store, worker } = await setUp(nudged);
      if (nudged) await worker.worker.pause();
      const accepted = await store.accept("f", publish("e1"), { entryId: "e1", contentHash: "h1" });
      expect(accepted.status === "ok" && accepted.drain !== undefined).toBe(true);
      await sleep(300);
      expect((await store.getFeed("f"))?.seq).toBe(0);
      for (const close of closing.splice(0).reverse()) await close();
    }
  });
});
