import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { io as connectClient, type Socket as ClientSocket } from "socket.io-client";
import {
  createIo,
  directSocket,
  missingTransportInternals,
  rawSocketOf,
  type EngineConnection,
  type LivelineIo,
} from "@liveline/server";

/**
 * The gateway's broadcast path reads members that socket.io-adapter, socket.io, engine.io and ws
 * keep to themselves (server/src/gateway/transport-internals.ts). An upgrade may rename or drop
 * any of them without a word; the path would then quietly fall back to the slow one, or count a
 * reader's backlog as zero. These checks run against a real Socket.IO server with real clients
 * connected, and name each member that is no longer where it is read.
 */

let io: LivelineIo;
let url: string;
const clients: ClientSocket[] = [];

beforeAll(async () => {
  const http = createServer();
  io = createIo(http);
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const c of clients) c.close();
  await new Promise<void>((resolve) => void io.close(() => resolve()));
});

async function connected(transport: "websocket" | "polling") {
  const client = connectClient(url, { transports: [transport], forceNew: true, reconnection: false });
  clients.push(client);
  await new Promise<void>((resolve, reject) => {
    client.once("connect", () => resolve());
    client.once("connect_error", reject);
  });
  const socket = io.of("/").sockets.get(client.id ?? "");
  if (socket === undefined) throw new Error(`no server-side socket for the ${transport} client`);
  return { socket, conn: socket.client.conn as unknown as EngineConnection };
}

describe("the transport internals the broadcast path reads", () => {
  it("are all there on a live WebSocket connection (else each missing one is named)", async () => {
    const { socket } = await connected("websocket");
    expect(missingTransportInternals(io.of("/").adapter, socket)).toEqual([]);
  });

  it("are all there on a live long-polling connection", async () => {
    const { socket } = await connected("polling");
    expect(missingTransportInternals(io.of("/").adapter, socket)).toEqual([]);
  });

  it("give an idle WebSocket's TCP socket for direct writes, and none for long-polling", async () => {
    const ws = await connected("websocket");
    const raw = rawSocketOf(ws.conn);
    expect(raw, "ws WebSocket._socket").toBeDefined();
    expect(directSocket(ws.conn), "an idle open WebSocket is written to directly").toBe(raw);

    const polling = await connected("polling");
    expect(rawSocketOf(polling.conn)).toBeUndefined();
    expect(directSocket(polling.conn)).toBeUndefined();
  });

  it("name a member an upgrade renamed, with its path", async () => {
    const { socket, conn } = await connected("websocket");
    const ws = conn.transport.socket as unknown as Record<string, unknown>;
    // The same socket, with ws's sender under another name and engine.io's buffer gone.
    const renamed = {
      notifyOutgoingListeners: () => undefined,
      client: {
        writeToEngine: () => undefined,
        conn: {
          readyState: conn.readyState,
          transport: {
            name: "websocket",
            writable: true,
            perMessageDeflate: null,
            socket: { readyState: ws.readyState, _socket: ws._socket, _senderRenamed: ws._sender },
          },
        },
      },
    };
    expect(missingTransportInternals(io.of("/").adapter, socket)).toEqual([]);
    expect(missingTransportInternals(io.of("/").adapter, renamed)).toEqual([
      "engine.io Socket.writeBuffer: expected array, found missing",
      "ws WebSocket._sender: expected object, found missing",
      "ws WebSocket._sender._queue: expected array, found missing",
      "ws WebSocket._sender._state: expected number, found missing",
    ]);
  });
});
