import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createServer, request, type ClientRequest, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { io as connect, type Socket as ClientSocket } from "socket.io-client";
import type { EventsResponse, FeedEvent, SubscribeAck } from "@liveline/protocol";
import { createLogger } from "@liveline/core";
import {
  BacklogWatch,
  FeedRelay,
  FeedService,
  SocketReader,
  SseHub,
  SseStream,
  attachReader,
  detachReader,
  roomOf,
  type Disposer,
  type ReaderContext,
  type ReaderSink,
} from "@liveline/server";
import { useStack } from "./helpers/use-stack.js";
import { sleep, waitFor } from "./helpers/wait.js";

/**
 * attachReader with each transport's own reader (the gateway's SocketReader, the SSE stream),
 * against a relay of its own on a real Redis: a reader that leaves at any point of its attach
 * (after it was authorized, right after it joined, while the relay subscribes with Redis held)
 * leaves nothing behind: no relay reference (the channel is let go), no room membership, no hub
 * entry, no heartbeat timer. It leaves either the transport's way (the connection goes) or by
 * the disposer being called; calling the disposer again afterwards releases nothing more.
 */
const logger = createLogger("test", "silent");
const HEARTBEAT_MS = 13_579; // told apart from every other interval in the process
const slowReaders = { maxBacklogBytes: 1 << 20, graceMs: 1000 };
const { stack, redis } = useStack();
let relay: FeedRelay;
let subscriber: Redis;
let readers: ReaderContext;
let hub: SseHub;
let sseServer: Server;
let onStream: (res: ServerResponse) => void = () => undefined;
const cleanup: (() => void)[] = [];

beforeAll(async () => {
  hub = new SseHub();
  subscriber = new Redis(redis.url, { maxRetriesPerRequest: null });
  relay = new FeedRelay({
    subscriber,
    store: stack.store,
    logger,
    emit: (feedId, event) => hub.deliver(feedId, event),
    reset: (notice) => hub.reset(notice.feedId),
  });
  readers = { service: new FeedService(stack.store, stack.queue), relay };
  sseServer = createServer((_req, res) => onStream(res));
  await new Promise<void>((resolve) => sseServer.listen(0, "127.0.0.1", resolve));
});

afterAll(() => {
  relay.close();
  subscriber.disconnect();
  sseServer.closeAllConnections();
  sseServer.close();
});

afterEach(() => {
  for (const c of cleanup.splice(0)) c();
  vi.restoreAllMocks();
});

/** How many connections Redis has subscribed to the feed's channel. */
/** A real Socket.IO client connected to the stack, and the server's socket for it. */
async function connectedSocket() {
  const client: ClientSocket = connect(stack.url, { transports: ["websocket"], reconnection: false });
  cleanup.push(() => client.close());
  await new Promise<void>((resolve, reject) => {
    client.once("connect", resolve);
    client.once("connect_error", reject);
  });
  const socket = stack.io.of("/").sockets.get(client.id ?? "");
  if (socket === undefined) throw new Error("the server has no socket for the client");
  return { client, socket };
}

async function subscribers(feedId: string): Promise<number> {
  const admin = new Redis(redis.url);
  try {
    const reply = (await admin.pubsub("NUMSUB", stack.store.keys.feed(feedId).channel)) as [string, number];
    return Number(reply[1]);
  } finally {
    admin.disconnect();
  }
}

/** Redis holds every command for `ms`, so that the reader can leave while the attach waits. */
async function holdRedis(ms: number): Promise<void> {
  const admin = new Redis(redis.url);
  await admin.client("PAUSE", ms, "ALL");
  admin.disconnect();
}

type Step = "authorize" | "join" | "watch";

/**
 * The transport's reader, made to leave at `step`: once it is authorized, once it has joined,
 * or while the relay subscribes (Redis held for 300 ms, the reader gone after 50).
 */
function leavingAt(sink: ReaderSink, step: Step, leave: () => void): ReaderSink {
  return {
    holder: sink.holder,
    gone: () => sink.gone(),
    authorize: async (feed) => {
      await sink.authorize(feed);
      if (step === "authorize") leave();
    },
    join: async () => {
      const joined = await sink.join();
      if (step === "join") leave();
      if (step === "watch") {
        await holdRedis(300);
        setTimeout(leave, 50);
      }
      return joined;
    },
    leave: () => sink.leave(),
    caughtUp: (feed, answer) => sink.caughtUp(feed, answer),
    failed: (err) => sink.failed(err),
  };
}

