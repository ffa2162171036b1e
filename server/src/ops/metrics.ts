import type { RequestHandler } from "express";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { FeedEvent } from "@liveline/protocol";

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

/** What a write request was, from its method and path (a bounded label set). */
function writeOp(method: string, path: string): string | undefined {
  if (!path.startsWith("/v1/feeds")) return undefined;
  const parts = path.split("/").filter((p) => p.length > 0); // v1, feeds, :feedId, entries, :entryId
  if (method === "POST" && parts.length === 2) return "feed.create";
  if (method === "PATCH" && parts.length === 3) return "feed.update";
  if (parts[3] !== "entries") return undefined;
  if (method === "POST" && parts.length === 4) return "publish";
  if (method === "PATCH" && parts.length === 5) return "update";
  if (method === "DELETE" && parts.length === 5) return "delete";
  return undefined;
}

/**
 * The server's metrics. Handlers call the thin hooks (`writes` middleware, `observeEmit`);
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

  /** Counts every editor write when its response is sent. */
  writesMiddleware(): RequestHandler {
    return (req, res, next) => {
      const op = writeOp(req.method, req.path);
      if (op !== undefined) {
        res.once("finish", () => {
          const ok = res.statusCode < 400;
          const code = ok ? "none" : String(res.locals.errorCode ?? res.statusCode);
          this.writes.inc({ op, outcome: ok ? "accepted" : "rejected", code });
        });
      }
      next();
    };
  }

  readerCut(transport: string): void {
    this.cutReaders.inc({ transport });
  }

  observeEmit(event: FeedEvent, now = Date.now()): void {
    const at = Date.parse(event.at);
    if (Number.isFinite(at)) this.emitLatency.observe(Math.max(0, now - at) / 1000);
  }
}
