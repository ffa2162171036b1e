// One bench reader on a raw TCP socket that speaks just enough WebSocket (RFC 6455) to be
// subscribed, so the load generator spends its core on counting, not on a client library.
//
// Two kinds, one code path:
//   - a *sink* looks at the first bytes of each frame only: it counts frames and bytes and reads
//     the event's position (`"seq":` for Socket.IO, the `bench#<k>` mark for Nchan) to count lost
//     and duplicated deliveries exactly, without parsing the ~1 KB payload;
//   - a *probe* buffers the whole frame, JSON-parses it as a client would, and records the
//     publish → receive latency from the publish time the headline carries.
//
// Socket.IO v5 / Engine.IO v4 on the wire (https://socket.io/docs/v4/socket-io-protocol/):
//   server "0{sid,pingInterval,…}"  engine.io open      → client "40"
//   server "40{sid}"                namespace connected → client '421["subscribe",{feedId,since?,epoch?}]'
//   server '431[{ok:true,seq,epoch,…}]'  subscribe ack (with the missed `events` on a resume)
//   server '42["feed:event",{"feedId":…,"seq":…}]'       an event
//   server "2"                      ping                → client "3"
// Nchan: every text frame is one published message; WebSocket pings are answered with pongs.
import net from "node:net";
import { Buffer } from "node:buffer";
import { clearTimeout, setInterval, setTimeout } from "node:timers";
import { performance } from "node:perf_hooks";

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
export const now = () => performance.timeOrigin + performance.now();

/** How many bytes of a frame a sink looks at: enough for `42["feed:event",{"feedId":"…","seq":N`. */
const PEEK = 96;
const SEQ = Buffer.from('"seq":');
const MARK = Buffer.from("bench#");
const KEY = "dGhlIHNhbXBsZSBub25jZQ=="; // any 16 bytes, base64: the server only echoes its hash

/** A masked client text frame (a zero mask key: valid, and leaves the payload as it is). */
function clientFrame(text, opcode = 0x1) {
  const payload = Buffer.from(text);
  const len = payload.length;
  const head =
    len < 126
      ? Buffer.from([0x80 | opcode, 0x80 | len])
      : Buffer.from([0x80 | opcode, 0x80 | 126, len >> 8, len & 0xff]);
  return Buffer.concat([head, Buffer.alloc(4), payload]);
}
const PONG_3 = clientFrame("3");

/** Digits at buf[i…] as a number, or -1. */
function digitsAt(buf, i, end) {
  let v = -1;
  while (i < end && buf[i] >= 0x30 && buf[i] <= 0x39) v = (v < 0 ? 0 : v * 10) + (buf[i++] - 0x30);
  return v;
}

