// The two systems the bench measures: Liveline as production runs it (redis-server, one
// `server` process, one `worker` process) and the bare Socket.IO baseline (one process).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { connect } from "node:net";
import { freePort, logLine, spawnPinned } from "./procs.mjs";
import { setTimeout } from "node:timers";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const TOKEN = "bench-editor-token-0123456789";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const canConnect = (port) =>
  new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });

async function waitForPort(port, proc) {
  const deadline = Date.now() + 10_000;
  while (!(await canConnect(port))) {
    if (Date.now() > deadline || proc.child.exitCode !== null) throw new Error(`redis-server did not start on ${port}`);
    await sleep(20);
  }
}

async function startRedisServer(cpu) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "liveline-bench-redis-"));
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", ""];
  args.push("--appendonly", "yes", "--appendfsync", "everysec", "--loglevel", "warning");
  const proc = spawnPinned("redis-server", "redis-server", args, { cpu });
  const url = `redis://127.0.0.1:${port}`;
  await waitForPort(port, proc);
  return {
    proc,
    url,
    async stop() {
      await proc.stop("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Liveline: its own redis-server, then a `server` and a `worker` process, all on `cpu`.
 * `serverNodeArgs` lets the bench add e.g. `--cpu-prof` to the server; `root` runs the server and
 * worker from another checkout (with its own `npm install`), to measure a change against it.
 */
export async function startLivelineTarget({ cpu, serverNodeArgs = [], env = {}, root = ROOT }) {
  const redis = await startRedisServer(cpu);
  const keyPrefix = `bench-${randomUUID().slice(0, 8)}:`;
  const common = {
    REDIS_URL: redis.url,
    KEY_PREFIX: keyPrefix,
    EDITOR_TOKENS: TOKEN,
    NODE_ENV: "production",
    LOG_LEVEL: "info",
    HOST: "127.0.0.1",
    // Every bench reader comes from 127.0.0.1; in production they are 10,000 different addresses.
    RATE_LIMIT_CONNECTIONS: "0",
    ...env,
  };
  const role = (r, port, nodeArgs) =>
    spawnPinned(r, process.execPath, [...nodeArgs, "--import", "tsx", "server/src/main.ts"], {
      cpu,
      cwd: root,
      env: { ...common, ROLE: r, PORT: String(port) },
      ready: logLine("liveline started"),
    });
  const port = await freePort();
  const server = role("server", port, serverNodeArgs);
  const worker = role("worker", 0, []);
  try {
    await Promise.all([server.started, worker.started]);
  } catch (err) {
    await Promise.all([server.stop("SIGKILL"), worker.stop("SIGKILL"), redis.stop()]);
    throw err;
  }
  const redisClient = new Redis(redis.url, { lazyConnect: false });
  return {
    kind: "liveline",
    url: `http://127.0.0.1:${port}`,
    token: TOKEN,
    pids: { server: server.pid, worker: worker.pid, redis: redis.proc.pid },
    /** Jobs not yet finished plus changes accepted but not applied: 0 means no backlog. */
    async backlog(feeds) {
      const q = `{${keyPrefix}bull}:publish`;
      const [wait, active, delayed, prioritized] = await Promise.all([
        redisClient.llen(`${q}:wait`),
        redisClient.llen(`${q}:active`),
        redisClient.zcard(`${q}:delayed`),
        redisClient.zcard(`${q}:prioritized`),
      ]);
      let pending = 0;
      for (const f of feeds) pending += await redisClient.hlen(`${keyPrefix}{${f}}:pending`);
      return wait + active + delayed + prioritized + pending;
    },
    async stop() {
      redisClient.disconnect();
      await Promise.all([server.stop(), worker.stop()]);
      await redis.stop();
    },
  };
}

export async function startBaselineTarget({ cpu }) {
  const port = await freePort();
  const proc = spawnPinned("baseline", process.execPath, [join(ROOT, "bench/baseline-server.mjs")], {
    cpu,
    cwd: ROOT,
    env: { PORT: String(port), HOST: "127.0.0.1" },
    ready: logLine("baseline started"),
  });
  await proc.started;
  return {
    kind: "baseline",
    url: `http://127.0.0.1:${port}`,
    token: TOKEN,
    pids: { server: proc.pid },
    backlog: async () => 0,
    stop: () => proc.stop(),
  };
}

/** Create the bench feeds through the HTTP API. */
export async function createFeeds(target, feeds) {
  for (const id of feeds) {
    const res = await globalThis.fetch(`${target.url}/v1/feeds`, {
      method: "POST",
      headers: { authorization: `Bearer ${target.token}`, "content-type": "application/json" },
      body: JSON.stringify({ id, title: `Bench ${id}` }),
    });
    if (res.status !== 201) throw new Error(`creating feed ${id}: HTTP ${res.status} ${await res.text()}`);
  }
}
