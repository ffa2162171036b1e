import { performance } from "node:perf_hooks";

/** What to do about readers that take their events slower than the feed produces them. */
export interface SlowReaderPolicy {
  /** Most bytes that may wait on this node for one reader (MAX_READER_BACKLOG_BYTES). */
  maxBacklogBytes: number;
  /**
   * How long a reader may stay above `maxBacklogBytes` before it is cut off
   * (READER_BACKLOG_GRACE_MS). A resumed reader's catch-up can be far larger than the cap, and
   * a reader that is reading drains it in time; one that stopped reading does not.
   */
  graceMs: number;
  /** Told of every reader cut off, once it was. */
  onCut?: (cut: { transport: string; backlogBytes: number }) => void;
}

/** What tells that a reader's buffer emptied: its socket, its response, its engine.io socket. */
interface Drains {
  once(event: "drain", listener: () => void): unknown;
}

/**
 * Remembers since when each reader has been above the cap, until its buffer drains. Only readers
 * above the cap are ever remembered, and weakly, so a reader that leaves leaves nothing behind.
 */
export class BacklogWatch {
  private readonly overSince = new WeakMap<object, number>();

  constructor(readonly policy: SlowReaderPolicy) {}

  /** True when `reader`, with `backlog` bytes waiting, has been above the cap for too long. */
  tooFarBehind(reader: object, backlog: number, drains: Drains): boolean {
    if (backlog <= this.policy.maxBacklogBytes) return false;
    const since = this.overSince.get(reader);
    const now = performance.now();
    if (since !== undefined) return now - since >= this.policy.graceMs;
    if (this.policy.graceMs === 0) return true;
    this.overSince.set(reader, now);
    drains.once("drain", () => this.overSince.delete(reader));
    return false;
  }
}
