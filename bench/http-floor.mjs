// What the HTTP side of a publish costs before any of Liveline's own work: minimal servers that
// read the JSON body, run one Lua script on Redis and answer 202 (bench/floor-server.mjs: node:http,
// Express 5, Express 5 with a pino line per request), beside Liveline's server process, published
// to the same way (32 keep-alive publishers, ~600-byte entries over 100 feeds), each on the server
// core with its own redis-server. Two phases per target: capacity (closed loop), then a fixed
// arrival rate, since a Node server's CPU per request grows as requests come further apart (fewer
// of them share a wake-up).
//
//   taskset -c 1 node bench/http-floor.mjs [--rate 500] [--duration-ms 10000] [--rounds 1]
//
// Liveline's row counts its server process alone and, in brackets, all of its processes (server,
// worker, Redis); each floor's counts its server and its Redis. See docs/benchmark.md.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SERVER_CPU, benchOptions, cpuOf, sleep, spent } from "./harness.mjs";
import { freePort, spawnPinned } from "./procs.mjs";
import { createPublisher, publishAtRate, publishClosedLoop } from "./publisher.mjs";
import { createFeeds, startLivelineTarget, startRedisServer, TOKEN } from "./targets.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const FEEDS = Array.from({ length: 100 }, (_, i) => `bench-${i}`);

const opts = benchOptions(process.argv.slice(2), { rate: 500, durationMs: 10_000, rounds: 1 });

async function startFloor(floor) {
  const redis = await startRedisServer(SERVER_CPU);
  const port = await freePort();
  const server = spawnPinned(`floor-${floor}`, process.execPath, [join(ROOT, "bench/floor-server.mjs")], {
    cpu: SERVER_CPU,
    env: { FLOOR: floor, PORT: String(port), REDIS_URL: redis.url },
    ready: (line) => (line === "ready" ? true : undefined),
  });
  await server.started;
  return {
    url: `http://127.0.0.1:${port}`,
    pids: { server: server.pid, redis: redis.proc.pid },
    stop: async () => {
      await server.stop("SIGKILL");
      await redis.stop();
    },
  };
}

async function startLiveline() {
  const target = await startLivelineTarget({ cpu: SERVER_CPU, env: { RATE_LIMIT_PUBLISHES: "0" } });
  await createFeeds(target, FEEDS);
  return target;
}

/** CPU per publish (ms) of each process over one phase, and what the phase published. */
async function phase(target, run) {
  const before = cpuOf(target.pids);
  const result = await run();
  // Liveline applies after answering: its backlog is part of the cost.
  if (target.backlog) while ((await target.backlog(FEEDS)) > 0) await sleep(50);
  const used = spent(before, cpuOf(target.pids));
  const perPublish = Object.fromEntries(Object.entries(used).map(([k, ms]) => [k, ms / result.sent]));
  return {
    perSecond: result.sent / (opts.durationMs / 1000),
    refused: result.publishErrors,
    perPublish,
    p50: result.http.p50,
  };
}

const fmt = (n) => n.toFixed(3);
const rows = [];
for (let round = 0; round < opts.rounds; round++) {
  for (const kind of ["http", "express", "logged", "liveline"]) {
    const target = kind === "liveline" ? await startLiveline() : await startFloor(kind);
    const publisher = createPublisher({
      url: target.url,
      token: TOKEN,
      protocol: "liveline",
      feeds: FEEDS,
      connections: 32,
    });
    try {
      await publishClosedLoop(publisher, { publishers: 32, durationMs: 3000, feedCount: FEEDS.length }); // warm-up
      const capacity = await phase(target, () =>
        publishClosedLoop(publisher, { publishers: 32, durationMs: opts.durationMs, feedCount: FEEDS.length }),
      );
      const paced = await phase(target, () =>
        publishAtRate(publisher, { rate: opts.rate, durationMs: opts.durationMs, feedCount: FEEDS.length }),
      );
      rows.push({ kind, capacity, paced });
      const all = (p) => Object.values(p.perPublish).reduce((a, b) => a + b, 0);
      const line = (p) =>
        `${Math.round(p.perSecond)}/s, server ${fmt(p.perPublish.server)} ms (all ${fmt(all(p))}), p50 ${p.p50.toFixed(2)} ms${p.refused ? `, ${p.refused} refused` : ""}`;
      console.log(`${kind}: capacity ${line(capacity)}; at ${opts.rate}/s ${line(paced)}`);
    } finally {
      await publisher.close();
      await target.stop();
    }
  }
}
// The median of the rounds, per target and phase: each round ran every target once, in turn.
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`\nmedians of ${opts.rounds} round(s): publishes/s, server CPU per publish (ms), all processes (ms)`);
for (const kind of new Set(rows.map((r) => r.kind))) {
  const mine = rows.filter((r) => r.kind === kind);
  const cols = ["capacity", "paced"].map((ph) => {
    const ps = mine.map((r) => r[ph]);
    const all = ps.map((p) => Object.values(p.perPublish).reduce((a, b) => a + b, 0));
    return `${Math.round(median(ps.map((p) => p.perSecond)))}/s ${fmt(median(ps.map((p) => p.perPublish.server)))} (${fmt(median(all))})`;
  });
  console.log(`| ${kind} | ${cols.join(" | ")} |`);
}
console.log(JSON.stringify({ bench: "http-floor", opts, rows }));
