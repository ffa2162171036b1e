import { Buffer } from "node:buffer";
import type { Adapter, BroadcastOptions } from "socket.io-adapter";

/**
 * Every reach into what `socket.io-adapter`, `socket.io`, `engine.io` and `ws` keep to themselves,
 * behind a typed face: the gateway's broadcast path (one-frame-adapter.ts) uses these functions and
 * nothing else of those packages' insides. `missingTransportInternals` lists what an upgrade
 * removed or renamed, checked against live instances by test/transport-internals.test.ts; every
 * function here falls back to the packages' own path (or to "nothing waiting") when a part is
 * absent, so an upgrade that breaks them costs speed, never a frame.
 */

/** The packet options Socket.IO passes down to engine.io; `_encode` adds the ready-made frame. */
export interface FrameOptions {
  preEncoded?: boolean;
  volatile?: boolean | undefined;
  compress?: boolean | undefined;
  /** ws's whole WebSocket frame for the packet, as `[header, payload]` (set by the adapter's `_encode`). */
  wsPreEncodedFrame?: unknown;
}

/** The TCP socket under a WebSocket (a `net.Socket`): what a direct write and a cut touch. */
export interface RawSocket {
  write(chunk: Buffer): boolean;
  writable: boolean;
  /** Bytes written but not yet taken by the kernel. */
  writableLength: number;
  destroyed: boolean;
  resetAndDestroy(): void;
  once(event: "drain", listener: () => void): unknown;
}

/** ws's WebSocket: its TCP socket and its sender's queue. */
interface WsSocket {
  readyState: number;
  _socket?: RawSocket;
  /** `_state` 0 (DEFAULT): not compressing or reading a Blob, so nothing is about to join `_queue`. */
  _sender?: { _queue?: unknown[]; _state?: number };
}

/** engine.io's socket: one reader's connection, whatever its transport. */
export interface EngineConnection {
  readyState: string;
  /** Packets engine.io holds back until the transport can take them. */
  writeBuffer: { data?: unknown }[];
  transport: { name: string; writable: boolean; perMessageDeflate?: unknown; socket?: WsSocket };
  close(discard?: boolean): void;
  once(event: "drain", listener: () => void): unknown;
}

/** A Socket.IO socket as the adapter's `apply` hands it over. */
export interface BroadcastTarget {
  client: { conn: EngineConnection; writeToEngine(packets: unknown[], opts: FrameOptions): void };
  notifyOutgoingListeners?: (packet: unknown) => void;
}

/** The in-memory adapter's own members a broadcast uses. */
interface AdapterInternals {
  nsp: { name: string };
  _encode(packet: unknown, opts: FrameOptions): unknown[];
  apply(opts: BroadcastOptions, callback: (socket: BroadcastTarget) => void): void;
}

const internalsOf = (adapter: Adapter): AdapterInternals => adapter as unknown as AdapterInternals;

/** ws's `WebSocket.OPEN`. */
const WS_OPEN = 1;
/** ws's Sender state DEFAULT: idle (not DEFLATING, not GET_BLOB_DATA). */
const WS_SENDER_IDLE = 0;

/** The broadcast's packet, encoded once for every reader: stamped with the adapter's namespace. */
export function encodeBroadcast(adapter: Adapter, packet: unknown, opts: FrameOptions): unknown[] {
  const self = internalsOf(adapter);
  (packet as { nsp: string }).nsp = self.nsp.name;
  return self._encode(packet, opts);
}

/**
 * The packet's whole WebSocket frame as one buffer, when `_encode` pre-built it; `opts` then
 * carries that one buffer, so the normal path sends the same bytes.
 */
export function takeFrame(opts: FrameOptions): Buffer | undefined {
  const pre = opts.wsPreEncodedFrame;
  if (!Array.isArray(pre) || pre.length === 0 || !pre.every((b) => Buffer.isBuffer(b))) return undefined;
  const [first] = pre;
  const frame = pre.length === 1 && first !== undefined ? first : Buffer.concat(pre);
  opts.wsPreEncodedFrame = [frame];
  return frame;
}

/** Calls `each` for every socket the broadcast options reach (rooms, exceptions), as the adapter decides. */
export function forEachTarget(adapter: Adapter, opts: BroadcastOptions, each: (socket: BroadcastTarget) => void): void {
  internalsOf(adapter).apply(opts, each);
}

/** What Socket.IO does for every packet it sends: its `onAnyOutgoing` listeners hear of it. */
export function notifyOutgoing(socket: BroadcastTarget, packet: unknown): void {
  socket.notifyOutgoingListeners?.(packet);
}

/** The normal path: the encoded packets through engine.io, in order behind what it holds. */
export function writeThroughEngine(socket: BroadcastTarget, encoded: unknown[], opts: FrameOptions): void {
  socket.client.writeToEngine(encoded, opts);
}

/** The TCP socket under a WebSocket connection; undefined for long-polling (or a changed ws). */
export function rawSocketOf(conn: EngineConnection): RawSocket | undefined {
  return conn.transport.socket?._socket;
}

/**
 * The raw TCP socket a ready-made WebSocket frame can be written to straight away, or undefined
 * when anything could be queued ahead of it (engine.io's write buffer, a write in flight, ws's
 * own queue) or the connection is not a plain open WebSocket. Then the normal path runs, so
 * frames never overtake each other.
 */
