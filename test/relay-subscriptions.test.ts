import { afterEach, describe, expect, it } from "vitest";
import { request } from "node:http";
import { Redis } from "ioredis";
import { io as connect, type Socket } from "socket.io-client";
import type { SubscribeAck, UnsubscribeAck } from "@liveline/protocol";
import { roomOf } from "@liveline/server";
import { useStack } from "./helpers/use-stack.js";
import { sleep, waitFor } from "./helpers/wait.js";

/**
 * A node holds one Redis subscription per feed its readers follow, whatever their number, and
 * lets it go when the last of them leaves: by `unsubscribe`, by disconnecting, or by being
 * dropped. On a big night readers come and go by the thousand (phones lose signal, tabs close);
 * a subscription kept for a reader that left would pile up on the node's subscriber connection
 * and in Redis for as long as the node runs.
 */
const fixture = useStack();
const open: Socket[] = [];
const redisClients: Redis[] = [];

afterEach(() => {
  for (const s of open.splice(0)) s.close();
  for (const r of redisClients.splice(0)) r.disconnect();
});

async function reader(): Promise<Socket> {
  const s = connect(fixture.stack.url, { transports: ["websocket"], reconnection: false });
  open.push(s);
  await new Promise<void>((resolve, reject) => {
    s.once("connect", () => resolve());
    s.once("connect_error", reject);
  });
  return s;
}

async function subscribe(s: Socket, feedId: string): Promise<SubscribeAck> {
  return (await s.timeout(5000).emitWithAck("subscribe", { feedId })) as SubscribeAck;
}

/** How many connections Redis has subscribed to the feed's channel. */
function subscribers(feedId: string): () => Promise<number> {
  const redis = new Redis(fixture.redis.url);
  redisClients.push(redis);
  const channel = fixture.stack.store.keys.feed(feedId).channel;
  return async () => {
    const reply = (await redis.pubsub("NUMSUB", channel)) as [string, number];
    return Number(reply[1]);
  };
}

/** Redis holds every command for `ms`, so that a reader can leave while the server waits on it. */
async function holdRedis(ms: number): Promise<void> {
  const admin = new Redis(fixture.redis.url);
  redisClients.push(admin);
  await admin.client("PAUSE", ms, "ALL");
}

/** Socket.IO connections the node has open. */
const connected = (): number => fixture.stack.io?.of("/").sockets.size ?? -1;

