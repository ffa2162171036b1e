import { connect as tcp, type Socket as TcpSocket } from "node:net";
import { io as connect } from "socket.io-client";
import { beforeAll, describe, expect, it } from "vitest";
import type { FeedEvent, SubscribeAck } from "@liveline/protocol";
import { loadConfig } from "@liveline/server";
import { openSse } from "./helpers/sse.js";
import { useStack } from "./helpers/use-stack.js";
import { sleep, waitFor } from "./helpers/wait.js";

const HEADERS_MS = 1000;
const REQUEST_MS = 1500;

const { stack } = useStack({
  HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_MS),
  HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_MS),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: "1000",
  SSE_HEARTBEAT_MS: "300",
});
beforeAll(async () => {
  expect((await stack.api.createFeed("slow")).status).toBe(201);
});

interface RawConnection {
  socket: TcpSocket;
  /** Everything the server sent. */
  received(): string;
  /** Resolves with the time (ms since `opened`) the server closed the connection. */
  closed: Promise<number>;
}

function openRaw(): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const opened = Date.now();
    let data = "";
    const socket = tcp(stack.port, "127.0.0.1");
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => (data += d));
    socket.on("error", () => undefined);
    const closed = new Promise<number>((r) => socket.once("close", () => r(Date.now() - opened)));
    socket.once("connect", () => resolve({ socket, received: () => data, closed }));
    socket.once("error", reject);
  });
}

/** The status line and the JSON body of a raw HTTP answer. */
function parseAnswer(raw: string): { status: number; headers: string; body: unknown } {
  const [head = "", body = ""] = raw.split("\r\n\r\n");
  return { status: Number(head.split(" ")[1]), headers: head.toLowerCase(), body: JSON.parse(body) };
}

describe("clients that send too slowly are cut", () => {
  it("50 slowloris connections are closed with 408 within the headers timeout while others are served", async () => {
    const conns = await Promise.all(Array.from({ length: 50 }, () => openRaw()));
    const request = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + "a".repeat(200);
    let i = 0;
    // One header byte every 100 ms from each: the request would take 20 s to arrive.
    const drip = setInterval(() => {
      const byte = request[i] ?? "a";
      i += 1;
      for (const c of conns) if (!c.socket.destroyed) c.socket.write(byte);
    }, 100);
    try {
      // A normal client is served while they drip.
      for (let n = 0; n < 5; n += 1) {
        const started = Date.now();
        const res = await fetch(`${stack.url}/v1/feeds/slow`);
        expect(res.status).toBe(200);
        expect(Date.now() - started).toBeLessThan(500);
        await sleep(100);
      }
      const times = await Promise.all(conns.map((c) => c.closed));
      // headersTimeout plus node's check interval (at most half the timeout here), plus slack.
      expect(Math.max(...times)).toBeLessThan(HEADERS_MS * 2 + 500);
      expect(Math.min(...times)).toBeGreaterThanOrEqual(HEADERS_MS - 100);
      for (const c of conns) {
        const answer = parseAnswer(c.received());
        expect(answer.status).toBe(408);
        expect(answer.headers).toContain("connection: close");
        expect(answer.body).toEqual({ error: { code: "request_timeout", message: expect.any(String) } });
      }
    } finally {
      clearInterval(drip);
    }
  });

  it("a body sent too slowly is cut at the request timeout", async () => {
    const c = await openRaw();
    c.socket.write(
      "POST /v1/feeds HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
    );
    const drip = setInterval(() => c.socket.write(" "), 100);
    const closedAfter = await c.closed;
    clearInterval(drip);
    expect(closedAfter).toBeGreaterThanOrEqual(REQUEST_MS - 100);
    expect(closedAfter).toBeLessThan(REQUEST_MS + 1500);
    expect(parseAnswer(c.received())).toMatchObject({ status: 408, body: { error: { code: "request_timeout" } } });
  });

  it("an SSE stream and Socket.IO readers (long-polling and WebSocket) outlive every timeout", async () => {
    const sse = await openSse(`${stack.url}/v1/feeds/slow/stream`);
    const polling = connect(stack.url, { transports: ["polling"], forceNew: true, reconnection: false });
    const websocket = connect(stack.url, { transports: ["websocket"], forceNew: true, reconnection: false });
    const got = { polling: [] as FeedEvent[], websocket: [] as FeedEvent[] };
    polling.on("feed:event", (e: FeedEvent) => got.polling.push(e));
    websocket.on("feed:event", (e: FeedEvent) => got.websocket.push(e));
    for (const s of [polling, websocket]) {
      const ack = (await s.timeout(5000).emitWithAck("subscribe", { feedId: "slow" })) as SubscribeAck;
      expect(ack.ok).toBe(true);
    }
    await sleep(REQUEST_MS * 2 + 500); // past the headers, request and keep-alive timeouts
    expect((await stack.api.publish("slow", { id: "late", body: "still here" })).status).toBe(202);
    await waitFor(() => sse.messages.some((m) => m.data.includes('"late"')), "the SSE stream to get the entry");
    await waitFor(() => got.polling.length > 0 && got.websocket.length > 0, "both sockets to get the entry");
    expect([sse.ended(), polling.connected, websocket.connected]).toEqual([false, true, true]);
    sse.close();
    polling.close();
    websocket.close();
  });
});