/** Index of `needle` in buf[from, to), or -1 (no subarray: this runs once per frame). */
function find(buf, needle, from, to) {
  const last = to - needle.length;
  outer: for (let i = from; i <= last; i++) {
    for (let j = 0; j < needle.length; j++) if (buf[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** `bench#<k>@<publish time ms since the epoch>` in a probe's payload. */
export function parseMark(text) {
  const m = /bench#(\d+)@([\d.]+)/.exec(text);
  return m ? { k: Number(m[1]), at: Number(m[2]) } : undefined;
}

/** The widest gap whose positions a reader remembers, to tell a late arrival from a duplicate. */
const MAX_REMEMBERED_GAP = 10_000;

/** Sinks paused until the next round, per round length. */
const rounds = new Map();

/**
 * Stop reading `socket` until the next round of `ms`: a sink then reads a round's frames in one
 * system call instead of being woken for each, which is most of what a reader costs the load
 * generator. Counts are unchanged; a sink only learns of them up to `ms` later.
 */
function pauseUntilNextRound(socket, ms) {
  let round = rounds.get(ms);
  if (round === undefined) {
    round = new Set();
    const paused = round;
    rounds.set(ms, paused);
    setInterval(() => {
      for (const s of paused) s.resume();
      paused.clear();
    }, ms).unref();
  }
  socket.pause();
  round.add(socket);
}

/**
 * Per-reader delivery accounting, as a client applies events: in order, each once. `seq` is the
 * feed's position (Socket.IO) or the entry index + 1 (Nchan). A Socket.IO reader is joined to
 * its feed before its catch-up is read, so events can arrive before the subscribe ack, and the
 * ack's catch-up and the live events can overlap; the protocol has the client hold the early
 * ones and skip what it already has by seq (client-sdk/src/feed-state.ts). Those skips are
 * `overlap`; a seq seen twice above what any catch-up covered is a true duplicate, and one that
 * arrives after a later one (the SDK would hold the later one until it came) is `outOfOrder`.
 */
export class Tally {
  /**
   * `ordered: false` (Nchan): several publishes are in flight at once and Nchan numbers nothing,
   * so readers can only be checked for each entry once, not for the order the POSTs arrived in.
   */
  constructor({ ordered = true } = {}) {
    this.seen = ordered ? undefined : new Set();
    this.events = 0; // distinct events applied
    this.duplicated = 0;
    this.overlap = 0; // catch-up and live events overlapping, skipped by seq as the protocol allows
    this.gaps = 0; // positions skipped over
    this.last = -1; // the position held; -1 until first subscribed
    this.floor = -1; // the highest position a catch-up covered
    this.held = null; // positions that arrived before the current connection's ack
    this.outOfOrder = 0; // positions that arrived after a later one
    this.missing = new Set(); // positions skipped over, until they arrive
  }
  /** A new connection: what arrives before its ack waits. */
  connecting() {
    this.held = [];
  }
  see(seq) {
    if (this.held !== null) this.held.push(seq);
    else this.apply(seq);
  }
  /** The subscription answered, at `seq`: its catch-up `events` (positions), then what waited. */
  subscribed(seq, events = [], reset = false) {
    const held = this.held ?? [];
    this.held = null;
    if (this.last < 0 || reset) {
      if (reset && this.last >= 0 && seq > this.last) this.gaps += seq - this.last; // history skipped
      this.last = Math.max(this.last, seq);
    } else for (const e of events) this.apply(e);
    this.floor = Math.max(this.floor, seq);
    for (const e of held) this.apply(e);
  }
  apply(seq) {
    if (this.seen !== undefined) {
      if (this.seen.has(seq)) return void this.duplicated++;
      this.seen.add(seq);
      this.events++;
      return;
    }
    if (seq <= this.last) {
      if (this.missing.delete(seq)) {
        // Skipped over earlier and arriving now: delivered, but out of order.
        this.outOfOrder++;
        this.events++;
      } else if (seq <= this.floor) this.overlap++;
      else this.duplicated++;
      return;
    }
    if (this.last >= 0 && seq > this.last + 1) {
      this.gaps += seq - this.last - 1;
      // Remembered so that a late arrival counts as out of order, not as a duplicate (bounded:
      // a gap this large is a lost history, not a reordering).
      if (seq - this.last <= MAX_REMEMBERED_GAP) for (let s = this.last + 1; s < seq; s++) this.missing.add(s);
    }
    this.last = seq;
    this.events++;
  }
}

/**
 * Open one reader. Options:
 *   protocol  "socketio" | "nchan"
 *   host, port, path      where to connect (path: "/socket.io/?EIO=4&transport=websocket" or "/sub/<feed>")
 *   localAddress, localPort   the loopback address (127.0.0.x) and port to connect from
 *   feedId                the feed (Socket.IO subscribe)
 *   probe                 true: parse every event and call onLatency(k, ms)
 *   batchMs               a sink reads at most once per this many ms (0: as frames arrive)
 *   tally                 a Tally, kept across reconnects
 *   stats                 { frames, bytes }, counted into (kept across reconnects too)
 *   resume                { epoch }: set from each subscribe ack, sent with `since` when a reader comes back
 *   onLatency(k, ms)      probes only
 *   onClose()             the connection ended after it was subscribed
 * Resolves with the socket once subscribed (Socket.IO: the ack answered ok; Nchan: the
 * upgrade answered 101); rejects on any failure before that.
 */
export function openReader(o, timeoutMs = 30_000) {
  const stats = o.stats;
  const tally = o.tally;
  const probe = o.probe === true;
  const sio = o.protocol === "socketio";
  tally.connecting();
  return new Promise((resolve, reject) => {
    // With a source address, the source port is named too: a bind() to port 0 makes the kernel
    // search its bound ports for a free one, which slows every connect as thousands are open.
    const from = o.localAddress ? { localAddress: o.localAddress, localPort: o.localPort } : {};
    const socket = net.connect({ host: o.host, port: o.port, ...from });
    socket.setNoDelay(true);
    let upgraded = false;
    let subscribed = false;
    let settled = false;
    let carry = null; // bytes of a frame header (or a probe's frame) that spans chunks
    let skip = 0; // payload bytes of the current frame still to pass over
    const timer = setTimeout(() => fail(new Error("subscribe timed out")), timeoutMs);
    const fail = (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    const ready = () => {
      subscribed = true;
      settled = true;
      clearTimeout(timer);
      resolve(socket);
    };

    /** A whole text frame, or its first PEEK bytes for a sink. */
    const onText = (buf, p, end, len) => {
      if (sio) {
        const t0 = buf[p];
        if (len === 1 && t0 === 0x32) return void socket.write(PONG_3); // "2": ping
        if (t0 === 0x34 && buf[p + 1] === 0x32) {
          // "42": an event (or a notice).
          if (probe) {
            const text = buf.toString("utf8", p + 2, end);
            const [name, payload] = JSON.parse(text);
            if (name !== "feed:event") return;
            tally.see(payload.seq);
            const mark = parseMark(payload.entry?.headline ?? "");
            if (mark) o.onLatency?.(mark.k, now() - mark.at);
            return;
          }
          const at = find(buf, SEQ, p, end);
          if (at >= 0) tally.see(digitsAt(buf, at + SEQ.length, end));
          return;
        }
        // The handshake and the subscribe ack: once per connection, parsed in full.
        const text = buf.toString("utf8", p, end);
        if (text.startsWith("0{")) socket.write(clientFrame("40"));
        else if (text.startsWith("40")) {
          const req = { feedId: o.feedId };
          if (tally.last >= 0 && o.resume) Object.assign(req, { since: tally.last, epoch: o.resume.epoch });
          socket.write(clientFrame(`421${JSON.stringify(["subscribe", req])}`));
        } else if (text.startsWith("431")) {
          const [ack] = JSON.parse(text.slice(3));
          if (!ack?.ok) return fail(new Error(`subscribe refused: ${text.slice(0, 200)}`));
          if (o.resume) o.resume.epoch = ack.epoch;
          tally.subscribed(
            ack.seq,
            (ack.events ?? []).map((e) => e.seq),
            ack.reset === true,
          );
          ready();
        } else if (text.startsWith("44")) fail(new Error(`namespace refused: ${text.slice(0, 200)}`));
        return;
      }
      // Nchan: the message is the published body; its mark gives the position.
      if (probe) {
        const body = JSON.parse(buf.toString("utf8", p, end));
        const mark = parseMark(body.headline ?? "");
        if (!mark) return;
        tally.see(mark.k + 1);
        o.onLatency?.(mark.k, now() - mark.at);
        return;
      }
      const at = find(buf, MARK, p, end);
      if (at >= 0) tally.see(digitsAt(buf, at + MARK.length, end) + 1);
    };

    const onFrames = (chunk) => {
      let buf = carry === null ? chunk : Buffer.concat([carry, chunk]);
      carry = null;
      let i = 0;
      if (skip > 0) {
        const s = Math.min(skip, buf.length);
        skip -= s;
        i = s;
      }
      while (i < buf.length) {
        const avail = buf.length - i;
        if (avail < 2) {
          carry = buf.subarray(i);
          break;
        }
        const b1 = buf[i + 1] & 0x7f;
        let hdr = 2;
        let len = b1;
        if (b1 === 126) {
          if (avail < 4) {
            carry = buf.subarray(i);
            break;
          }
          len = buf.readUInt16BE(i + 2);
          hdr = 4;
        } else if (b1 === 127) {
          if (avail < 10) {
            carry = buf.subarray(i);
            break;
          }
          len = Number(buf.readBigUInt64BE(i + 2));
          hdr = 10;
        }
        const opcode = buf[i] & 0x0f;
        // A probe, a control frame or a handshake-time frame needs the whole payload; a sink's
        // event needs only its first PEEK bytes.
        const need = probe || !subscribed || opcode >= 0x8 || len <= PEEK ? len : PEEK;
        if (avail - hdr < need) {
          carry = buf.subarray(i);
          break;
        }
        const p = i + hdr;
        stats.frames++;
        stats.bytes += hdr + len;
        if (opcode === 0x1) onText(buf, p, p + need, len);
        else if (opcode === 0x9)
          socket.write(Buffer.concat([Buffer.from([0x8a, 0x80 | len]), Buffer.alloc(4), buf.subarray(p, p + len)]));
        else if (opcode === 0x8) socket.end();
        if (avail - hdr >= len) i = p + len;
        else {
          skip = len - (avail - hdr);
          i = buf.length;
        }
      }
    };

    let head = null;
    socket.on("data", (chunk) => {
      if (upgraded) {
        onFrames(chunk);
        // A sink that batches stops reading until the next round: what arrives meanwhile waits
        // in the kernel's receive buffer and comes in one read.
        if (subscribed && !probe && o.batchMs > 0) pauseUntilNextRound(socket, o.batchMs);
        return;
      }
      head = head === null ? chunk : Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      const status = head.toString("latin1", 0, head.indexOf("\r\n"));
      if (!/ 101 /.test(status)) return fail(new Error(`upgrade refused: ${status}`));
      upgraded = true;
      const rest = head.subarray(end + 4);
      head = null;
      if (!sio) {
        tally.subscribed(Math.max(0, tally.last));
        ready();
      }
      if (rest.length > 0) onFrames(rest);
    });
    socket.on("connect", () => {
      socket.write(
        `GET ${o.path} HTTP/1.1\r\nHost: ${o.host}:${o.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    socket.on("error", (err) => fail(err));
    socket.on("close", () => {
      if (subscribed) o.onClose?.();
      else fail(new Error("closed before subscribing"));
    });
  });
}
