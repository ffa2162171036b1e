// A/B of publish → reader latency: this checkout's build against another's (`--base DIR`, a
// checkout with its own `npm install` and `npm run build`), both running at once on the server
// core, each with one probe reader, published to in turn (bench/latency-round.mjs).
//
//   taskset -c 1 node bench/latency-ab.mjs --base ../main [--n 400] [--interval 50] [--this-env NAME=VALUE] [--env NAME=VALUE]
//
// Prints each build's p50, p90 and p99 (ms, from the POST being sent to the event read), what its
// reader got, and the CPU each of its processes spent per publish after the warm-up.
import { SERVER_CPU, abOptions } from "./harness.mjs";
import { latencyRound } from "./latency-round.mjs";
import { startLivelineTarget } from "./targets.mjs";

const opts = abOptions(process.argv.slice(2), { n: 400, interval: 50, warmUp: 50 });
const env = { RATE_LIMIT_PUBLISHES: "0", ...opts.env };
const builds = {
  this: await startLivelineTarget({ cpu: SERVER_CPU, env: { ...env, ...opts.thisEnv } }),
  base: await startLivelineTarget({ cpu: SERVER_CPU, env, root: opts.base }),
};
try {
  const report = await latencyRound(builds, opts);
  process.stdout.write(
    `${JSON.stringify({ n: opts.n, intervalMs: opts.interval, thisEnv: opts.thisEnv, ...report }, null, 2)}\n`,
  );
} finally {
  await Promise.all(Object.values(builds).map((t) => t.stop()));
}
