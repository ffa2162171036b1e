import { Buffer } from "node:buffer";
import { Adapter } from "socket.io-adapter";

interface FrameOptions {
  wsPreEncodedFrame?: unknown;
}
interface EncodeHook {
  _encode: (this: unknown, packet: unknown, opts: FrameOptions) => unknown;
}

/**
 * The in-memory adapter encodes a broadcast once and pre-builds its WebSocket frame as
 * `[header, payload]`; ws then sends those two buffers to every socket with cork + writev.
 * Merging them into one buffer, once per broadcast, turns each per-socket send into a single
 * plain write. Same bytes on the wire; measured in `npm run bench` (see the README's Benchmark).
 */
export class OneFrameAdapter extends Adapter {}

// `_encode` is private in the adapter's typings, so it is wrapped on the prototype rather than
// overridden in the class body. Only sockets of a server created with this adapter are affected.
const proto = OneFrameAdapter.prototype as unknown as EncodeHook;
const encode = proto._encode;
proto._encode = function (this: unknown, packet: unknown, opts: FrameOptions): unknown {
  const encoded = encode.call(this, packet, opts);
  const frame = opts.wsPreEncodedFrame;
  if (Array.isArray(frame) && frame.length === 2 && frame.every((b) => Buffer.isBuffer(b))) {
    opts.wsPreEncodedFrame = [Buffer.concat(frame)];
  }
  return encoded;
};
