// The baseline: a bare Socket.IO 4.8 server in one process that broadcasts straight from its
// HTTP POST handler to a room. No queue, no Redis, no validation library, no SDK: the floor
// that Liveline's pipeline adds to. It speaks just enough of Liveline's API and protocol for
// the same load generator (and the SDK sample) to drive it unchanged.
//
// With QUEUE_REDIS_URL it is the queue floor instead (bench/queue-floor.mjs): the least a publish
// can do with Redis and a BullMQ queue between the API and a worker, as the product card has it.
// The POST stores the entry under the feed's next ticket (one Lua script) and adds a BullMQ job
// before its 202; bench/queue-floor-worker.mjs runs the job (one Lua script: the event with the
// next seq, in the feed's log, published on the feed's channel); this process relays what is
// published to the feed's room.
import { createServer } from "node:http";
import { Buffer } from "node:buffer";
import { randomUUID } from "node:crypto";
import { Server } from "socket.io";
import { Queue } from "bullmq";
import { Redis } from "ioredis";

const port = Number(process.env.PORT ?? 0);
const host = process.env.HOST ?? "127.0.0.1";
const feeds = new Map(); // feedId → { feed, seq }

function feedOf(id) {
  let f = feeds.get(id);
  if (!f) {
    const now = new Date().toISOString();
    f = { id, title: id, status: "live", seq: 0, createdAt: now, updatedAt: now };
    feeds.set(id, f);
  }
  return f;
}

function reply(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

const http = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/healthz") return reply(res, 200, { ok: true });
  // A feed and its seq, as Liveline's GET /v1/feeds/:id: the write bench reads what was applied.
  const feed = /^\/v1\/feeds\/([a-z0-9-]+)$/.exec(req.url ?? "");
  if (req.method === "GET" && feed) return reply(res, 200, feedOf(feed[1]));
  if (req.method !== "POST") return reply(res, 404, { error: { code: "route_not_found", message: "no route" } });
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    let input;
    try {
      input = JSON.parse(Buffer.concat(chunks).toString());
    } catch {
      return reply(res, 400, { error: { code: "invalid_json", message: "bad JSON" } });
    }
    if (req.url === "/v1/feeds") return reply(res, 201, feedOf(String(input.id)));
    const m = /^\/v1\/feeds\/([a-z0-9-]+)\/entries$/.exec(req.url ?? "");
    if (!m) return reply(res, 404, { error: { code: "route_not_found", message: "no route" } });
    const f = feedOf(m[1]);
    const now = new Date().toISOString();
    const entry = {
      id: randomUUID(),
      feedId: f.id,
      revision: 1,
      headline: input.headline,
      body: input.body,
      pinned: false,
      keyEvent: false,
      breaking: false,
      publishedAt: now,
      updatedAt: now,
    };
    if (queued !== undefined) {
      queued.publish(f.id, entry).then(
        () => reply(res, 202, { entryId: entry.id, status: "queued" }),
        (err) => reply(res, 503, { error: { code: "unavailable", message: err.message } }),
      );
      return;
    }
    f.seq += 1;
    io.to(`feed:${f.id}`).emit("feed:event", { feedId: f.id, seq: f.seq, type: "entry.published", at: now, entry });
    reply(res, 202, { entryId: entry.id, status: "queued" });
  });
});

// The same engine options Liveline's gateway uses, so the comparison is like for like.
const io = new Server(http, {
  serveClient: false,
  maxHttpBufferSize: 16 * 1024,
  perMessageDeflate: false,
  pingInterval: 25_000,
  pingTimeout: 20_000,
});

/** The queue floor's write and relay (QUEUE_REDIS_URL), or undefined for the bare baseline. */
const queued = process.env.QUEUE_REDIS_URL === undefined ? undefined : queueFloor(process.env.QUEUE_REDIS_URL);

function queueFloor(url) {
  const redis = new Redis(url, { enableAutoPipelining: true });
  const subscriber = new Redis(url);
  const queue = new Queue("floor", { connection: { url }, defaultJobOptions: { removeOnComplete: true } });
  redis.defineCommand("accept", {
    numberOfKeys: 2,
    lua: "local t = redis.call('HINCRBY', KEYS[1], 'ticket', 1) redis.call('HSET', KEYS[2], t, ARGV[1]) return t",
  });
  void subscriber.psubscribe("floor:*:events");
  subscriber.on("pmessage", (_pattern, _channel, message) => {
    const event = JSON.parse(message);
    io.to(`feed:${event.feedId}`).emit("feed:event", event);
  });
  return {
    async publish(feedId, entry) {
      const ticket = await redis.accept(`floor:{${feedId}}:meta`, `floor:{${feedId}}:pending`, JSON.stringify(entry));
      await queue.add("apply", { feedId, ticket });
    },
  };
}

io.on("connection", (socket) => {
  socket.on("subscribe", (payload, ack) => {
    if (typeof ack !== "function") return;
    const f = feedOf(String(payload?.feedId));
    void socket.join(`feed:${f.id}`);
    ack({ ok: true, feed: f, seq: f.seq, entries: [], reset: true });
  });
});

http.listen(port, host, () => {
  const address = http.address();
  process.stdout.write(`${JSON.stringify({ msg: "baseline started", url: `http://${host}:${address.port}` })}\n`);
});
process.on("SIGTERM", () => process.exit(0));