const steps: Step[] = ["authorize", "join", "watch"];
const ways = ["the connection goes", "the disposer is called"] as const;
const cases = steps.flatMap((step) => ways.map((way) => [step, way] as const));

describe("attachReader: a reader that leaves mid-attach holds nothing", () => {
  it.each(cases)("Socket.IO, leaving after %s: %s", async (step, way) => {
    const feedId = `io-${step}-${way === "the disposer is called" ? "disposer" : "gone"}`;
    await stack.api.createFeed(feedId);
    const { socket } = await connectedSocket();
    const acks: SubscribeAck[] = [];
    const sink = new SocketReader(socket, feedId, undefined, (a) => acks.push(a), { readers, logger });
    let dispose: Disposer = () => undefined;
    const leave = way === "the disposer is called" ? () => dispose() : () => socket.disconnect(true);
    dispose = attachReader(readers, feedId, undefined, leavingAt(sink, step, leave));

    await sleep(400); // past any Redis hold: the attach has run its course
    await waitFor(async () => (await subscribers(feedId)) === 0, "the relay to let go of the channel");
    expect(stack.io.of("/").adapter.rooms.get(roomOf(feedId))).toBeUndefined();
    expect(socket.data.feeds.size).toBe(0);
    expect(acks).toEqual([]); // a reader that left is answered nothing

    // Idempotent: a later reader of the feed keeps its reference when the disposer runs again.
    const stayer = new SocketReader(socket, feedId, undefined, (a) => acks.push(a), { readers, logger });
    if (way === "the disposer is called") {
      attachReader(readers, feedId, undefined, stayer);
      await waitFor(() => acks.length === 1, "the staying reader's answer");
      expect(acks[0]).toMatchObject({ ok: true, reset: true });
      dispose();
      dispose();
      expect(await subscribers(feedId)).toBe(1);
      expect(stack.io.of("/").adapter.rooms.get(roomOf(feedId))?.has(socket.id)).toBe(true);
      attachReader(readers, feedId, undefined, stayer); // a repeated attach holds nothing more
      await waitFor(() => acks.length === 2, "the repeated answer");
      detachReader(relay, feedId, stayer);
      await waitFor(async () => (await subscribers(feedId)) === 0, "one release to let go of the channel");
    }
  });

  it.each(cases)("SSE, leaving after %s: %s", async (step, way) => {
    const feedId = `sse-${step}-${way === "the disposer is called" ? "disposer" : "gone"}`;
    await stack.api.createFeed(feedId);
    const started = vi.spyOn(globalThis, "setInterval");
    const stopped = vi.spyOn(globalThis, "clearInterval");
    const url = `http://127.0.0.1:${(sseServer.address() as AddressInfo).port}/`;
    const req: ClientRequest = request(url);
    let dispose: Disposer = () => undefined;
    const attached = new Promise<void>((resolve) => {
      onStream = (res) => {
        const options = { hub, readers, logger, heartbeatMs: HEARTBEAT_MS, slowReaders: new BacklogWatch(slowReaders) };
        const stream = new SseStream(res, feedId, undefined, options, () => res.destroy());
        const leave = way === "the disposer is called" ? () => dispose() : () => req.destroy();
        dispose = attachReader(readers, feedId, undefined, leavingAt(stream, step, leave));
        res.once("close", dispose);
        resolve();
      };
    });
    req.on("error", () => undefined);
    req.end();
    cleanup.push(() => req.destroy());
    await attached;

    await sleep(400);
    await waitFor(async () => (await subscribers(feedId)) === 0, "the relay to let go of the channel");
    expect(hub.size()).toBe(0);
    const heartbeats = started.mock.results.filter((_r, i) => started.mock.calls[i]?.[1] === HEARTBEAT_MS);
    const cleared = new Set(stopped.mock.calls.map((c) => c[0]));
    for (const h of heartbeats) expect(cleared.has(h.value as NodeJS.Timeout)).toBe(true);
    if (step !== "authorize") expect(heartbeats).toHaveLength(1); // it had joined, then let go
    dispose();
    expect(hub.size()).toBe(0);
  });

  it("tells a Socket.IO reader whose feed the relay cannot subscribe to, and holds nothing for it", async () => {
    const feedId = "io-no-relay";
    await stack.api.createFeed(feedId);
    // A subscriber connection that refuses every command: the relay's SUBSCRIBE fails.
    const dead = new Redis("redis://127.0.0.1:1", { lazyConnect: true, enableOfflineQueue: false });
    dead.on("error", () => undefined);
    cleanup.push(() => dead.disconnect());
    const failing = new FeedRelay({
      subscriber: dead,
      store: stack.store,
      logger,
      emit: () => undefined,
      reset: () => undefined,
    });
    cleanup.push(() => failing.close());
    const { socket } = await connectedSocket();
    const acks: SubscribeAck[] = [];
    const context = { service: readers.service, relay: failing };
    attachReader(
      context,
      feedId,
      undefined,
      new SocketReader(socket, feedId, undefined, (a) => acks.push(a), { readers: context, logger }),
    );
    await waitFor(() => acks.length === 1, "the failed subscribe's answer");
    expect(acks[0]).toMatchObject({ ok: false, error: { code: "unavailable" } });
    expect(socket.data.feeds.size).toBe(0);
    expect(stack.io.of("/").adapter.rooms.get(roomOf(feedId))).toBeUndefined();
  });
});