describe("requests node:http cannot parse answer in the documented error shape", () => {
  const cases: [string, string, number, string][] = [
    ["bad request line", "GARBAGE\r\n\r\n", 400, "bad_request"],
    ["bad header", "GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n", 400, "bad_request"],
    ["bad version", "GET / HTTP/9.9\r\nHost: x\r\n\r\n", 400, "bad_request"],
    [
      "headers too large",
      `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"b".repeat(20 * 1024)}\r\n\r\n`,
      431,
      "headers_too_large",
    ],
  ];
  for (const [what, request, status, code] of cases) {
    it(`${what}: ${status} ${code}`, async () => {
      const c = await openRaw();
      c.socket.write(request);
      await c.closed;
      const answer = parseAnswer(c.received());
      expect([answer.status, answer.body]).toEqual([status, { error: { code, message: expect.any(String) } }]);
      expect(answer.headers).toContain("content-type: application/json");
      expect(answer.headers).toContain("connection: close");
    });
  }

  it("a keep-alive connection's later request with headers too large is answered 431 too", async () => {
    const c = await openRaw();
    c.socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    await waitFor(() => c.received().includes('"status":"ok"'), "the first answer on the connection");
    const first = c.received().length;
    c.socket.write(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"b".repeat(20 * 1024)}\r\n\r\n`);
    await c.closed;
    const answer = parseAnswer(c.received().slice(first));
    expect([answer.status, answer.body]).toEqual([
      431,
      { error: { code: "headers_too_large", message: expect.any(String) } },
    ]);
  });

  it("the process keeps serving after all of them", async () => {
    expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);
  });
});

describe("configuration", () => {
  it("refuses timeouts that do not fit together", () => {
    expect(() => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: "20000", HTTP_REQUEST_TIMEOUT_MS: "10000" })).toThrow(
      /HTTP_REQUEST_TIMEOUT_MS: must be at least HTTP_HEADERS_TIMEOUT_MS/,
    );
    expect(() => loadConfig({ HTTP_IDLE_TIMEOUT_MS: "10000" })).toThrow(/HTTP_IDLE_TIMEOUT_MS: must be 0 \(off\)/);
    expect(loadConfig({ HTTP_IDLE_TIMEOUT_MS: "0" }).httpTimeouts.idleMs).toBe(0);
    expect(loadConfig({}).httpTimeouts).toEqual({
      headersMs: 10_000,
      requestMs: 30_000,
      keepAliveMs: 5000,
      idleMs: 120_000,
    });
  });
});
