// The floor under a publish's HTTP cost: the least a Node server can do for one and still be a
// publish that is durable before its answer. It reads the JSON body, runs one Lua script on Redis
// (the feed's ticket and the change stored under it, as Liveline's accept does), and answers 202.
//
//   FLOOR=http     node:http only, as bench/baseline-server.mjs is
//   FLOOR=express  Express 5 with express.json() and one route (no ETag, no x-powered-by)
//   FLOOR=logged   FLOOR=express and one pino line per request, as Liveline writes
//
// Started by bench/http-floor.mjs with PORT and REDIS_URL; prints "ready" when listening.
import { createServer } from "node:http";
import { Buffer } from "node:buffer";
import express from "express";
import { Redis } from "ioredis";
import { pino } from "pino";

const floor = process.env.FLOOR ?? "express";
const redis = new Redis(process.env.REDIS_URL, { enableAutoPipelining: true });
const log = pino({ redact: ["req.headers.authorization"] });
redis.defineCommand("accept", {
  numberOfKeys: 2,
  lua: "local t = redis.call('HINCRBY', KEYS[1], 'ticket', 1) redis.call('HSET', KEYS[2], t, ARGV[1]) return t",
});
const accept = (feed, change) => redis.accept(`{${feed}}:feed`, `{${feed}}:pending`, JSON.stringify(change));
const answerOf = (ticket) => ({ id: String(ticket), status: "accepted" });

function listening(server) {
  server.listen(Number(process.env.PORT), "127.0.0.1", () => console.log("ready"));
}

if (floor === "http") {
  listening(
    createServer((req, res) => {
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", async () => {
        const feed = req.url.split("/")[3];
        const text = JSON.stringify(answerOf(await accept(feed, JSON.parse(Buffer.concat(chunks).toString()))));
        res.writeHead(202, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
        res.end(text);
      });
    }),
  );
} else {
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  app.use(express.json({ limit: "256kb" }));
  app.post("/v1/feeds/:feed/entries", async (req, res) => {
    const started = Date.now();
    const ticket = await accept(req.params.feed, req.body);
    if (floor === "logged") {
      res.once("finish", () =>
        log.info(
          {
            req: {
              method: req.method,
              url: req.originalUrl,
              headers: req.headers,
              remoteAddress: req.socket.remoteAddress,
            },
            res: { statusCode: res.statusCode },
            responseTime: Date.now() - started,
          },
          "request completed",
        ),
      );
    }
    res.status(202).json(answerOf(ticket));
  });
  listening(createServer(app));
}