describe("the relay's Redis subscriptions follow the readers", () => {
  it("subscribes once per feed for all its readers, and lets go when the last one unsubscribes or disconnects", async () => {
    const { stack } = fixture;
    await stack.api.createFeed("comings-and-goings", "Readers come and go");
    const numsub = subscribers("comings-and-goings");
    expect(await numsub()).toBe(0);

    const a = await reader();
    const b = await reader();
    expect(await subscribe(a, "comings-and-goings")).toMatchObject({ ok: true });
    // A second subscribe on the same connection is answered again but holds nothing more, also
    // when both are under way at once.
    expect(await subscribe(a, "comings-and-goings")).toMatchObject({ ok: true });
    const twice = await Promise.all([subscribe(b, "comings-and-goings"), subscribe(b, "comings-and-goings")]);
    expect(twice).toMatchObject([{ ok: true }, { ok: true }]);
    expect(await numsub()).toBe(1);

    // One reader disconnects: the other still needs the subscription.
    a.close();
    await waitFor(() => connected() === 1, "the server to see the disconnect");
    expect(await numsub()).toBe(1);

    // The last one unsubscribes: the node lets go of the channel.
    const left = (await b.timeout(5000).emitWithAck("unsubscribe", { feedId: "comings-and-goings" })) as UnsubscribeAck;
    expect(left).toEqual({ ok: true });
    await waitFor(async () => (await numsub()) === 0, "the channel to be unsubscribed after the last unsubscribe");

    // Back again, then gone by disconnecting.
    expect(await subscribe(b, "comings-and-goings")).toMatchObject({ ok: true });
    expect(await numsub()).toBe(1);
    b.close();
    await waitFor(async () => (await numsub()) === 0, "the channel to be unsubscribed after the last disconnect");
    expect(connected()).toBe(0);
  });

  it("keeps following a feed while readers of it churn, and holds nothing once all have gone", async () => {
    const { stack } = fixture;
    await stack.api.createFeed("churn", "Readers churn");
    const numsub = subscribers("churn");
    const steady = await reader();
    expect(await subscribe(steady, "churn")).toMatchObject({ ok: true });
    for (let round = 0; round < 20; round++) {
      const passer = await reader();
      expect(await subscribe(passer, "churn")).toMatchObject({ ok: true });
      passer.close();
    }
    await waitFor(() => connected() === 1, "the passing readers' disconnects to be handled");
    expect(await numsub()).toBe(1);

    // The steady reader still gets what is published: the subscription it shares is intact.
    const got = new Promise<unknown>((resolve) => steady.once("feed:event", resolve));
    await stack.api.publish("churn", { id: "still-here", body: "Still live" });
    await expect(got).resolves.toMatchObject({ feedId: "churn", type: "entry.published", entry: { id: "still-here" } });

    steady.close();
    await waitFor(async () => (await numsub()) === 0, "the channel to be let go once every reader has gone");
  });

  it("holds nothing for a reader that leaves while its subscribe is still being answered", async () => {
    const { stack } = fixture;
    await stack.api.createFeed("in-a-tunnel", "Readers that drop at once");
    const numsub = subscribers("in-a-tunnel");
    // The subscribe reaches the server, then the connection closes before the answer is ready:
    // a phone entering a tunnel. Redis holds every command for a moment so that the close is
    // sure to arrive while the server still waits for the feed.
    const readers = await Promise.all(Array.from({ length: 10 }, () => reader()));
    await holdRedis(300);
    for (const s of readers) s.emit("subscribe", { feedId: "in-a-tunnel" }, () => undefined);
    await sleep(50);
    for (const s of readers) s.close();
    await waitFor(() => connected() === 0, "the server to see every disconnect");
    // Let every subscribe that was under way finish.
    const settled = await reader();
    expect(await subscribe(settled, "in-a-tunnel")).toMatchObject({ ok: true });
    settled.close();
    await waitFor(async () => (await numsub()) === 0, "the channel to be let go once every reader has gone");
    await waitFor(() => connected() === 0, "the last disconnect");
    expect(stack.io?.of("/").adapter.rooms.get(roomOf("in-a-tunnel"))).toBeUndefined();
    await expect.poll(async () => (await stack.api.request("GET", "/readyz")).body).toMatchObject({ relay: "ok" });
  });

  it("holds nothing for an SSE reader that leaves before its stream is set up", async () => {
    const { stack } = fixture;
    await stack.api.createFeed("sse-tunnel", "SSE readers that drop at once");
    const numsub = subscribers("sse-tunnel");
    // The request arrives, the server waits for the feed (Redis held for a moment), and the
    // reader is gone before the answer: nothing of its stream may stay behind.
    await holdRedis(300);
    const gone = Array.from({ length: 5 }, () => {
      const req = request(`${stack.url}/v1/feeds/sse-tunnel/stream`, { headers: { accept: "text/event-stream" } });
      req.on("error", () => undefined);
      req.end();
      return req;
    });
    await sleep(50);
    for (const req of gone) req.destroy();
    // Past the hold, so the requests have been answered (no stream is counted before that).
    await sleep(400);
    const streams = async (): Promise<number | undefined> =>
      (await stack.registry.getSingleMetric("liveline_sse_streams")?.get())?.values[0]?.value;
    await waitFor(async () => (await streams()) === 0, "no SSE stream left open on the server");
    await waitFor(async () => (await numsub()) === 0, "the channel to be let go");
    // And the node is ready: its relay counts no channel Redis does not have it on.
    await expect.poll(async () => (await stack.api.request("GET", "/readyz")).body).toMatchObject({ relay: "ok" });
  });
});
