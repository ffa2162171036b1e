// A/B of publish → reader latency: this checkout's build against another's (`--base DIR`, a
// checkout with its own `npm install` and `npm run build`), both running at once on the server
// core, each with one probe reader (a raw Socket.IO client, as the `first-reader` preset's) on one
// feed, published to in turn (which goes first alternating), one entry every `--interval` ms per build. Both meet the same load
// from whatever else the machine runs, so a fraction of a millisecond shows, which two
// `first-reader` runs minutes apart (±0.7 ms) do not.
//
//   taskset -c 1 node bench/latency-ab.mjs --base ../main [--n 400] [--interval 50] [--this-env NAME=VALUE] [--env NAME=VALUE]
//
// Prints each build's p50, p90 and p99 (ms, from the POST being sent to the event read), and the
// CPU each of its processes spent per publish after the warm-up (from /proc, so in the kernel's
// 10 ms ticks: hundreds of publishes make them exact to a few hundredths of a millisecond).
import { performance } from "node:perf_hooks";
import { SERVER_CPU, abOptions, cpuOf, sleep, spentPer } from "./harness.mjs";
import { createPublisher } from "./publisher.mjs";
import { Tally, openReader } from "./reader.mjs";
import { createFeeds, startLivelineTarget } from "./targets.mjs";

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))] * 100) / 100;
};

const opts = abOptions(process.argv.slice(2), { n: 400, interval: 50, warmUp: 50 });
const env = { RATE_LIMIT_PUBLISHES: "0", ...opts.env };
const builds = {
  this: await startLivelineTarget({ cpu: SERVER_CPU, env: { ...env, ...opts.thisEnv } }),
  base: await startLivelineTarget({ cpu: SERVER_CPU, env, root: opts.base }),
};
const sides = {};
try {
  for (const [name, target] of Object.entries(builds)) {
    await createFeeds(target, ["latency"]);
    const side = { target, latencies: [], tally: new Tally() };
    side.socket = await openReader({
      ...target.gateways[0],
      protocol: "socketio",
      path: "/socket.io/?EIO=4&transport=websocket",
      feedId: "latency",
      probe: true,
      tally: side.tally,
      stats: { frames: 0, bytes: 0 },
      onLatency: (k, ms) => {
        if (k >= opts.warmUp) side.latencies.push(ms);
      },
    });
    side.publisher = createPublisher({
      url: target.url,
      token: target.token,
      protocol: "socketio",
      feeds: ["latency"],
      connections: 1,
    });
    sides[name] = side;
  }
  const order = Object.values(sides);
  const t0 = performance.now();
  const total = opts.warmUp + opts.n;
  for (let k = 0; k < total; k++) {
    if (k === opts.warmUp) for (const side of order) side.cpu0 = cpuOf(side.target.pids);
    // Which build goes first alternates, so neither always follows the other's work.
    const turn = k % 2 === 0 ? order : [...order].reverse();
    for (const [i, side] of turn.entries()) {
      const wait = t0 + (k * order.length + i) * (opts.interval / order.length) - performance.now();
      if (wait > 0) await sleep(wait);
      const status = await side.publisher.send(k, 0);
      if (status !== 202) throw new Error(`publish: HTTP ${status}`);
    }
  }
  await sleep(1000);
  const report = Object.fromEntries(
    Object.entries(sides).map(([name, s]) => [
      name,
      {
        cpuMsPerPublish: spentPer(s.cpu0, cpuOf(s.target.pids), opts.n),
        received: s.latencies.length,
        p50: quantile(s.latencies, 0.5),
        p90: quantile(s.latencies, 0.9),
        p99: quantile(s.latencies, 0.99),
        lost: total - s.tally.events,
        duplicated: s.tally.duplicated,
        outOfOrder: s.tally.outOfOrder,
      },
    ]),
  );
  process.stdout.write(
    `${JSON.stringify({ n: opts.n, intervalMs: opts.interval, thisEnv: opts.thisEnv, ...report }, null, 2)}\n`,
  );
} finally {
  for (const s of Object.values(sides)) {
    s.socket?.destroy();
    await s.publisher?.close();
  }
  await Promise.all(Object.values(builds).map((t) => t.stop()));
}
