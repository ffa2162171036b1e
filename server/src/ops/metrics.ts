import type { Response } from "express";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { FeedEvent, OperationId } from "@liveline/protocol";

/** Feeds named in `liveline_feed_subscribers`; the rest are summed under `feed="_other"`. */
export const TOP_FEEDS = 10;

export interface ServerGauges {
  /** Socket.IO connections open on this node. */
  sockets: () => number;
  /** SSE streams open on this node. */
  sseStreams: () => number;
  /** Readers (sockets + SSE streams) per feed on this node. */
  subscribers: () => Map<string, number>;
  /** Catch-up lookups readers asked for, and the Redis reads made for them (coalesced). */
  catchUps: () => { asked: number; read: number };
}

/** The editor writes counted, by operation, under their `op` label (a bounded label set). */
const WRITE_OPS: Partial<Record<OperationId, string>> = {
  createFeed: "feed.create",
  updateFeed: "feed.update",
  publishEntry: "publish",
  updateEntry: "update",
  retractEntry: "delete",
};

/**
 * The server's metrics. Handlers call the thin hooks (`observeOperation`, `observeEmit`);
 * gauges are read at scrape time from the functions given to `bindGauges`.
 */
export class ServerMetrics {
  private readonly writes: Counter<"op" | "outcome" | "code">;
  private readonly emitLatency: Histogram;
  private readonly cutReaders: Counter<"transport">;

  constructor(readonly registry: Registry) {
    this.writes = new Counter({
      name: "liveline_publishes_total",
      help: "Editor writes (publish, edit, retract, feed changes) by outcome and error code",
      labelNames: ["op", "outcome", "code"] as const,
      registers: [registry],
    });
    this.emitLatency = new Histogram({
      name: "liveline_publish_to_emit_seconds",
      help: "From the API accepting a change (the event's `at`) to this node emitting it to readers",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    this.cutReaders = new Counter({
      name: "liveline_slow_readers_cut_total",
      help: "Readers disconnected for having more than MAX_READER_BACKLOG_BYTES waiting, by transport",
      labelNames: ["transport"] as const,
      registers: [registry],
    });
  }

  bindGauges(g: ServerGauges): void {
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(read());
        },
      });
    gauge("liveline_connected_sockets", "Socket.IO connections open on this node", g.sockets);
    gauge("liveline_sse_streams", "Server-Sent Events streams open on this node", g.sseStreams);
    const total = (name: string, help: string, read: () => number) =>
      new Counter({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    total(
      "liveline_catchup_requests_total",
      "Catch-ups (resume or snapshot) readers asked this node for",
      () => g.catchUps().asked,
    );
    total(
      "liveline_catchup_reads_total",
      "Redis reads made for those catch-ups: concurrent readers at the same position share one",
      () => g.catchUps().read,
    );
    gauge("liveline_watched_feeds", "Feeds with at least one reader on this node", () => g.subscribers().size);
    new Gauge({
      name: "liveline_feed_subscribers",
      help: `Readers per feed on this node: the ${TOP_FEEDS} busiest feeds by name, the rest summed as feed="_other"`,
      labelNames: ["feed"] as const,
      registers: [this.registry],
      collect() {
        // Reset first: a feed that left the top K must not linger as a stale series.
        this.reset();
        const sorted = [...g.subscribers()].sort((a, b) => b[1] - a[1]);
        for (const [feed, n] of sorted.slice(0, TOP_FEEDS)) this.set({ feed }, n);
        this.set(
          { feed: "_other" },
          sorted.slice(TOP_FEEDS).reduce((sum, [, n]) => sum + n, 0),
        );
      },
    });
  }

  /**
   * Counts an editor write when its answer is sent: called by the router as an operation's
   * request starts, before anything can refuse it (operationRouter's `observe`).
   */
  observeOperation(operation: OperationId, res: Response): void {
    const op = WRITE_OPS[operation];
    if (op === undefined) return;
    res.once("finish", () => {
      const ok = res.statusCode < 400;
      const code = ok ? "none" : String(res.locals.errorCode ?? res.statusCode);
      this.writes.inc({ op, outcome: ok ? "accepted" : "rejected", code });
    });
  }

  readerCut(transport: string): void {
    this.cutReaders.inc({ transport });
  }

  observeEmit(event: FeedEvent, now = Date.now()): void {
    const at = Date.parse(event.at);
    if (Number.isFinite(at)) this.emitLatency.observe(Math.max(0, now - at) / 1000);
  }
}
