// What a Liveline process costs to start: CPU (user + system, all its threads) and wall time from
// spawn to its "liveline started" log line, for each role of the compiled build, against a
// redis-server of its own. A process that starts often (a rolling restart, an autoscaled
// worker, every role process the tests spawn) pays this each time.
//
//   npm run build && node bench/start-up.mjs [--runs 5]
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { benchOptions } from "./harness.mjs";
import { logLine, procStats, spawnPinned } from "./procs.mjs";
import { startRedisServer, TOKEN } from "./targets.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const { runs: RUNS } = benchOptions(process.argv.slice(2), { runs: 5 });

const STARTS = [
  { label: "ROLE=all    server/dist/main.js", entry: "server/dist/main.js", role: "all" },
  { label: "ROLE=server server/dist/main.js", entry: "server/dist/main.js", role: "server" },
  { label: "ROLE=worker server/dist/main.js", entry: "server/dist/main.js", role: "worker" },
  { label: "           worker/dist/main.js", entry: "worker/dist/main.js", role: "worker" },
];

const redis = await startRedisServer(undefined);
try {
  process.stdout.write(`start-up of each role, mean of ${RUNS} starts (CPU: user + system, every thread)\n`);
  for (const start of STARTS) {
    let cpuMs = 0;
    let wallMs = 0;
    for (let i = 0; i < RUNS; i += 1) {
      const began = performance.now();
      const proc = spawnPinned(start.label, process.execPath, [start.entry], {
        cwd: ROOT,
        env: {
          REDIS_URL: redis.url,
          ROLE: start.role,
          PORT: "0",
          HOST: "127.0.0.1",
          EDITOR_TOKENS: TOKEN,
          NODE_ENV: "test",
        },
        ready: logLine("liveline started"),
      });
      await proc.started;
      wallMs += performance.now() - began;
      cpuMs += procStats(proc.pid).cpuMs;
      await proc.stop("SIGKILL");
    }
    process.stdout.write(
      `${start.label}  ${Math.round(cpuMs / RUNS)} ms CPU  ${Math.round(wallMs / RUNS)} ms to ready\n`,
    );
  }
} finally {
  await redis.stop();
}
