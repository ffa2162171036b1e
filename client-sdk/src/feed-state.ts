import type { Entry, Feed, FeedEvent } from "@liveline/protocol";

export type ApplyOutcome = { applied: FeedEvent[]; gap: boolean };

/**
 * A feed's state on the client: entries by id and the last applied seq. Events are applied
 * strictly in seq order, each once: an old seq is dropped, an early one waits in a buffer
 * until the missing ones arrive. Applying is an upsert, so a snapshot that already contains
 * a change and the event for it agree.
 */
export class FeedState {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<number, FeedEvent>();
  private sorted: Entry[] | undefined;
  /** Last applied seq; undefined until the first subscribe answer. */
  seq: number | undefined;
  feed: Feed | undefined;

  /** Replace everything with a snapshot (first subscribe, or `reset`). */
  reset(feed: Feed, seq: number, entries: Entry[]): FeedEvent[] {
    this.entries.clear();
    for (const e of entries) this.entries.set(e.id, e);
    this.feed = feed;
    this.seq = seq;
    this.sorted = undefined;
    return this.drain();
  }

  /** Accept one event from any source; returns what got applied, in order. */
  offer(event: FeedEvent): ApplyOutcome {
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
