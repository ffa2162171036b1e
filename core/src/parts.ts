import type { Logger } from "./logger.js";

/**
 * One thing a process holds (a Redis connection set, a queue, a listener, a timer): how it
 * starts, whether it can do its work now, and how it lets go. A process is a list of parts.
 */
export interface Part {
  /** Names the part in the shutdown log and, for a part with `ready`, its field in `/readyz`. */
  readonly name: string;
  /** Bring the part up; the next part starts only once this has resolved. */
  start?(): Promise<void> | void;
  /** Whether the part can do its work now; `/readyz` is ready when every part says so. */
  ready?(): Promise<boolean> | boolean;
  /** What `/readyz` shows for this part when it is not ready. @default "unavailable" */
  readonly notReady?: string;
  /** Let go of what the part holds. Called once, after every part started later has closed. */
  close(): Promise<void> | void;
}

/** What `/readyz` answers: 200 with `ready`, else 503; the body names each part's state. */
export interface ReadinessReport {
  readonly ready: boolean;
  readonly body: Readonly<Record<string, string>>;
}

/**
 * A running process: its parts in the order they started. Readiness is every part's `ready`
 * (and not draining); `close` closes the parts in reverse order, each once, logging a failure
 * and going on with the rest, so that what a part depends on outlives it.
 */
export class Parts {
  private readonly started: Part[] = [];
  private draining = false;
  private closing: Promise<void> | undefined;

  /**
   * `closeLimitMs`: how long one part's close may take before the rest are closed without it (a
   * close that never settles, such as a connection waiting on a Redis that came back, would
   * otherwise hold every part after it; it is logged with the part's name).
   */
  constructor(
    private readonly logger: Logger,
    private readonly closeLimitMs = 15_000,
  ) {}

  /** Start `part` after those already added; it will close before them. Returns the part. */
  async add<P extends Part>(part: P): Promise<P> {
    if (this.closing !== undefined) throw new Error(`cannot start ${part.name}: the process is closing`);
    // A part whose start fails may hold what it opened before failing: it is closed with the rest.
    this.started.push(part);
    await part.start?.();
    return part;
  }

  /** From now on `/readyz` answers 503 ("draining"), so load balancers stop sending new work. */
  drain(): void {
    this.draining = true;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** Every part's readiness, asked at once; a check that throws counts as not ready. */
  async readiness(): Promise<ReadinessReport> {
    if (this.draining) return { ready: false, body: { status: "draining" } };
    const checked = this.started.flatMap((part) => (part.ready === undefined ? [] : [part]));
    const answers = await Promise.all(
      checked.map(async (part) => {
        try {
          return (await part.ready?.()) === true;
        } catch {
          return false;
        }
      }),
    );
    const ready = answers.every(Boolean);
    const body: Record<string, string> = { status: ready ? "ready" : "unavailable" };
    checked.forEach((part, i) => {
      body[part.name] = answers[i] === true ? "ok" : (part.notReady ?? "unavailable");
    });
    return { ready, body };
  }

  /** Drain, then close every started part in reverse order; the same promise on every call. */
  close(): Promise<void> {
    this.draining = true;
    this.closing ??= (async () => {
      const closed: string[] = [];
      for (const part of [...this.started].reverse()) {
        this.logger.info({ step: part.name }, "closing");
        let timer: NodeJS.Timeout | undefined;
        const limit = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`not closed after ${this.closeLimitMs} ms`)), this.closeLimitMs);
        });
        try {
          await Promise.race([part.close(), limit]);
          closed.push(part.name);
        } catch (err) {
          this.logger.error({ step: part.name, err: (err as Error).message }, "closing failed; closing the rest");
        } finally {
          clearTimeout(timer);
        }
      }
      // One line with the whole order: lines logged just before an exit may reach the log out of
      // order (pino writes asynchronously), a single line cannot.
      this.logger.info({ closed }, "closed");
    })();
    return this.closing;
  }
}

/**
 * Start a process: `build` adds its parts in order and returns the handle it hands out. If
 * anything fails on the way, the parts already added are closed (in reverse) before the error
 * is passed on, so a process that cannot start leaves no connection or timer behind.
 */
export async function startParts<T>(logger: Logger, build: (parts: Parts) => Promise<T>): Promise<T> {
  const parts = new Parts(logger);
  try {
    return await build(parts);
  } catch (err) {
    await parts.close();
    throw err;
  }
}
