// `node bench/publish-cost.mjs [--n 200] [--interval 50] [--idle-ms 10000]`: the fixed cost of one
// publish, per process. Starts Liveline as the bench does (compiled build, its own Redis, one
// server, one worker, all on core 0), with no readers, publishes n entries `interval` ms apart
// after a warm-up, and prints each process's CPU time per publish and Redis's commands per publish
// (with the time Redis spent in them), from INFO commandstats and SLOWLOG. First, after the
// warm-up, what each process costs doing nothing for `--idle-ms`: CPU ms and wake-ups of its main
// thread (voluntary context switches) per second.
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { benchOptions, cpuOf, spentPer } from "./harness.mjs";
import { createFeeds, startLivelineTarget } from "./targets.mjs";

const {
  n,
  interval: intervalMs,
  idleMs,
} = benchOptions(process.argv.slice(2), {
  n: 200,
  interval: 50,
  idleMs: 10_000,
});

const target = await startLivelineTarget({ cpu: 0, env: { RATE_LIMIT_PUBLISHES: "0" } });
try {
  await createFeeds(target, ["cost"]);
  const body = `<p>${"Live update: officials confirmed the figures at the briefing. ".repeat(9)}</p>`;
  const publish = async (k) => {
    const res = await globalThis.fetch(`${target.url}/v1/feeds/cost/entries`, {
      method: "POST",
      headers: { authorization: `Bearer ${target.token}`, "content-type": "application/json" },
      body: JSON.stringify({ headline: `Entry ${k}`, body }),
    });
    if (res.status !== 202) throw new Error(`publish: HTTP ${res.status}`);
  };
  const run = async (count) => {
    for (let k = 0; k < count; k++) {
      const t0 = performance.now();
      await publish(k);
      await sleep(Math.max(0, intervalMs - (performance.now() - t0)));
    }
  };
  await run(50); // warm-up
  /** Each process's `field` (of procStats) from `before` to now, divided by `by`. */
  const per = (before, field, by, digits) => spentPer(before, cpuOf(target.pids), by, { field, digits });
  if (idleMs > 0) {
    await sleep(1000); // the warm-up's last job and outputs settle
    const idle0 = cpuOf(target.pids);
    await sleep(idleMs);
    const cpuPerSecond = per(idle0, "cpuMs", idleMs / 1000, 2);
    const wakeUpsPerSecond = per(idle0, "wakeUps", idleMs / 1000, 0);
    process.stdout.write(
      `Idle ${idleMs} ms: CPU ms per second ${JSON.stringify(cpuPerSecond)}, main-thread wake-ups per second ${JSON.stringify(wakeUpsPerSecond)}\n`,
    );
  }
  const stats = async () =>
    Object.fromEntries(
      [...(await target.redis.info("commandstats")).matchAll(/cmdstat_(\w+):calls=(\d+),usec=(\d+)/g)].map((m) => [
        m[1],
        { calls: Number(m[2]), usec: Number(m[3]) },
      ]),
    );
  await target.redis.config("SET", "slowlog-log-slower-than", "0");
  await target.redis.config("SET", "slowlog-max-len", String(n * 200));
  await target.redis.slowlog("RESET");
  const cpu0 = cpuOf(target.pids);
  const s0 = await stats();
  await run(n);
  await sleep(500);
  const perPublish = per(cpu0, "cpuMs", n, 2);
  const s1 = await stats();
  const log = await target.redis.slowlog("GET", n * 200);

  process.stdout.write(
    `CPU ms per publish (${n} publishes, one every ${intervalMs} ms): ${JSON.stringify(perPublish)}\n`,
  );
  const cmds = Object.entries(s1)
    .map(([k, v]) => [k, (v.calls - (s0[k]?.calls ?? 0)) / n, (v.usec - (s0[k]?.usec ?? 0)) / n])
    .filter(([, calls]) => calls >= 0.5)
    .sort((a, b) => b[2] - a[2]);
  const total = cmds.reduce((a, [, calls]) => a + calls, 0);
  process.stdout.write(`Redis: ${total.toFixed(1)} commands per publish; by time spent in them (µs per publish):\n`);
  for (const [k, calls, us] of cmds.slice(0, 8))
    process.stdout.write(`  ${k.padEnd(18)} ${calls.toFixed(1).padStart(5)} calls  ${us.toFixed(0).padStart(5)} µs\n`);
  // Scripts by the first key they touch: BullMQ's queues, or a feed's keys.
  const scripts = {};
  for (const [, , us, args] of log) {
    if (args[0] !== "evalsha") continue;
    const key = String(args[3] ?? "").replace(/^bench-\w+:/, "");
    const what = key.includes(":publish:")
      ? "BullMQ, publish queue"
      : key.includes(":outputs:")
        ? "BullMQ, outputs queue"
        : "Liveline's feed scripts";
    scripts[what] ??= { calls: 0, us: 0 };
    scripts[what].calls += 1 / n;
    scripts[what].us += us / n;
  }
  process.stdout.write("Lua scripts per publish:\n");
  for (const [what, v] of Object.entries(scripts))
    process.stdout.write(`  ${what.padEnd(24)} ${v.calls.toFixed(1)} calls  ${v.us.toFixed(0)} µs\n`);
} finally {
  await target.stop();
}
