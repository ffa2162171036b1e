// A/B of the write path: this checkout's build against another's (`--base DIR`, a checkout with
// its own `npm install` and `npm run build`), both running at once on the server core, published
// to in short alternating slices, so that both meet the same load from whatever else the machine
// runs. On a shared machine that is what makes a few percent visible: two runs minutes apart
// differ by ±30% (docs/performance-notes.md).
//
//   taskset -c 1 node bench/write-ab.mjs --base ../main [--rounds 8] [--slice-ms 3000] [--publishers 32]
//     [--feeds 100] [--this-env NAME=VALUE] [--env NAME=VALUE]
//
// For each build: server-side CPU per publish (each process: its /proc times over its slices,
// the worker's drain included) and Redis commands per publish, in all and by command (INFO
// commandstats deltas, script-internal calls included, less the bench's own backlog polls and
// INFO; each build has its own redis-server), summed over the rounds; and the median of the
// rounds' server CPU.
import { performance } from "node:perf_hooks";
import { SERVER_CPU, abOptions, commandCalls, cpuOf, sleep, spent } from "./harness.mjs";
import { createPublisher, publishClosedLoop } from "./publisher.mjs";
import { createFeeds, startLivelineTarget } from "./targets.mjs";

const sumValues = (o) => Object.values(o).reduce((a, b) => a + b, 0);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Redis commands one `target.backlog(feeds)` sends, by name: four queue lengths and one HLEN per feed. */
const backlogCommands = (feeds) => ({ llen: 2, zcard: 2, hlen: feeds.length });

/** Until the target has applied everything it accepted (its backlog is 0), or 30 s; returns the polls made. */
async function drained(target, feeds) {
  const deadline = performance.now() + 30_000;
  let polls = 1;
  while ((await target.backlog(feeds)) > 0) {
    if (performance.now() > deadline) throw new Error("the backlog did not drain in 30 s");
    await sleep(50);
    polls++;
  }
  return polls;
}

async function main() {
  const opts = abOptions(process.argv.slice(2), { rounds: 8, sliceMs: 3000, publishers: 32, feeds: 100 });
  const feeds = Array.from({ length: opts.feeds }, (_, i) => `ab-${i}`);
  const env = { RATE_LIMIT_PUBLISHES: "0", RATE_LIMIT_SUBSCRIBES: "0", ...opts.env };
  const builds = [
    { name: "this", target: await startLivelineTarget({ cpu: SERVER_CPU, env: { ...env, ...opts.thisEnv } }) },
    { name: "base", target: await startLivelineTarget({ cpu: SERVER_CPU, env, root: opts.base }) },
  ];
  try {
    for (const b of builds) {
      await createFeeds(b.target, feeds);
      b.publisher = createPublisher({ ...b.target, feeds, connections: opts.publishers });
      b.totals = { published: 0, cpu: {}, commands: {} };
      b.serverPerRound = [];
    }
    // A first slice each to warm up (JIT, connection pools), not counted.
    for (const b of builds) {
      await publishClosedLoop(b.publisher, {
        publishers: opts.publishers,
        durationMs: 1000,
        feedCount: feeds.length,
      });
      await drained(b.target, feeds);
    }
    for (let r = 0; r < opts.rounds; r++) {
      const order = r % 2 === 0 ? builds : [...builds].reverse();
      for (const b of order) {
        const cpu0 = cpuOf(b.target.pids);
        const cmd0 = await commandCalls(b.target.redis);
        const res = await publishClosedLoop(b.publisher, {
          publishers: opts.publishers,
          durationMs: opts.sliceMs,
          feedCount: feeds.length,
        });
        const polls = await drained(b.target, feeds);
        const used = spent(cpu0, cpuOf(b.target.pids));
        const cmd1 = await commandCalls(b.target.redis);
        const accepted = res.acceptedNow;
        if (res.publishErrors > 0) throw new Error(`${b.name}: ${res.publishErrors} publishes refused`);
        b.totals.published += accepted;
        for (const [k, ms] of Object.entries(used)) b.totals.cpu[k] = (b.totals.cpu[k] ?? 0) + ms;
        // Less the bench's own: its backlog polls and the first INFO (the second is not counted yet).
        const polled = backlogCommands(feeds);
        for (const [name, calls] of Object.entries(cmd1)) {
          if (name === "info") continue;
          const made = calls - (cmd0[name] ?? 0) - polls * (polled[name] ?? 0);
          b.totals.commands[name] = (b.totals.commands[name] ?? 0) + made;
        }
        b.serverPerRound.push(used.server / accepted);
      }
    }
    const report = {};
    for (const b of builds) {
      const n = b.totals.published;
      const perProcess = Object.fromEntries(Object.entries(b.totals.cpu).map(([k, ms]) => [k, +(ms / n).toFixed(3)]));
      report[b.name] = {
        published: n,
        cpuMsPerPublish: +(sumValues(b.totals.cpu) / n).toFixed(3),
        perProcess,
        serverMsPerPublishMedianOfRounds: +median(b.serverPerRound).toFixed(3),
        redisCommandsPerPublish: +(sumValues(b.totals.commands) / n).toFixed(1),
        redisCommandsByName: Object.fromEntries(
          Object.entries(b.totals.commands)
            .map(([name, calls]) => [name, +(calls / n).toFixed(2)])
            .filter(([, perPublish]) => perPublish >= 0.01)
            .sort((x, y) => y[1] - x[1]),
        ),
      };
    }
    console.log(
      JSON.stringify({ rounds: opts.rounds, sliceMs: opts.sliceMs, thisEnv: opts.thisEnv, ...report }, null, 2),
    );
  } finally {
    for (const b of builds) {
      b.publisher?.close();
      await b.target.stop();
    }
  }
}

await main();
