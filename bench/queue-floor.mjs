// The floor under publish → reader with a queue between the API and the worker: how far a publish
// that is durable in Redis before its 202 and applied by a BullMQ worker (the product card's
// design) can come to bare Socket.IO, with nothing of Liveline's own in it. Runs at once on the
// server core, each with one probe reader and published to in turn (bench/latency-round.mjs):
//
//   bare         bench/baseline-server.mjs: the POST handler emits to the room
//   queue        the same server with one Lua accept and a BullMQ job before its 202, a BullMQ
//                worker (concurrency 8, as Liveline's) whose job is one Lua script that logs and
//                publishes the event, and the server relaying it to the room (startQueueFloorTarget)
//   queue-c1     the same with the worker's concurrency 1
//   liveline     this checkout's build, as the `first-reader` preset runs it
//
//   taskset -c 1 node bench/queue-floor.mjs [--n 600] [--interval 50] [--rounds 1]
//
// Prints, per round, each target's p50, p90 and p99 (ms) and CPU per publish of its processes.
import { SERVER_CPU, benchOptions } from "./harness.mjs";
import { latencyRound } from "./latency-round.mjs";
import { startBaselineTarget, startLivelineTarget, startQueueFloorTarget } from "./targets.mjs";

const opts = benchOptions(process.argv.slice(2), { n: 600, interval: 50, warmUp: 50, rounds: 1 });
const cpu = SERVER_CPU;
for (let round = 0; round < opts.rounds; round++) {
  const targets = {
    bare: await startBaselineTarget({ cpu }),
    queue: await startQueueFloorTarget({ cpu }),
    "queue-c1": await startQueueFloorTarget({ cpu, concurrency: 1 }),
    liveline: await startLivelineTarget({ cpu, env: { RATE_LIMIT_PUBLISHES: "0" } }),
  };
  try {
    const report = await latencyRound(targets, opts);
    process.stdout.write(`${JSON.stringify({ round, n: opts.n, intervalMs: opts.interval, ...report })}\n`);
    const row = (name, r) =>
      `| ${name} | ${r.p50} | ${r.p90} | ${r.p99} | ${Object.entries(r.cpuMsPerPublish)
        .map(([p, ms]) => `${p} ${ms}`)
        .join(", ")} | ${r.lost} / ${r.duplicated} / ${r.outOfOrder} |`;
    process.stdout.write(
      [
        "| target | p50 (ms) | p90 | p99 | CPU per publish (ms) | lost / duplicated / out of order |",
        "|---|---:|---:|---:|---|---|",
        ...Object.entries(report).map(([name, r]) => row(name, r)),
        "",
      ].join("\n"),
    );
  } finally {
    await Promise.all(Object.values(targets).map((t) => t.stop()));
  }
}
