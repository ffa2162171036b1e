import type { FeedEvent } from "@liveline/protocol";

/** What a transport does with one event the relay handed it for one reader. */
export type CursorVerdict =
  /** The next seq: write it. */
  | "write"
  /** The catch-up is not written yet: kept, and handed back by `caughtUp`. */
  | "held"
  /** At or below what the reader was already sent (the catch-up and the relay overlap): skip it. */
  | "skip"
  /** Past the next seq: the relay skipped events its log no longer had; the reader must start over. */
  | "gap"
  /** Of another log epoch than the reader's: history was lost; the reader must start over. */
  | "epoch";

/**
 * Where the catch-up and the relay's events meet, for a transport that writes to each reader
 * itself (SSE; a long-polling transport would too). A reader is put on the relay's deliveries
 * before its catch-up is read, so that nothing published meanwhile is missed: events handed
 * over before the catch-up is written wait here, and those the catch-up already carried are
 * skipped. The relay hands events in seq order without holes, so this only ever compares seqs;
 * it never reads the store. (Socket.IO readers are sent a room's broadcast, the same frame to
 * all of them; their SDK skips the overlap by seq, as the protocol requires of it.)
 */
export class ReaderCursor {
  /** The last seq written to the reader; undefined until its catch-up is. */
  private last: number | undefined;
  /** The log epoch `last` belongs to, when the catch-up named one. */
  private epoch: string | undefined;
  private held: FeedEvent[] = [];

  offer(event: FeedEvent): CursorVerdict {
    if (this.last === undefined) {
      this.held.push(event);
      return "held";
    }
    if (event.epoch !== undefined && this.epoch !== undefined && event.epoch !== this.epoch) return "epoch";
    if (event.seq <= this.last) return "skip";
    if (event.seq > this.last + 1) return "gap";
    this.last = event.seq;
    return "write";
  }

  /** The catch-up was written, up to `seq` of `epoch`: the events held meanwhile, to `offer` again. */
  caughtUp(seq: number, epoch?: string): FeedEvent[] {
    this.last = seq;
    this.epoch = epoch;
    const held = this.held;
    this.held = [];
    return held;
  }
}
