import { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Entry, FeedEvent } from "@liveline/protocol";
import { openReader, readerReady, seqs } from "./helpers/reader.js";
import { startRedisCluster, type RedisCluster } from "./helpers/redis-cluster.js";
import { openSse } from "./helpers/sse.js";
import { startStack, type Stack } from "./helpers/stack.js";
import { waitFor } from "./helpers/wait.js";

let cluster: RedisCluster;
let stack: Stack;

beforeAll(async () => {
  cluster = await startRedisCluster(3);
  stack = await startStack(cluster.url);
  process.stdout.write(`${cluster.log.join("\n")}\n`);
});
afterAll(async () => {
  await stack?.close();
  await cluster?.stop();
});

describe("on a 3-master Redis Cluster", () => {
  it("publishes, edits and retracts to SDK and SSE readers in order, and catches up, across shards", async () => {
    // Feeds hash to different slots; with a handful of them at least two masters are involved.
    const feeds = ["night-1", "night-2", "night-3", "night-4", "night-5"];
    const admin = new Cluster(cluster.ports.map((port) => ({ host: "127.0.0.1", port })));
    try {
      const owners = new Set<string>();
      for (const f of feeds) {
        expect((await stack.api.createFeed(f)).status).toBe(201);
        const slot = Number(await admin.call("CLUSTER", "KEYSLOT", stack.store.keys.feed(f).meta));
        const node = admin.slots[slot]?.[0];
        if (node) owners.add(node);
      }
      expect(owners.size).toBeGreaterThan(1);
      const listed = await stack.api.request<{ feeds: { id: string }[] }>("GET", "/v1/feeds");
      expect(listed.body.feeds.map((f) => f.id).sort()).toEqual(feeds);
    } finally {
      admin.disconnect();
    }

    const readers = feeds.map((f) => openReader(stack.url, f));
    await Promise.all(readers.map((r) => readerReady(r)));
    const sse = await openSse(`${stack.url}/v1/feeds/night-2/stream`);
    await waitFor(() => sse.messages.length === 1, "the SSE snapshot");
    for (const f of feeds) {
      const a = await stack.api.publish(f, { id: "a", headline: "Polls close", body: "<p>Polls have closed.</p>" });
      expect(a.status).toBe(202);
      await stack.api.publish(f, { id: "b", body: "First results at 22:00" });
      expect((await stack.api.edit(f, "a", { body: "<p>Polls have closed in most states.</p>" })).status).toBe(202);
      expect((await stack.api.retract(f, "b")).status).toBe(202);
    }
    for (const r of readers) {
      await waitFor(() => r.events.length >= 4, `four events on ${r.sub.feedId}`);
      expect(r.events.map((e) => e.type)).toEqual([
        "entry.published",
        "entry.published",
        "entry.updated",
        "entry.deleted",
      ]);
      expect(seqs(r.events)).toEqual([1, 2, 3, 4]);
      expect(r.sub.entries.map((e) => [e.id, e.revision])).toEqual([["a", 2]]);
    }

    await waitFor(() => sse.messages.length === 5, "four events on the SSE stream");
    // SSE ids are `<epoch>:<seq>` (the feed-log epoch): one epoch throughout, seqs in order.
    const head = await stack.store.head("night-2");
    const epoch = head.exists ? head.epoch : "no feed";
    expect(sse.messages.map((m) => `${m.id ?? ""} ${m.event ?? ""}`)).toEqual([
      `${epoch}:0 reset`,
      `${epoch}:1 entry.published`,
      `${epoch}:2 entry.published`,
      `${epoch}:3 entry.updated`,
      `${epoch}:4 entry.deleted`,
    ]);
    sse.close();

    // Catch-up over HTTP, and a reader that resumes after missing events.
    const first = readers[0];
    if (!first) throw new Error("no reader");
    first.client.disconnect();
    await stack.api.publish("night-1", { id: "c", body: "late" });
    await waitFor(async () => (await stack.store.currentSeq("night-1")) === 5, "fifth event applied");
    const caught = await stack.api.request<{ events: FeedEvent[]; seq: number }>(
      "GET",
      "/v1/feeds/night-1/events?since=2",
    );
    expect(seqs(caught.body.events)).toEqual([3, 4, 5]);
    first.client.connect();
    await waitFor(() => first.events.length === 5, "the resumed reader to get seq 5");
    expect(first.sub.entries.map((e: Entry) => e.id)).toEqual(["c", "a"]);
    for (const r of readers) r.close();
  });

  it("limits a token's writes, counted before the accept (the counter and the feed are in different slots)", async () => {
    const limited = await startStack(cluster.url, { RATE_LIMIT_PUBLISHES: "3" });
    try {
      expect((await limited.api.createFeed("limited")).status).toBe(201);
      const statuses: number[] = [];
      for (const id of ["a", "b", "c"]) statuses.push((await limited.api.publish("limited", { id, body: id })).status);
      expect(statuses).toEqual([202, 202, 429]);
      const retracted = await limited.api.retract("limited", "a");
      expect([retracted.status, Number(retracted.headers.get("retry-after")) > 0]).toEqual([429, true]);
      expect(await limited.store.acceptedTicket("limited")).toMatchObject({ ticket: 2 });
    } finally {
      await limited.close();
    }
  });

  it("sends events over sharded pub/sub (SPUBLISH on the feed's shard)", async () => {
    await stack.api.createFeed("sharded");
    const sub = new Cluster(
      cluster.ports.map((port) => ({ host: "127.0.0.1", port })),
      { shardedSubscribers: true },
    );
    const got: string[] = [];
    sub.on("smessage", (_channel: string, message: string) => got.push(message));
    try {
      await sub.ssubscribe(stack.store.keys.feed("sharded").channel);
      await stack.api.publish("sharded", { id: "x", body: "hello" });
      await waitFor(() => got.length === 1, "a sharded message");
      expect(JSON.parse(got[0] ?? "{}")).toMatchObject({ type: "entry.published", seq: 1, feedId: "sharded" });
    } finally {
      sub.disconnect();
    }
  });
});