describe("attachReader: the answer is never older than what the relay emitted before it", () => {
  it("reads again when the relay emitted past the catch-up while the read was in flight", async () => {
    const feedId = "overtaken";
    await stack.api.createFeed(feedId);
    expect((await stack.api.publish(feedId, { id: "e1", body: "one" })).status).toBe(202);
    await waitFor(async () => (await stack.store.currentSeq(feedId)) === 1, "the first entry applied");

    // A relay of its own: what it emits for the feed is what a Socket.IO room would write to the
    // reader, which joined before its catch-up was read.
    const emitted: FeedEvent[] = [];
    const ownSubscriber = new Redis(redis.url, { maxRetriesPerRequest: null });
    cleanup.push(() => ownSubscriber.disconnect());
    const own = new FeedRelay({
      subscriber: ownSubscriber,
      store: stack.store,
      logger,
      emit: (_feedId, event) => emitted.push(event),
      reset: () => undefined,
    });
    cleanup.push(() => own.close());
    // The catch-up as the store answers it, handed back only once the relay has emitted an event
    // past it: a read that Redis answered just before the next entry was applied and published.
    const reads: number[] = [];
    const service = Object.create(readers.service) as FeedService;
    service.catchUp = async (...args: Parameters<FeedService["catchUp"]>) => {
      const answer = await readers.service.catchUp(...args);
      reads.push(answer.seq);
      if (reads.length === 1) {
        expect((await stack.api.publish(feedId, { id: "e2", body: "two" })).status).toBe(202);
        await waitFor(() => emitted.some((e) => e.seq === 2), "the relay emitting seq 2 during the read");
      }
      return answer;
    };
    const answers: { answer: EventsResponse; emittedBefore: number }[] = [];
    const sink: ReaderSink = {
      holder: {},
      gone: () => false,
      authorize: () => undefined,
      join: () => true,
      leave: () => undefined,
      caughtUp: (_feed, answer) => answers.push({ answer, emittedBefore: Math.max(0, ...emitted.map((e) => e.seq)) }),
      failed: (err) => {
        throw err;
      },
    };
    const dispose = attachReader({ service, relay: own }, feedId, undefined, sink);
    cleanup.push(dispose);
    await waitFor(() => answers.length === 1, "the answer");
    expect(reads).toEqual([1, 2]);
    const [{ answer, emittedBefore }] = answers as [(typeof answers)[number]];
    expect(emittedBefore).toBe(2);
    expect(answer).toMatchObject({ reset: true, seq: 2 });
    expect("reset" in answer && answer.entries.map((e) => e.id).sort()).toEqual(["e1", "e2"]);
  });
});
