interface InFlight<T> {
  /** Settles (never rejects) when the running read is over. */
  readonly over: Promise<void>;
  /** The read that callers arriving meanwhile share; it starts when the running one is over. */
  next: Promise<T> | undefined;
}

/**
 * At most one `read(key)` in flight per key. A caller that arrives while a read is running
 * shares the *next* read, which starts after the running one is over, so every caller gets a
 * result read after it asked: a reader that joined its feed's room and then asks for the
 * snapshot cannot be answered with one taken before it joined. When thousands of readers
 * subscribe to one feed at once, the Redis reads drop from one per reader to two per round.
 * The worker applies feeds the same way: a drain job that finds a feed being applied shares the
 * apply that starts after it, which reads every change accepted before the job asked.
 */
export class CoalescedReads<T> {
  private readonly inFlight = new Map<string, InFlight<T>>();
  /** The latest result per key, for callers that can tell it is still good for them (`reusable`). */
  private readonly latest = new Map<string, T>();
  /** Callers answered so far, and the reads made for them: their ratio is what coalescing saves. */
  readonly counts = { asked: 0, read: 0 };

  /**
   * `keep`: how many keys' latest results to hold for `reusable` callers, the least recently read
   * going first (0: none, for reads no caller reuses). Each is held until evicted, so keep it to
   * what a burst needs: a storm resumes thousands of readers from a handful of positions.
   */
  constructor(
    private readonly read: (key: string) => Promise<T>,
    private readonly keep = 0,
  ) {}

  /**
   * The result of a read that started after this call, shared with the callers around it, or,
   * when `reusable` says the key's latest result is still good for this caller, that one with no
   * read at all (a reconnect storm spreads thousands of resumes from one position over seconds).
   */
  get(key: string, reusable?: (latest: T) => boolean): Promise<T> {
    this.counts.asked++;
    if (reusable !== undefined) {
      const latest = this.latest.get(key);
      if (latest !== undefined && reusable(latest)) return Promise.resolve(latest);
    }
    const running = this.inFlight.get(key);
    if (running === undefined) return this.launch(key);
    running.next ??= running.over.then(() => this.launch(key));
    return running.next;
  }

  /** Whether a read of the key is in flight (a caller now would share the next one). */
  running(key: string): boolean {
    return this.inFlight.has(key);
  }

  private launch(key: string): Promise<T> {
    this.counts.read++;
    const result = this.read(key).then((value) => {
      if (this.keep > 0) {
        this.latest.delete(key); // re-inserted last: the map's order is oldest first
        this.latest.set(key, value);
        if (this.latest.size > this.keep) this.latest.delete(this.latest.keys().next().value as string);
      }
      return value;
    });
    const state: InFlight<T> = {
      over: result.then(
        () => undefined,
        () => undefined,
      ),
      next: undefined,
    };
    this.inFlight.set(key, state);
    // Registered before any `next`, so the entry is cleared before the next read replaces it.
    void state.over.then(() => {
      if (this.inFlight.get(key) === state) this.inFlight.delete(key);
    });
    return result;
  }
}
