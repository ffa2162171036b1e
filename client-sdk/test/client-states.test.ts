import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Entry, Feed, FeedEvent } from "@liveline/protocol";
import {
  LivelineClient,
  type ClientOptions,
  type FetchLike,
  type StateChange,
  type Subscription,
  type SubscriptionStateChange,
} from "../src/index.js";
import { FakeServer } from "./fake-transport.js";
import { entryFixture, feedFixture } from "../../test/fixtures/feed-data.js";

/** The SDK's state machine and resume logic against a scripted transport: no server, fake timers. */
const feed: Feed = feedFixture("f", "F");
const entry = (n: number): Entry => entryFixture("f", n);
const published = (n: number): FeedEvent => ({
  type: "entry.published",
  feedId: "f",
  seq: n,
  at: entry(n).publishedAt,
  entry: entry(n),
});

let server: FakeServer;
let client: LivelineClient;
const flush = () => vi.advanceTimersByTimeAsync(0);

function makeClient(extra: Partial<ClientOptions> = {}): LivelineClient {
  client = new LivelineClient({
    url: "http://liveline.test",
    autoConnect: false,
    transport: server.factory,
    fetch: null,
    minReconnectDelay: 100,
    maxReconnectDelay: 100,
    gapTimeout: 50,
    ...extra,
  });
  return client;
}

/** Record every state change of the client and of one subscription, in order. */
function record(sub: Subscription): string[] {
  const log: string[] = [];
  client.on("state", (c: StateChange) => log.push(`client ${c.previous}->${c.state} (${c.reason})`));
  sub.on("state", (c: SubscriptionStateChange) =>
    log.push(`sub ${c.previous}->${c.state} (${c.reason}${c.error ? ` ${c.error.code}` : ""})`),
  );
  return log;
}

/** Connect and answer the first subscribe with a snapshot at `seq`. */
async function subscribed(seq: number): Promise<Subscription> {
  const sub = client.subscribe("f");
  client.connect();
  server.current.open();
  server.current.lastSubscribe().answer({ ok: true, feed: { ...feed, seq }, seq, entries: [], reset: true });
  await flush();
  return sub;
}

