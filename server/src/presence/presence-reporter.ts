import type { Logger } from "@liveline/core";
import type { ReaderCount } from "./reader-counts.js";
import type { PresenceStore } from "./presence-store.js";

export interface PresenceReporterOptions {
  store: PresenceStore;
  /** This node's id (one per process), the member it holds in the set of live nodes. */
  nodeId: string;
  /** The node's readers per feed, the same count its metrics read. */
  count: () => ReadonlyMap<string, ReaderCount>;
  /** PRESENCE_INTERVAL_MS. */
  intervalMs: number;
  logger: Logger;
}

/**
 * Writes this node's reader counts to Redis every `intervalMs`, so that `/stats` on any node can
 * sum every node's readers. The report expires after 3 intervals: a node that dies (SIGKILL, lost
 * network) drops out of the sums within that, and one that misses a single beat (a slow Redis
 * round trip, a GC pause) does not flicker out.
 */
export class PresenceReporter {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private failing = false;

  constructor(private readonly o: PresenceReporterOptions) {}

  /** How long a report lives: the staleness bound of a dead node in `/stats`. */
  static ttlMs(intervalMs: number): number {
    return 3 * intervalMs;
  }

  start(): void {
    if (this.timer) return;
    this.tick();
    this.timer = setInterval(() => this.tick(), this.o.intervalMs);
    this.timer.unref();
  }

  /** Stop reporting and take this node's readers out now (a clean shutdown). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await this.o.store.withdraw(this.o.nodeId).catch((err: unknown) => {
      this.o.logger.warn({ err }, "presence: could not withdraw this node's report; it expires by itself");
    });
  }

  private tick(): void {
    // A report still on its way (Redis slow or away) is not overtaken by the next one.
    if (this.running) return;
    this.running = this.o.store
      .report(this.o.nodeId, this.o.count())
      .then(
        () => {
          if (this.failing) this.o.logger.info("presence: reporting readers again");
          this.failing = false;
        },
        (err: unknown) => {
          // Logged once per outage, not every interval; readiness and metrics tell the rest.
          if (!this.failing) this.o.logger.warn({ err }, "presence: could not report this node's readers");
          this.failing = true;
        },
      )
      .finally(() => {
        this.running = undefined;
      });
  }
}
