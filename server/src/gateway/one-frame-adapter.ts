import { Buffer } from "node:buffer";
import { Adapter, type BroadcastOptions } from "socket.io-adapter";
import { BacklogWatch, type SlowReaderPolicy } from "../reader/slow-readers.js";
import {
  backlogBytes,
  directSocket,
  encodeBroadcast,
  forEachTarget,
  notifyOutgoing,
  rawSocketOf,
  takeFrame,
  writeThroughEngine,
  type EngineConnection,
  type FrameOptions,
  type RawSocket,
} from "./transport-internals.js";

/** One broadcast, encoded once, waiting for the end of the current tick. */
interface Outgoing {
  packet: unknown;
  encoded: unknown[];
  opts: FrameOptions;
  /** The whole WebSocket frame, when Socket.IO could pre-build it. */
  frame: Buffer | undefined;
}

/**
 * The in-memory adapter, with broadcasts made cheap for thousands of readers of one feed.
 *
 * - **One frame, one write.** Socket.IO encodes a broadcast once and pre-builds its WebSocket
 *   frame as `[header, payload]`. The two are merged once per broadcast, and the frame is written
 *   straight to each reader's TCP socket when nothing is queued ahead of it, skipping engine.io's
 *   per-packet bookkeeping (packet object, flush/drain events, write callback).
 * - **A burst goes out together.** Broadcasts to one room in the same tick (the relay delivering
 *   several events of a feed at once, e.g. after falling behind) are written to each reader as
 *   one buffer: one system call per reader instead of one per event, which is what lets a busy
 *   node catch up instead of falling further behind.
 *
 * - **A reader too far behind is cut off.** A reader whose connection cannot take its events
 *   (a phone in a tunnel that still answers pings, a stalled proxy) would otherwise hold every
 *   frame sent to it in this process's memory until its ping timeout. Above `maxBacklogBytes`
 *   waiting for longer than `graceMs`, its connection is reset (which frees the kernel's buffer
 *   too); the SDK reconnects and resumes from its last seq, as after any dropped connection.
 *
 * The bytes on the wire and their order are unchanged: a socket that is not an idle open
 * WebSocket gets each packet through the normal path, in order. Measured in `npm run bench`.
 */
export class OneFrameAdapter extends Adapter {
  private readonly waiting = new Map<string, Outgoing[]>();
  /** Set by the class `oneFrameAdapter` returns; the plain class never cuts a reader off. */
  protected readonly slowReaders: BacklogWatch | undefined = undefined;

  override broadcast(packet: Parameters<Adapter["broadcast"]>[0], opts: BroadcastOptions): void {
    const flags = opts.flags ?? {};
    const packetOpts: FrameOptions = { preEncoded: true, volatile: flags.volatile, compress: flags.compress };
    const encoded = encodeBroadcast(this, packet, packetOpts);
    const out: Outgoing = { packet, encoded, opts: packetOpts, frame: takeFrame(packetOpts) };
    const [room] = opts.rooms;
    const plain = opts.rooms.size === 1 && (opts.except?.size ?? 0) === 0 && flags.volatile !== true;
    if (!plain || room === undefined) {
      this.flushFor(opts);
      this.send(opts, [out]);
      return;
    }
    const queue = this.waiting.get(room);
    if (queue !== undefined) {
      queue.push(out);
      return;
    }
    this.waiting.set(room, [out]);
    process.nextTick(() => this.flush(room));
  }

  override broadcastWithAck(...args: Parameters<Adapter["broadcastWithAck"]>): void {
    this.flushFor(args[1]);
    super.broadcastWithAck(...args);
  }

  // Membership changes wait for the room's pending broadcasts, so who receives a broadcast is
  // decided by the rooms at the moment it was made, exactly as without the batching.
  override addAll(id: string, rooms: Set<string>): Promise<void> | void {
    for (const room of rooms) this.flush(room);
    return super.addAll(id, rooms);
  }

  override del(id: string, room: string): Promise<void> | void {
    this.flush(room);
    return super.del(id, room);
  }

  override delAll(id: string): void {
    if (this.waiting.size > 0) for (const room of this.socketRooms(id) ?? []) this.flush(room);
    super.delAll(id);
  }

  /** Before a broadcast that is not batched: send what is pending for the rooms it reaches. */
  private flushFor(opts: BroadcastOptions): void {
    if (this.waiting.size === 0) return;
    const rooms = opts.rooms.size === 0 ? [...this.waiting.keys()] : opts.rooms;
    for (const room of rooms) this.flush(room);
  }

  private flush(room: string): void {
    const batch = this.waiting.get(room);
    if (batch === undefined) return;
    this.waiting.delete(room);
    this.send({ rooms: new Set([room]) }, batch);
  }

  private send(opts: BroadcastOptions, batch: Outgoing[]): void {
    const frames = batch.every((o) => o.frame !== undefined) ? batch.map((o) => o.frame as Buffer) : undefined;
    const bytes = frames === undefined ? undefined : frames.length === 1 ? frames[0] : Buffer.concat(frames);
    const watch = this.slowReaders;
    forEachTarget(this, opts, (socket) => {
      const conn = socket.client.conn;
      if (watch !== undefined) {
        const raw = rawSocketOf(conn);
        // Cut off already: a reset socket's close reaches Socket.IO later.
        if (raw?.destroyed === true) return;
        const backlog = backlogBytes(conn, raw);
        // Most readers have nothing waiting, and nothing more to check.
        if (backlog > 0 && watch.tooFarBehind(conn, backlog, raw ?? conn)) return this.cut(watch, conn, raw, backlog);
      }
      for (const o of batch) notifyOutgoing(socket, o.packet);
      const direct = bytes === undefined ? undefined : directSocket(conn);
      if (direct !== undefined && bytes !== undefined) direct.write(bytes);
      else for (const o of batch) writeThroughEngine(socket, o.encoded, o.opts);
    });
  }

  /**
   * Disconnect a reader too far behind; Socket.IO then runs its usual disconnect cleanup. A reset
   * WebSocket is skipped by `destroyed` until its close arrives; a long-polling connection closed
   * with `discard` is closed, and out of its rooms, before this returns.
   */
  private cut(watch: BacklogWatch, conn: EngineConnection, raw: RawSocket | undefined, backlog: number): void {
    const transport = conn.transport.name;
    if (raw !== undefined) raw.resetAndDestroy();
    else conn.close(true);
    watch.policy.onCut?.({ transport, backlogBytes: backlog });
  }
}

/** The adapter class Socket.IO is given, with a policy for slow readers. */
export function oneFrameAdapter(policy: SlowReaderPolicy): typeof OneFrameAdapter {
  return class extends OneFrameAdapter {
    protected override readonly slowReaders = new BacklogWatch(policy);
  };
}