beforeEach(() => {
  vi.useFakeTimers();
  server = new FakeServer();
});
afterEach(() => {
  client.close();
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe("client and subscription states", () => {
  it("go through connecting, subscribing and subscribed, with a reason on every change", async () => {
    makeClient();
    const sub = client.subscribe("f");
    const log = record(sub);
    expect(client.state).toBe("disconnected");
    expect(sub.state).toBe("subscribing");

    client.connect();
    server.current.open();
    expect(server.current.lastSubscribe().payload).toEqual({ feedId: "f" });
    server.current.lastSubscribe().answer({ ok: true, feed, seq: 0, entries: [], reset: true });
    await flush();
    expect(sub.state).toBe("subscribed");

    server.current.close("network");
    await vi.advanceTimersByTimeAsync(200);
    expect(server.current.connects).toBe(2);
    server.current.open();
    server.current.lastSubscribe().answer({ ok: true, feed, seq: 0, events: [] });
    await flush();

    server.current.close("server");
    await vi.advanceTimersByTimeAsync(200);
    server.current.open();
    server.current.lastSubscribe().answer({ ok: true, feed, seq: 0, events: [] });
    await flush();

    client.disconnect();
    sub.unsubscribe();
    expect(log).toEqual([
      "client disconnected->connecting (connect_called)",
      "client connecting->connected (transport_open)",
      "sub subscribing->subscribed (subscribe_ok)",
      "client connected->connecting (transport_closed)",
      "sub subscribed->subscribing (transport_closed)",
      "client connecting->connected (transport_open)",
      "sub subscribing->subscribed (subscribe_ok)",
      "client connected->connecting (server_disconnect)",
      "sub subscribed->subscribing (transport_closed)",
      "client connecting->connected (transport_open)",
      "sub subscribing->subscribed (subscribe_ok)",
      "client connected->disconnected (disconnect_called)",
      "sub subscribed->subscribing (disconnect_called)",
      "sub subscribing->unsubscribed (unsubscribe_called)",
    ]);
    expect(sub.isActive).toBe(false);
  });

  it("a refused subscribe ends unsubscribed with the server's code, and is asked again on the next connection", async () => {
    makeClient();
    const sub = client.subscribe("f");
    const log = record(sub);
    const errors: string[] = [];
    sub.on("error", (e) => errors.push(e.code));
    client.connect();
    server.current.open();
    server.current.lastSubscribe().answer({ ok: false, error: { code: "feed_not_found", message: "no such feed" } });
    await flush();
    expect(sub.state).toBe("unsubscribed");
    expect(sub.isActive).toBe(true);
    expect(errors).toEqual(["feed_not_found"]);

    server.current.close();
    await vi.advanceTimersByTimeAsync(200);
    server.current.open();
    server.current.lastSubscribe().answer({ ok: true, feed, seq: 0, entries: [], reset: true });
    await flush();
    expect(log.filter((l) => l.startsWith("sub"))).toEqual([
      "sub subscribing->unsubscribed (subscribe_refused feed_not_found)",
      "sub unsubscribed->subscribing (resubscribe)",
      "sub subscribing->subscribed (subscribe_ok)",
    ]);
  });

  it("a client refused at the handshake reports the server's code and keeps connecting", async () => {
    makeClient();
    client.connect();
    const errors: string[] = [];
    client.on("error", (e) => errors.push(e.code));
    server.current.handlers.connectError({ code: "rate_limited", message: "slow down" });
    server.current.handlers.connectError({ message: "xhr poll error" });
    expect(errors).toEqual(["rate_limited", "transport_error"]);
    expect(client.state).toBe("connecting");
    await vi.advanceTimersByTimeAsync(200);
    expect(server.current.connects).toBe(2);
  });
});

describe("resume and gaps", () => {
  it("resumes from the last applied seq after a reconnect and applies each seq once", async () => {
    makeClient();
    const sub = await subscribed(2);
    const applied: number[] = [];
    sub.on("event", (e) => applied.push(e.seq));
    const contexts: { recovered: boolean; reset: boolean }[] = [];
    sub.on("subscribed", (c) => contexts.push({ recovered: c.recovered, reset: c.reset }));

    server.current.handlers.event(published(3));
    server.current.handlers.event(published(4));
    server.current.close();
    await vi.advanceTimersByTimeAsync(200);
    server.current.open();
    expect(server.current.lastSubscribe().payload).toEqual({ feedId: "f", since: 4 });
    // The answer repeats seq 4 (already applied) and brings the missed 5.
    server.current.lastSubscribe().answer({ ok: true, feed, seq: 5, events: [published(4), published(5)] });
    await flush();
    expect(applied).toEqual([3, 4, 5]);
    expect(sub.seq).toBe(5);
    expect(sub.entries.map((e) => e.id)).toEqual(["e5", "e4", "e3"]);
    expect(contexts).toEqual([{ recovered: true, reset: false }]);
  });

  it("fills a gap over the connection: holds later seqs, asks from the last applied one, applies in order", async () => {
    makeClient();
    const sub = await subscribed(1);
    const applied: number[] = [];
    sub.on("event", (e) => applied.push(e.seq));
    const sent = server.current.subscribes.length;

    server.current.handlers.event(published(2));
    server.current.handlers.event(published(4));
    server.current.handlers.event(published(5));
    expect(applied).toEqual([2]);
    await vi.advanceTimersByTimeAsync(49);
    expect(server.current.subscribes.length).toBe(sent);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.current.lastSubscribe().payload).toEqual({ feedId: "f", since: 2 });
    server.current
      .lastSubscribe()
      .answer({ ok: true, feed, seq: 5, events: [published(3), published(4), published(5)] });
    await flush();
    expect(applied).toEqual([2, 3, 4, 5]);
    expect(sub.state).toBe("subscribed");
  });

  it("fills a gap over HTTP catch-up while the connection is down", async () => {
    const urls: string[] = [];
    const fetch: FetchLike = (url) => {
      urls.push(url);
      return Promise.resolve({
        ok: true,
        status: 200,
        json: () => Promise.resolve({ seq: 3, events: [published(2), published(3)] }),
      });
    };
    // The reconnect waits 30 s (half the 60 s ceiling), so the socket stays down meanwhile.
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    makeClient({ fetch, maxReconnectDelay: 60_000, minReconnectDelay: 60_000 });
    const sub = await subscribed(0);
    const applied: number[] = [];
    sub.on("event", (e) => applied.push(e.seq));
    server.current.handlers.event(published(1));
    server.current.handlers.event(published(3));
    server.current.close();
    await vi.advanceTimersByTimeAsync(50);
    expect(urls).toEqual(["http://liveline.test/v1/feeds/f/events?since=1"]);
    expect(applied).toEqual([1, 2, 3]);
    expect(sub.state).toBe("subscribing");
  });
  it("catches up over HTTP at a steady pace while the socket keeps failing, and stops once it connects", async () => {
    const asked: number[] = [];
    let head = 1;
    const fetch: FetchLike = () => {
      asked.push(Date.now());
      const since = head;
      head += 2; // two events published between two catch-ups
      return Promise.resolve({
        ok: true,
        status: 200,
        json: () => Promise.resolve({ seq: head, events: [published(since + 1), published(since + 2)] }),
      });
    };
    // The reconnect backoff grows to 60 s; the catch-ups keep to every second all the same.
    vi.spyOn(Math, "random").mockReturnValue(1);
    makeClient({ fetch, minReconnectDelay: 1000, maxReconnectDelay: 60_000, httpCatchUpInterval: 1000 });
    const sub = await subscribed(0);
    const applied: number[] = [];
    sub.on("event", (e) => applied.push(e.seq));
    server.current.handlers.event(published(1));
    server.current.close();
    const start = Date.now();
    // Every attempt fails until the clock passes 20 s (attempts at about 1, 3, 7 and 15 s).
    let failed = server.transports.reduce((n, t) => n + t.connects, 0);
    for (let t = 0; t < 20_000; t += 100) {
      await vi.advanceTimersByTimeAsync(100);
      const attempts = server.transports.reduce((n, t) => n + t.connects, 0);
      if (attempts > failed) {
        failed = attempts;
        server.current.handlers.connectError({ message: "websocket error" });
      }
    }
    expect(failed).toBeGreaterThanOrEqual(4);
    const gaps = asked.slice(1).map((at, i) => at - (asked[i] ?? 0));
    expect(asked.length).toBeGreaterThanOrEqual(10);
    expect(gaps.every((g) => g === 1000)).toBe(true);
    expect(asked[0]).toBeLessThan(start + 8000);
    expect(applied).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    // Connected again: no more catch-ups over HTTP.
    const count = asked.length;
    await vi.advanceTimersByTimeAsync(60_000);
    server.current.open();
    server.current.lastSubscribe().answer({ ok: true, feed: { ...feed, seq: head }, seq: head, events: [] });
    await flush();
    const settled = asked.length;
    await vi.advanceTimersByTimeAsync(5000);
    expect(asked.length).toBe(settled);
    expect(settled).toBeGreaterThan(count);
  });
});

describe("feed log epoch (lost history)", () => {
  const inEpoch = (n: number, epoch: string): FeedEvent => ({ ...published(n), epoch });

  it("resumes with its epoch; a feed:reset of another epoch brings a reset reported as epoch_changed", async () => {
    makeClient();
    const sub = client.subscribe("f");
    client.connect();
    server.current.open();
    server.current
      .lastSubscribe()
      .answer({ ok: true, feed, seq: 2, epoch: "old", entries: [entry(1), entry(2)], reset: true });
    await flush();
    expect(sub.epoch).toBe("old");
    const contexts: unknown[] = [];
    sub.on("subscribed", (c) => contexts.push(c));

    // The same epoch: nothing to do.
    const sent = server.current.subscribes.length;
    server.current.handlers.reset({ feedId: "f", epoch: "old", seq: 2 });
    expect(server.current.subscribes.length).toBe(sent);
    server.current.handlers.reset({ feedId: "f", epoch: "new", seq: 1 });
    expect(server.current.subscribes.length).toBe(sent + 1);
    expect(server.current.lastSubscribe().payload).toEqual({ feedId: "f", since: 2, epoch: "old" });
    // An event of the new history arrives before the ack: kept, applied after the reset.
    server.current.handlers.event(inEpoch(2, "new"));
    expect(server.current.subscribes.length).toBe(sent + 1); // asked once
    server.current.lastSubscribe().answer({ ok: true, feed, seq: 1, epoch: "new", entries: [entry(9)], reset: true });
    await flush();
    expect(contexts).toEqual([
      { seq: 2, epoch: "new", reset: true, wasRecovering: true, recovered: false, reason: "epoch_changed" },
    ]);
    expect(sub.entries.map((e) => e.id)).toEqual(["e9", "e2"]);
    expect(sub.seq).toBe(2);
  });

  it("a feed:error (token expired) resumes with a fresh token and the held epoch; a new epoch then resets", async () => {
    let issued = 0;
    makeClient({ getToken: () => Promise.resolve(`token-${++issued}`) });
    const sub = client.subscribe("f");
    client.connect();
    server.current.open();
    await flush();
    server.current.lastSubscribe().answer({ ok: true, feed, seq: 3, epoch: "old", entries: [entry(3)], reset: true });
    await flush();
    const contexts: unknown[] = [];
    sub.on("subscribed", (c) => contexts.push(c));
    const issuedBefore = issued;

    server.current.handlers.feedError({ feedId: "f", error: { code: "token_expired", message: "expired" } });
    await flush();
    expect(issued).toBe(issuedBefore + 1);
    expect(server.current.lastSubscribe().payload).toEqual({
      feedId: "f",
      since: 3,
      epoch: "old",
      token: `token-${issued}`,
    });
    // History was lost while the token ran out: the resume is answered with the new epoch's snapshot.
    server.current.lastSubscribe().answer({ ok: true, feed, seq: 1, epoch: "new", entries: [entry(7)], reset: true });
    await flush();
    expect(sub.state).toBe("subscribed");
    expect(contexts).toEqual([
      { seq: 1, epoch: "new", reset: true, wasRecovering: true, recovered: false, reason: "epoch_changed" },
    ]);
    expect(sub.entries.map((e) => e.id)).toEqual(["e7"]);
  });

  it("an event of another epoch makes it resume; a stale one of the old epoch is never applied", async () => {
    makeClient();
    const sub = client.subscribe("f");
    client.connect();
    server.current.open();
    server.current.lastSubscribe().answer({ ok: true, feed, seq: 3, epoch: "old", entries: [entry(3)], reset: true });
    await flush();
    const applied: number[] = [];
    sub.on("event", (e) => applied.push(e.seq));
    server.current.handlers.event(inEpoch(4, "new"));
    expect(applied).toEqual([]);
    expect(server.current.lastSubscribe().payload).toEqual({ feedId: "f", since: 3, epoch: "old" });
    server.current.lastSubscribe().answer({ ok: true, feed, seq: 4, epoch: "new", entries: [entry(4)], reset: true });
    await flush();
    server.current.handlers.event(inEpoch(5, "old"));
    server.current.handlers.event(inEpoch(5, "new"));
    expect(applied).toEqual([5]);
    expect(sub.entries.map((e) => e.id)).toEqual(["e5", "e4"]);
  });
});
