import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FeedStore, type Change } from "@liveline/core";
import { FeedEvent } from "@liveline/protocol";
import { useRedis } from "./helpers/shared-redis.js";

/**
 * The epoch's scripts, one condition at a time, against a real Redis: set once for a feed from
 * before epochs, changed only on proof of loss, and only once per loss.
 */
const redis = useRedis();
let client: Redis;
let store: FeedStore;

beforeAll(() => {
  client = new Redis(redis.url);
  store = new FeedStore(client, { keyPrefix: `test-${randomUUID().slice(0, 8)}:` });
});

afterAll(() => {
  client.disconnect();
});

/** A feed with `count` published entries, applied; returns its epoch. */
async function feedWith(feedId: string, count: number): Promise<string> {
  await store.createFeed({ id: feedId, title: feedId }, new Date());
  let ticket = 0;
  for (let i = 1; i <= count; i++) {
    const change: Change = {
      v: 2,
      op: "publish",
      at: new Date(Date.now() + i).toISOString(),
      by: "test",
      entry: { id: `e${i}`, body: `entry ${i}`, pinned: false, keyEvent: false, breaking: false },
    };
    const r = await store.accept(feedId, change, { entryId: `e${i}`, contentHash: `h${i}` });
    if (r.status === "ok") ticket = r.ticket;
  }
  const applied = await store.apply(feedId, ticket);
  expect(applied.seq).toBe(count);
  return applied.epoch;
}

async function epochOf(feedId: string): Promise<string | null> {
  return client.hget(store.keys.feed(feedId).meta, "epoch");
}

describe("feed log epoch (store scripts)", () => {
  it("is set at creation, stamped on every event, and given once to a feed from before epochs", async () => {
    const epoch = await feedWith("legacy", 3);
    expect(epoch).toMatch(/^[A-Za-z0-9_-]{8}$/);
    const r = await store.eventsSince("legacy", 0, 10);
    expect(r.kind === "events" && r.events.map((e) => e.epoch)).toEqual([epoch, epoch, epoch]);

    await client.hdel(store.keys.feed("legacy").meta, "epoch");
    // Every reading script may be first; all of them, at once, agree on one epoch.
    const answers = await Promise.all([
      store.snapshot("legacy", 10),
      store.eventsSince("legacy", 1, 10),
      store.head("legacy"),
      store.snapshot("legacy", 10),
    ]);
    const epochs = new Set(answers.map((a) => ("epoch" in a ? a.epoch : "")));
    expect(epochs.size).toBe(1);
    expect([...epochs][0]).toBe(await epochOf("legacy"));
    expect([...epochs][0]).not.toBe(epoch);
  });

  it("head: a held seq above the feed's, or another event at the held seq, changes the epoch once", async () => {
    const epoch = await feedWith("held", 4);
    const head = await store.head("held");
    if (!head.exists) throw new Error("no feed");
    expect(head).toMatchObject({ seq: 4, epoch, rotated: false });

    // The same event at the held seq, or a held seq the feed passed: no loss.
    expect(await store.head("held", { epoch, seq: 4, at: head.at })).toMatchObject({ epoch, rotated: false });
    expect(await store.head("held", { epoch, seq: 2 })).toMatchObject({ epoch, rotated: false });
    // Another event at the held seq: rewritten history.
    const rewritten = await store.head("held", { epoch, seq: 4, at: "2000-01-01T00:00:00.000Z" });
    expect(rewritten).toMatchObject({ seq: 4, rotated: true });
    const second = rewritten.exists ? rewritten.epoch : "";
    expect(second).not.toBe(epoch);
    // A second witness of the same loss finds it changed already.
    expect(await store.head("held", { epoch, seq: 9 })).toMatchObject({ epoch: second, rotated: false });
    // A held seq above the feed's, in the current epoch: lost.
    const behind = await store.head("held", { epoch: second, seq: 9 });
    expect(behind).toMatchObject({ seq: 4, rotated: true });
    expect(behind.exists && behind.epoch).not.toBe(second);
    expect(await store.head("no-such-feed", { epoch, seq: 1 })).toEqual({ exists: false });
  });

  it("catch-up: another epoch is a reset; a seq the feed never reached changes the epoch only for a reader naming it", async () => {
    const epoch = await feedWith("resume", 3);
    expect(await store.eventsSince("resume", 1, 10, "otherEp1")).toEqual({ kind: "reset", seq: 3, epoch });
    expect(await store.eventsSince("resume", 7, 10)).toEqual({ kind: "reset", seq: 3, epoch });
    expect(await epochOf("resume")).toBe(epoch);
    const r = await store.eventsSince("resume", 7, 10, epoch);
    expect(r.kind).toBe("reset");
    expect(r.epoch).not.toBe(epoch);
    expect(await epochOf("resume")).toBe(r.epoch);
  });

  it("apply: a worker that saw a later seq of the epoch changes it before applying", async () => {
    const epoch = await feedWith("applied", 2);
    const change: Change = {
      v: 2,
      op: "publish",
      at: new Date().toISOString(),
      by: "test",
      entry: { id: "next", body: "next", pinned: false, keyEvent: false, breaking: false },
    };
    const accepted = await store.accept("applied", change, { entryId: "next", contentHash: "hn" });
    if (accepted.status !== "ok") throw new Error(accepted.status);
    const r = await store.apply("applied", accepted.ticket, { held: { epoch, seq: 5 } });
    expect(r.seq).toBe(3);
    expect(r.epoch).not.toBe(epoch);
    const [raw] = await client.zrangebyscore(store.keys.feed("applied").log, 3, 3);
    expect(FeedEvent.parse(JSON.parse(raw ?? "{}")).epoch).toBe(r.epoch);
    // Held at or behind the feed: nothing to prove.
    expect((await store.apply("applied", accepted.ticket, { held: { epoch: r.epoch, seq: 3 } })).epoch).toBe(r.epoch);
  });
});
