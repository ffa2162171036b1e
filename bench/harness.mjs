// What every kind of bench run shares: the servers it starts (pinned to the server core), the
// load-generator processes it drives (pinned to the other core), and the CPU and Redis figures it
// reads from them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { clearTimeout, setTimeout } from "node:timers";
import { procStats, spawnPinned } from "./procs.mjs";
import { startBaselineTarget, startLivelineTarget, startNchanTarget } from "./targets.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Every server-side process runs on core 0, every load generator on core 1. */
export const SERVER_CPU = 0;
export const LOADGEN_CPU = 1;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * A bench tool's options: `--<name> N` for each key of `numbers`, written in kebab case
 * (`sliceMs` is `--slice-ms`), whose values are the defaults, and `--<name> TEXT` for each of
 * `texts` (undefined unless given).
 */
export function benchOptions(argv, numbers, texts = []) {
  const opts = { ...numbers };
  const flagOf = (k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  const keys = new Map([...Object.keys(numbers), ...texts].map((k) => [flagOf(k), k]));
  for (let i = 0; i < argv.length; i += 2) {
    const [a, v] = [argv[i], argv[i + 1]];
    const key = keys.get(a);
    if (key === undefined) throw new Error(`unknown option ${a}`);
    if (v === undefined) throw new Error(`${a} needs a value`);
    opts[key] = texts.includes(key) ? v : Number(v);
  }
  return opts;
}

/**
 * The options of an A/B run, this checkout's build against another's: `--base DIR` (required: a
 * checkout with its own `npm install` and `npm run build`), `--this-env NAME=VALUE[,NAME=VALUE]`
 * (settings for this checkout's processes only: with `--base` naming this same checkout, an A/B
 * of a setting), `--env NAME=VALUE[,NAME=VALUE]` (settings for both builds' processes, e.g. a
 * rate limit both count) and the `numbers` of benchOptions. `thisEnv` and `env` are the settings as
 * objects.
 */
export function abOptions(argv, numbers) {
  const opts = benchOptions(argv, numbers, ["base", "thisEnv", "env"]);
  if (opts.base === undefined) throw new Error("--base DIR is required (the other checkout)");
  const settings = (flag, list) =>
    Object.fromEntries(
      (list ?? "")
        .split(",")
        .filter((p) => p !== "")
        .map((p) => {
          const eq = p.indexOf("=");
          if (eq < 1) throw new Error(`--${flag}: ${p} is not NAME=VALUE`);
          return [p.slice(0, eq), p.slice(eq + 1)];
        }),
    );
  opts.thisEnv = settings("this-env", opts.thisEnv);
  opts.env = settings("env", opts.env);
  return opts;
}

/** One load-generator process, pinned to the load generator's core, driven over IPC. */
export function startLoadgen(cfg) {
  const proc = spawnPinned(
    `loadgen${cfg.index}`,
    process.execPath,
    ["--max-semi-space-size=32", join(ROOT, "bench/loadgen.mjs"), JSON.stringify(cfg)],
    {
      cpu: LOADGEN_CPU,
      cwd: ROOT,
      ipc: true,
    },
  );
  const waitFor = (type, timeoutMs) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`load generator ${cfg.index}: no "${type}" in ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onMsg = (msg) => {
        if (msg.type !== type) return;
        clearTimeout(timer);
        proc.child.off("message", onMsg);
        resolve(msg);
      };
      proc.child.on("message", onMsg);
      void proc.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`load generator ${cfg.index} exited (${code}):\n${proc.output.join("")}`));
      });
    });
  return { proc, waitFor, send: (msg) => proc.child.send(msg) };
}

/** CPU time (ms) of each process from one reading of each; a process gone reads as undefined. */
export function cpuOf(pids) {
  const out = {};
  for (const [name, pid] of Object.entries(pids)) {
    try {
      out[name] = procStats(pid);
    } catch {
      out[name] = undefined;
    }
  }
  return out;
}
export const spent = (before, after, field = "cpuMs") =>
  Object.fromEntries(
    Object.keys(before)
      .filter((k) => after[k] && before[k])
      .map((k) => [k, after[k][field] - before[k][field]]),
  );
/** Each process's `field` (of procStats) from `before` to `after`, divided by `by`, to `digits` places. */
export const spentPer = (before, after, by, { field = "cpuMs", digits = 2 } = {}) =>
  Object.fromEntries(
    Object.entries(spent(before, after, field)).map(([k, v]) => [k, Number((v / by).toFixed(digits))]),
  );
/** Redis commands processed so far (INFO stats). */
export async function redisCommands(redis) {
  const info = await redis.info("stats");
  return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? NaN);
}

/**
 * Redis's calls per command so far (INFO commandstats), e.g. { evalsha: 1200, get: 30 }: the
 * difference of two readings is what the server did in between, the second INFO included.
 */
export async function commandCalls(redis) {
  const info = await redis.info("commandstats");
  return Object.fromEntries([...info.matchAll(/cmdstat_([\w|]+):calls=(\d+)/g)].map((m) => [m[1], Number(m[2])]));
}

/** Start one target on the server core: Liveline (rate limits off), bare Socket.IO or Nchan. */
export async function startTarget(kind, config, opts) {
  if (kind === "nchan") return startNchanTarget({ cpu: SERVER_CPU });
  if (kind === "baseline") return startBaselineTarget({ cpu: SERVER_CPU });
  const profDir = join(ROOT, "bench/profiles");
  return startLivelineTarget({
    cpu: SERVER_CPU,
    gateways: config.gateways ?? 1,
    env: { RATE_LIMIT_PUBLISHES: "0", RATE_LIMIT_SUBSCRIBES: "0" },
    ...(opts.livelineRoot === undefined ? {} : { root: opts.livelineRoot }),
    serverNodeArgs: [...opts.nodeArgs, ...(opts.cpuProf ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`] : [])],
  });
}

/** Busy and total jiffies of one core so far, from /proc/stat (every process on it, not only ours). */
export function coreTimes(cpu) {
  const line = readFileSync("/proc/stat", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`cpu${cpu} `));
  if (line === undefined) return { busy: NaN, total: NaN };
  // user nice system idle iowait irq softirq steal …: idle and iowait are the core doing nothing.
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - v[3] - v[4], total };
}

/** Share of a core that was busy between two `coreTimes` readings, in percent. */
export const busyPct = (a, b) => Math.round(((b.busy - a.busy) / Math.max(1, b.total - a.total)) * 100);
