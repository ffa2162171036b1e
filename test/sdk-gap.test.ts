import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Server } from "socket.io";
import type { Entry, Feed, FeedEvent, SubscribeAck } from "@liveline/protocol";
import { LivelineClient, fullJitterDelay } from "@liveline/client-sdk";
import { waitFor } from "./helpers/wait.js";
import { entryFixture, feedFixture } from "./fixtures/feed-data.js";

/**
 * The SDK applies each seq once and in order, against a real Socket.IO server this test scripts: events
 * arrive out of order, twice, or with a hole that only a fetch can fill.
 */
const feed: Feed = feedFixture("gap", "Gap");
const entry = (n: number): Entry => entryFixture("gap", n);
const published = (n: number): FeedEvent => ({
  type: "entry.published",
  feedId: "gap",
  seq: n,
  at: entry(n).publishedAt,
  entry: entry(n),
});

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function scriptedServer(onSubscribe: (payload: { since?: number }, n: number) => SubscribeAck) {
  const http = createServer();
  const io = new Server(http);
  let calls = 0;
  const requests: { since?: number }[] = [];
  io.on("connection", (socket) => {
    socket.on("subscribe", (payload: { since?: number }, ack: (a: SubscribeAck) => void) => {
      requests.push(payload);
      void socket.join("gap");
      ack(onSubscribe(payload, calls++));
    });
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  cleanups.push(() => void io.close());
  return { io, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, requests };
}

describe("SDK ordering", () => {
  it("applies out-of-order and repeated events once each, in seq order", async () => {
    const srv = await scriptedServer(() => ({ ok: true, feed, seq: 0, entries: [], reset: true }));
    const client = new LivelineClient({ url: srv.url, transports: ["websocket"], gapTimeout: 5000 });
    cleanups.push(() => client.close());
    const sub = client.subscribe("gap");
    const got: number[] = [];
    sub.on("event", (e) => got.push(e.seq));
    await waitFor(() => sub.seq === 0, "subscribed");
    for (const n of [2, 1, 1, 3, 2]) srv.io.to("gap").emit("feed:event", published(n));
    await waitFor(() => got.length === 3, "three events");
    expect(got).toEqual([1, 2, 3]);
    expect(sub.entries.map((e) => e.id)).toEqual(["e3", "e2", "e1"]);
  });

  it("fetches the missing range when a hole stays open past gapTimeout", async () => {
    const srv = await scriptedServer((payload) =>
      payload.since === undefined
        ? { ok: true, feed, seq: 1, entries: [entry(1)], reset: true }
        : { ok: true, feed: { ...feed, seq: 4 }, seq: 4, events: [published(2), published(3), published(4)] },
    );
    const client = new LivelineClient({ url: srv.url, transports: ["websocket"], gapTimeout: 100 });
    cleanups.push(() => client.close());
    const sub = client.subscribe("gap");
    const got: number[] = [];
    sub.on("event", (e) => got.push(e.seq));
    await waitFor(() => sub.seq === 1, "subscribed at seq 1");
    srv.io.to("gap").emit("feed:event", published(4)); // 2 and 3 never come live
    await waitFor(() => got.length === 3, "the gap filled");
    expect(got).toEqual([2, 3, 4]);
    expect(srv.requests.at(-1)).toEqual({ feedId: "gap", since: 1 });
  });

  it("spreads reconnect delays with full jitter, bounded by the max", () => {
    const delays = Array.from({ length: 200 }, (_, i) => fullJitterDelay(10, 500, 20_000, () => (i + 0.5) / 200));
    expect(Math.min(...delays)).toBeLessThan(200);
    expect(Math.max(...delays)).toBeGreaterThan(19_000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(20_000);
    expect(fullJitterDelay(0, 500, 20_000, () => 0.999)).toBeLessThan(500);
  });
});
