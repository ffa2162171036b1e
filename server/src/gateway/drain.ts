import type { LivelineIo } from "./gateway.js";

/** How many groups a drain splits a node's readers into. */
const DRAIN_BATCHES = 10;

/**
 * Graceful shutdown of a server node's readers. Once draining, the node refuses new Socket.IO
 * connections (the SDK moves on to its next URL), and disconnects the sockets it holds in
 * batches spread over `spreadMs`, in random order: after a deploy, readers come back to the
 * other nodes over a few seconds instead of in one reconnect storm. A disconnected reader
 * resumes from its last seq elsewhere, so nothing is lost in between.
 */
export class SocketDrainer {
  private draining = false;

  constructor(private readonly io: LivelineIo) {
    io.use((_socket, next) => {
      if (this.draining) next(new Error("draining: this node is shutting down, connect to another one"));
      else next();
    });
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** Refuse new connections, then disconnect every socket; resolves when all are gone. */
  async drain(spreadMs: number): Promise<number> {
    this.draining = true;
    const sockets = shuffle([...this.io.of("/").sockets.values()]);
    if (sockets.length === 0) return 0;
    const size = Math.ceil(sockets.length / DRAIN_BATCHES);
    const step = spreadMs / DRAIN_BATCHES;
    for (let i = 0; i < sockets.length; i += size) {
      if (i > 0 && step > 0) await new Promise((r) => setTimeout(r, step));
      // `true` closes the underlying connection: the client sees "io server disconnect".
      for (const s of sockets.slice(i, i + size)) s.disconnect(true);
    }
    return sockets.length;
  }
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    const a = items[i];
    const b = items[j];
    if (a === undefined || b === undefined) continue;
    items[i] = b;
    items[j] = a;
  }
  return items;
}
