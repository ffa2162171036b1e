import type { Entry, Feed, FeedEvent } from "@liveline/protocol";

/** `epochChanged`: the event belongs to another log epoch than the state (history was lost): start over. */
/** Most events of a newer epoch kept while the reset to it is under way. */
const MAX_OTHER_EPOCH = 1000;

export type ApplyOutcome = { applied: FeedEvent[]; gap: boolean; epochChanged?: true };

/**
 * A feed's state on the client: entries by id and the last applied seq. Events are applied
 * strictly in seq order, each once: an old seq is dropped, an early one waits in a buffer
 * until the missing ones arrive. Applying is an upsert, so a snapshot that already contains
 * a change and the event for it agree.
 *
 * Seqs count within one log epoch. An event of another epoch is never applied to this state: it
 * is kept until a snapshot of its epoch replaces the state (`reset`), then applied if newer.
 */
export class FeedState {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<number, FeedEvent>();
  /** Events of another epoch than `epoch`, by seq: the next history, until a reset moves to it. */
  private readonly otherEpoch = new Map<number, FeedEvent>();
  private sorted: Entry[] | undefined;
  /** Last applied seq; undefined until the first subscribe answer. */
  seq: number | undefined;
  /** The log epoch `seq` belongs to; undefined until an answer named one (servers before epochs). */
  epoch: string | undefined;
  feed: Feed | undefined;

  /** Replace everything with a snapshot of `epoch` (first subscribe, or `reset`). */
  reset(feed: Feed, seq: number, entries: Entry[], epoch?: string): FeedEvent[] {
    this.entries.clear();
    for (const e of entries) this.entries.set(e.id, e);
    this.feed = feed;
    this.seq = seq;
    this.sorted = undefined;
    if (epoch !== undefined && epoch !== this.epoch) {
      // Waiting events of the old epoch are history that is gone; those of the new one apply.
      const waiting = [...this.pending.values(), ...this.otherEpoch.values()];
      this.pending.clear();
      for (const e of waiting) if (e.epoch === undefined || e.epoch === epoch) this.pending.set(e.seq, e);
      this.epoch = epoch;
    }
    this.otherEpoch.clear();
    return this.drain();
  }

  /** Accept one event from any source; returns what got applied, in order. */
  offer(event: FeedEvent): ApplyOutcome {
    if (event.epoch !== undefined && this.epoch !== undefined && event.epoch !== this.epoch) {
      // Bounded: a reader that cannot resubscribe meanwhile fills the rest as a gap later.
      if (this.otherEpoch.size < MAX_OTHER_EPOCH) this.otherEpoch.set(event.seq, event);
      return { applied: [], gap: false, epochChanged: true };
    }
    if (this.seq === undefined) {
      this.pending.set(event.seq, event);
      return { applied: [], gap: false };
    }
    if (event.seq <= this.seq) return { applied: [], gap: false };
    this.pending.set(event.seq, event);
    const applied = this.drain();
    return { applied, gap: this.pending.size > 0 };
  }

  /** Events with seq after `seq` that wait for an earlier one. */
  get waiting(): number {
    return this.pending.size;
  }

  list(): Entry[] {
    this.sorted ??= [...this.entries.values()].sort(newestFirst);
    return this.sorted;
  }

  get(entryId: string): Entry | undefined {
    return this.entries.get(entryId);
  }

  private drain(): FeedEvent[] {
    const applied: FeedEvent[] = [];
    if (this.seq === undefined) return applied;
    for (const s of this.pending.keys()) if (s <= this.seq) this.pending.delete(s);
    for (let next = this.pending.get(this.seq + 1); next; next = this.pending.get(this.seq + 1)) {
      this.pending.delete(next.seq);
      this.applyOne(next);
      applied.push(next);
    }
    return applied;
  }

  private applyOne(event: FeedEvent): void {
    this.seq = event.seq;
    this.sorted = undefined;
    switch (event.type) {
      case "entry.published":
      case "entry.updated":
        this.entries.set(event.entry.id, event.entry);
        break;
      case "entry.deleted":
        this.entries.delete(event.entryId);
        break;
      case "feed.updated":
        this.feed = event.feed;
        break;
    }
    if (this.feed) this.feed = { ...this.feed, seq: event.seq };
  }
}

function newestFirst(a: Entry, b: Entry): number {
  if (a.publishedAt !== b.publishedAt) return a.publishedAt < b.publishedAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}