export function directSocket(conn: EngineConnection): RawSocket | undefined {
  if (conn.readyState !== "open" || conn.writeBuffer.length !== 0) return undefined;
  const transport = conn.transport;
  if (transport.name !== "websocket" || !transport.writable || transport.perMessageDeflate) return undefined;
  const ws = transport.socket;
  if (ws === undefined || ws.readyState !== WS_OPEN) return undefined;
  const sender = ws._sender;
  if (sender?._queue === undefined || sender._state !== WS_SENDER_IDLE || sender._queue.length !== 0) return undefined;
  const raw = ws._socket;
  return raw !== undefined && raw.writable ? raw : undefined;
}

/**
 * Bytes waiting on the server to be sent to one reader: what the TCP socket holds above what the
 * kernel took, plus packets engine.io holds back (a long-polling reader between polls, or a
 * WebSocket whose previous write has not completed). Strings count one byte per character.
 */
export function backlogBytes(conn: EngineConnection, raw: RawSocket | undefined): number {
  let bytes = raw?.writableLength ?? 0;
  for (const p of conn.writeBuffer) {
    const d = p.data;
    bytes += typeof d === "string" ? d.length : Buffer.isBuffer(d) ? d.length : 0;
  }
  return bytes;
}

// ---- The self-check --------------------------------------------------------------------------

type Kind = "function" | "string" | "number" | "boolean" | "object" | "array" | "buffers";

function kindOf(value: unknown): Kind | "missing" | "other" {
  if (value === undefined) return "missing";
  if (Array.isArray(value)) return value.length > 0 && value.every((b) => Buffer.isBuffer(b)) ? "buffers" : "array";
  const t = typeof value;
  if (t === "function" || t === "string" || t === "number" || t === "boolean") return t;
  return t === "object" && value !== null ? "object" : "other";
}

/** `value[key]`, for a value whose shape is being checked rather than assumed. */
function member(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * What this module relies on and no longer finds, each named with its path and what it should
 * be (`ws WebSocket._sender._queue: expected array, found missing`). Give it the adapter of a
 * namespace and one server-side socket of that namespace; the WebSocket's own parts are checked
 * when the socket is connected over WebSocket. Empty: everything is where this module reads it.
 */
export function missingTransportInternals(adapter: unknown, socket: unknown): string[] {
  const problems: string[] = [];
  const expect = (what: string, value: unknown, kind: Kind) => {
    const found = kindOf(value);
    if (found !== kind) problems.push(`${what}: expected ${kind}, found ${found}`);
  };

  expect("socket.io-adapter Adapter._encode", member(adapter, "_encode"), "function");
  expect("socket.io-adapter Adapter.apply", member(adapter, "apply"), "function");
  expect("socket.io-adapter Adapter.nsp.name", member(member(adapter, "nsp"), "name"), "string");
  const encode = member(adapter, "_encode");
  if (typeof encode === "function") {
    // A one-string packet (what every feed event is) gets its WebSocket frame pre-built.
    const opts: FrameOptions = { preEncoded: true };
    encode.call(adapter, { type: 2, data: ["probe"], nsp: "/" }, opts);
    expect("socket.io-adapter Adapter._encode(…) → packetOpts.wsPreEncodedFrame", opts.wsPreEncodedFrame, "buffers");
  }

  expect("socket.io Socket.notifyOutgoingListeners", member(socket, "notifyOutgoingListeners"), "function");
  const client = member(socket, "client");
  expect("socket.io Client.writeToEngine", member(client, "writeToEngine"), "function");
  const conn = member(client, "conn");
  expect("socket.io Client.conn", conn, "object");
  expect("engine.io Socket.readyState", member(conn, "readyState"), "string");
  expect("engine.io Socket.writeBuffer", member(conn, "writeBuffer"), "array");
  const transport = member(conn, "transport");
  expect("engine.io Socket.transport.name", member(transport, "name"), "string");
  expect("engine.io Socket.transport.writable", member(transport, "writable"), "boolean");
  // A long-polling connection has no WebSocket under it: the rest is read only for WebSockets.
  if (member(transport, "name") !== "websocket") return problems;
  if (typeof transport !== "object" || transport === null || !("perMessageDeflate" in transport)) {
    problems.push("engine.io Socket.transport.perMessageDeflate: expected a property (null when off), found missing");
  }
  const ws = member(transport, "socket");
  expect("engine.io Socket.transport.socket (ws WebSocket)", ws, "object");
  expect("ws WebSocket.readyState", member(ws, "readyState"), "number");
  const sender = member(ws, "_sender");
  expect("ws WebSocket._sender", sender, "object");
  expect("ws WebSocket._sender._queue", member(sender, "_queue"), "array");
  expect("ws WebSocket._sender._state", member(sender, "_state"), "number");
  const raw = member(ws, "_socket");
  expect("ws WebSocket._socket (net.Socket)", raw, "object");
  for (const name of ["write", "resetAndDestroy", "once"])
    expect(`ws WebSocket._socket.${name}`, member(raw, name), "function");
  expect("ws WebSocket._socket.writableLength", member(raw, "writableLength"), "number");
  expect("ws WebSocket._socket.writable", member(raw, "writable"), "boolean");
  expect("ws WebSocket._socket.destroyed", member(raw, "destroyed"), "boolean");
  return problems;
}
