// The queue floor's worker (bench/queue-floor.mjs): a BullMQ worker whose job is one Lua script,
// taking the change stored under the job's ticket, giving it the feed's next seq, keeping the event
// in the feed's log and publishing it on the feed's channel. Started with QUEUE_REDIS_URL and
// CONCURRENCY (BullMQ's; 8 as Liveline's worker by default); prints "ready" once it runs.
import { Worker } from "bullmq";
import { Redis } from "ioredis";

const url = process.env.QUEUE_REDIS_URL;
const redis = new Redis(url);
redis.defineCommand("apply", {
  numberOfKeys: 4,
  lua: `local entry = redis.call('HGET', KEYS[2], ARGV[2])
if not entry then return 0 end
redis.call('HDEL', KEYS[2], ARGV[2])
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local event = '{"feedId":' .. cjson.encode(ARGV[1]) .. ',"seq":' .. seq .. ',"type":"entry.published","at":' ..
  cjson.encode(ARGV[3]) .. ',"entry":' .. entry .. '}'
redis.call('ZADD', KEYS[3], seq, event)
redis.call('PUBLISH', KEYS[4], event)
return seq`,
});
const worker = new Worker(
  "floor",
  async (job) => {
    const { feedId, ticket } = job.data;
    const keys = ["meta", "pending", "log", "events"].map((k) => `floor:{${feedId}}:${k}`);
    return redis.apply(...keys, feedId, String(ticket), new Date().toISOString());
  },
  { connection: { url }, concurrency: Number(process.env.CONCURRENCY ?? 8) },
);
await worker.waitUntilReady();
console.log("ready");
process.on("SIGTERM", () => process.exit(0));
