import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { io as connectClient, type Socket as ClientSocket } from "socket.io-client";
import { createIo, rawSocketOf, type EngineConnection, type LivelineIo } from "@liveline/server";
import { startStallProxy, type StallProxy } from "./helpers/stall-proxy.js";
import { waitFor } from "./helpers/wait.js";

/**
 * The gateway's broadcast path (server/src/one-frame-adapter.ts) writes ready-made frames
 * straight to idle WebSocket readers and sends a same-tick burst to a room as one write. These
 * tests pin what readers see: every event, once, in order, whatever their transport, and room
 * membership decided at the moment of the broadcast. They also check the fast path is really
 * taken, so a Socket.IO upgrade that silently disables it fails here rather than in the bench.
 */

interface Reader {
  socket: ClientSocket;
  got: number[];
}

let io: LivelineIo;
let url: string;
const clients: ClientSocket[] = [];
const closers: (() => Promise<void>)[] = [];

/** A bare gateway whose `subscribe` only joins the feed's room. */
async function startGateway(slowReaders?: Parameters<typeof createIo>[2]): Promise<{ io: LivelineIo; url: string }> {
  const http = createServer();
  const gateway = createIo(http, undefined, slowReaders);
  gateway.on("connection", (socket) => {
    socket.on("subscribe", async (...args: unknown[]) => {
      const [payload, ack] = args as [{ feedId: string }, (r: { ok: boolean }) => void];
      await socket.join(`feed:${payload.feedId}`);
      ack({ ok: true });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  closers.push(() => new Promise<void>((resolve) => void gateway.close(() => resolve())));
  return { io: gateway, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

beforeAll(async () => {
  ({ io, url } = await startGateway());
});

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(closers.map((close) => close()));
});

async function connectReader(
  via: string,
  feedId: string,
  transport: "websocket" | "polling",
  reconnection = true,
): Promise<Reader> {
  const socket = connectClient(via, { transports: [transport], forceNew: true, reconnection });
  clients.push(socket);
  const r: Reader = { socket, got: [] };
  socket.on("feed:event", (e: { seq: number }) => r.got.push(e.seq));
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  await socket.emitWithAck("subscribe", { feedId });
  return r;
}

const reader = (transport: "websocket" | "polling", feedId = "f"): Promise<Reader> =>
  connectReader(url, feedId, transport);

const event = (seq: number): never =>
  ({ type: "entry.published", seq, at: new Date(0).toISOString(), entry: { id: `e${seq}` } }) as never;
const emit = (seq: number, feedId = "f"): void => {
  io.local.to(`feed:${feedId}`).emit("feed:event", event(seq));
};
const serverSocket = (client: ClientSocket) => {
  const s = io.of("/").sockets.get(client.id ?? "");
  if (s === undefined) throw new Error("no server socket");
  return s;
};

describe("broadcast path", () => {
  it("delivers single events and same-tick bursts once and in order, over WebSocket and long-polling", async () => {
    const readers = [
      ...(await Promise.all(Array.from({ length: 6 }, () => reader("websocket")))),
      ...(await Promise.all(Array.from({ length: 3 }, () => reader("polling")))),
    ];
    const other = await reader("websocket", "g");
    let seq = 0;
    for (let round = 0; round < 20; round++) {
      // 1, 2, 3, ... events in the same tick, then a pause; another room's events interleaved.
      for (let k = 0; k <= round % 4; k++) emit(++seq);
      emit(round + 1, "g");
      await new Promise((r) => setTimeout(r, 5));
    }
    const want = Array.from({ length: seq }, (_, i) => i + 1);
    await waitFor(() => readers.every((r) => r.got.length >= seq), "every reader has every event");
    for (const r of readers) expect(r.got).toEqual(want);
    await waitFor(() => other.got.length >= 20, "the other room's reader has its events");
    expect(other.got).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it("writes a burst to an idle WebSocket reader as one write, without engine.io's per-packet path", async () => {
    const r = await reader("websocket", "burst");
    const server = serverSocket(r.socket);
    let packets = 0;
    server.conn.on("packetCreate", (p: { type: string }) => {
      if (p.type === "message") packets++;
    });
    // The reader's TCP socket, to count writes.
    const raw = rawSocketOf(server.conn as unknown as EngineConnection);
    if (raw === undefined) throw new Error("no TCP socket under the WebSocket");
    let writes = 0;
    const write = raw.write.bind(raw);
    raw.write = (chunk: Buffer) => {
      writes++;
      return write(chunk);
    };
    for (let s = 1; s <= 5; s++) emit(s, "burst");
    await waitFor(() => r.got.length >= 5, "the burst arrived");
    expect(r.got).toEqual([1, 2, 3, 4, 5]);
    expect(writes).toBe(1);
    expect(packets).toBe(0);
  });

  it("keeps a broadcast between the packets sent to the reader before and after it", async () => {
    const r = await reader("websocket", "queued");
    // A message outside the protocol's typed events, sent straight to this one reader.
    const note = serverSocket(r.socket) as unknown as { emit(event: string, text: string): void };
    const order: string[] = [];
    r.socket.on("note", (n: string) => order.push(n));
    r.socket.on("feed:event", (e: { seq: number }) => order.push(`event ${e.seq}`));
    // A direct emit leaves the transport busy until its write completes; the broadcast must not
    // overtake it. A broadcast leaves at the end of the tick it was made in, so what is sent
    // after it from a later tick comes after it.
    note.emit("note", "first");
    io.local.to("feed:queued").emit("feed:event", event(1));
    setImmediate(() => note.emit("note", "last"));
    await waitFor(() => order.length >= 3, "three messages");
    expect(order).toEqual(["first", "event 1", "last"]);
  });

  it("keeps a same-tick broadcast to several rooms behind the batched one", async () => {
    const r = await reader("websocket", "multi");
    emit(1, "multi"); // batched until the end of the tick
    io.local.to(["feed:multi", "feed:elsewhere"]).emit("feed:event", event(2)); // sent at once
    emit(3, "multi");
    await waitFor(() => r.got.length >= 3, "three events");
    expect(r.got).toEqual([1, 2, 3]);
  });

  it("decides who gets a broadcast by the rooms at the moment it was made", async () => {
    const leaver = await reader("websocket", "m");
    const joiner = await reader("websocket", "n");
    const leaving = serverSocket(leaver.socket);
    const joining = serverSocket(joiner.socket);
    emit(1, "m");
    void leaving.leave("feed:m"); // after the broadcast: still receives it
    void joining.join("feed:m"); // after the broadcast: does not
    emit(2, "m");
    await waitFor(() => leaver.got.length >= 1 && joiner.got.length >= 1, "both got something");
    await new Promise((r) => setTimeout(r, 50));
    expect(leaver.got).toEqual([1]);
    expect(joiner.got).toEqual([2]);
  });
});

describe("slow readers", () => {
  const MAX = 64 * 1024;
  const GRACE_MS = 500;
  let slowIo: LivelineIo;
  let proxy: StallProxy;
  let slowUrl: string;
  const cuts: { transport: string; backlogBytes: number }[] = [];

  beforeAll(async () => {
    const policy = { maxBacklogBytes: MAX, graceMs: GRACE_MS, onCut: (c: (typeof cuts)[number]) => cuts.push(c) };
    ({ io: slowIo, url: slowUrl } = await startGateway(policy));
    proxy = await startStallProxy(slowUrl);
  });

  afterAll(async () => {
    await proxy.close();
  });

  const bigReader = (via: string, feedId: string, transport: "websocket" | "polling" = "websocket") =>
    connectReader(via, feedId, transport, false);

  const body = "x".repeat(16 * 1024);
  const emitBig = (seq: number, feedId: string): void => {
    slowIo.local.to(`feed:${feedId}`).emit("feed:event", { ...(event(seq) as object), body } as never);
  };
  const upTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

  it("cuts off a reader that stopped reading once it has been over the cap for the grace period", async () => {
    const fast = await bigReader(slowUrl, "stall");
    const slow = await bigReader(proxy.url, "stall");
    const dropped = new Promise<string>((resolve) => slow.socket.once("disconnect", (reason) => resolve(reason)));
    proxy.stall();
    // 16 KB events, a few per tick: soon past the kernel's buffers (about 4 MB on loopback) and the
    // cap; then on, a tick at a time, until the grace period is over.
    let seq = 0;
    const deadline = Date.now() + 10_000;
    while (cuts.length === 0 && Date.now() < deadline) {
      for (let k = 0; k < 4; k++) emitBig(++seq, "stall");
      await new Promise((r) => setTimeout(r, seq < 400 ? 0 : 10));
    }
    await waitFor(() => fast.got.length >= seq, "the fast reader has every event", 20_000);
    expect(fast.got).toEqual(upTo(seq));
    expect(cuts).toEqual([{ transport: "websocket", backlogBytes: expect.any(Number) as number }]);
    expect(cuts[0]?.backlogBytes).toBeGreaterThan(MAX);
    // The server let go of it at once; the reader learns when it reads again.
    await waitFor(() => slowIo.engine.clientsCount === 1, "the server dropped the slow reader");
    proxy.resume();
    expect(await dropped).toMatch(/^transport (close|error)$/);
    expect(slow.got.length).toBeLessThan(seq);
    expect(slow.got).toEqual(upTo(slow.got.length));
  });

  it("cuts off a long-polling reader that stopped polling", async () => {
    const before = cuts.length;
    const fast = await bigReader(slowUrl, "stall-polling");
    const slow = await bigReader(proxy.url, "stall-polling", "polling");
    proxy.stall();
    let seq = 0;
    const deadline = Date.now() + 10_000;
    while (cuts.length === before && Date.now() < deadline) {
      for (let k = 0; k < 4; k++) emitBig(++seq, "stall-polling");
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(cuts.slice(before)).toEqual([{ transport: "polling", backlogBytes: expect.any(Number) as number }]);
    await waitFor(() => fast.got.length >= seq, "the fast reader has every event");
    expect(fast.got).toEqual(upTo(seq));
    await waitFor(() => slowIo.of("/").sockets.get(slow.socket.id ?? "") === undefined, "the server dropped it");
    proxy.resume();
  });

  it("keeps a reader that was over the cap only for a while", async () => {
    const before = cuts.length;
    const r = await bigReader(proxy.url, "behind");
    // The reader's socket on the server.
    const conn = slowIo.of("/").sockets.get(r.socket.id ?? "")?.conn as unknown as EngineConnection | undefined;
    const raw = conn === undefined ? undefined : rawSocketOf(conn);
    if (raw === undefined) throw new Error("no TCP socket under the WebSocket");
    let seq = 0;
    // Twice: each time over the cap is a new grace period, however long ago the last one was.
    for (let round = 0; round < 2; round++) {
      proxy.stall();
      while (raw.writableLength <= MAX && seq < 4000) {
        for (let k = 0; k < 4; k++) emitBig(++seq, "behind");
        await new Promise((resolve) => setImmediate(resolve));
      }
      emitBig(++seq, "behind"); // seen over the cap: a grace period starts
      await new Promise((resolve) => setImmediate(resolve));
      proxy.resume();
      await waitFor(() => r.got.length >= seq, "the reader took its backlog");
      await new Promise((resolve) => setTimeout(resolve, GRACE_MS * 2));
      emitBig(++seq, "behind"); // past the grace period, but the backlog drained meanwhile
      await waitFor(() => r.got.length >= seq, "the next event arrived");
    }
    expect(r.got).toEqual(upTo(seq));
    expect(cuts.length).toBe(before);
    expect(r.socket.connected).toBe(true);
  });
});
