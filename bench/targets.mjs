// The systems the bench measures: Liveline as production runs it (redis-server, one or more
// `server` processes, one `worker`), the bare Socket.IO baseline (one process) and Nchan (nginx).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

/** Until `proc` accepts connections on `port`; `why()` adds what it logged to the error. */
async function waitForPort(port, proc, why = () => "") {
  const deadline = Date.now() + 10_000;
  while (!(await canConnect(port))) {
    if (Date.now() > deadline || proc.child.exitCode !== null)
      throw new Error(`${proc.name} did not start on ${port}:\n${proc.output.join("")}${why()}`);
    await sleep(20);
  }
}

export async function startRedisServer(cpu) {
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

/** Where a target's readers connect. */
const gatewayOf = (port) => ({ host: "127.0.0.1", port });

/**
 * Liveline as production runs it, from the compiled JavaScript (`npm run build`): its own
 * redis-server, `gateways` server processes (each an API and a Socket.IO gateway, as behind one
 * load balancer) and one worker, all on `cpu`. `serverNodeArgs` adds e.g. `--cpu-prof` to the
 * servers; `root` runs another checkout's build (with its own `npm install`), to measure a change.
 */
export async function startLivelineTarget({ cpu, gateways = 1, serverNodeArgs = [], env = {}, root = ROOT }) {
  const main = join(root, "server/dist/main.js");
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
  const redis = await startRedisServer(cpu);
  const keyPrefix = `bench-${randomUUID().slice(0, 8)}:`;
  const common = {
    REDIS_URL: redis.url,
    KEY_PREFIX: keyPrefix,
    EDITOR_TOKENS: TOKEN,
    NODE_ENV: "production",
    LOG_LEVEL: "info",
    HOST: "127.0.0.1",
    // Every bench reader comes from 127.0.0.0/8; in production they are thousands of addresses.
    RATE_LIMIT_CONNECTIONS: "0",
    ...env,
  };
  const role = (r, port, nodeArgs, extra = {}) =>
    spawnPinned(`${r}:${port}`, process.execPath, [...nodeArgs, main], {
      cpu,
      cwd: root,
      env: { ...common, ROLE: r, PORT: String(port), ...extra },
      ready: logLine("liveline started"),
      // On a busy shared machine three Node processes loading the build on one core take a while.
      timeoutMs: 120_000,
    });
  const ports = [];
  for (let g = 0; g < gateways; g++) ports.push(await freePort());
  const servers = ports.map((port) => role("server", port, serverNodeArgs));
  // The worker's /metrics (its jobs and the events it emitted) on a port of its own.
  const metricsPort = await freePort();
  const worker = role("worker", 0, [], { METRICS_PORT: String(metricsPort) });
  const all = [...servers, worker];
  try {
    await Promise.all(all.map((p) => p.started));
  } catch (err) {
    await Promise.all([...all.map((p) => p.stop("SIGKILL")), redis.stop()]);
    throw err;
  }
  const redisClient = new Redis(redis.url, { lazyConnect: false });
  const pids = { worker: worker.pid, redis: redis.proc.pid };
  servers.forEach((s, g) => (pids[g === 0 ? "server" : `server${g}`] = s.pid));
  return {
    kind: "liveline",
    url: `http://127.0.0.1:${ports[0]}`,
    token: TOKEN,
    protocol: "socketio",
    gateways: ports.map(gatewayOf),
    pids,
    redis: redisClient,
    /** Gateway g's base URL. */
    urlOf: (g) => `http://127.0.0.1:${ports[g]}`,
    /** Each feed's `seq` (`GET /v1/feeds/:id`): how many of its changes were applied. */
    feedSeqs: (feeds) => feedSeqs(`http://127.0.0.1:${ports[0]}`, feeds),
    /** The worker's counters: jobs finished, and feed events it emitted (its /metrics). */
    workerCounters: () => workerCounters(`http://127.0.0.1:${metricsPort}`),
    /** SIGKILL gateway g (a reconnect storm); its pid leaves `pids`. */
    async kill(g) {
      await servers[g].stop("SIGKILL");
      delete pids[g === 0 ? "server" : `server${g}`];
    },
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
      const pipe = redisClient.pipeline();
      for (const f of feeds) pipe.hlen(`${keyPrefix}{${f}}:pending`);
      for (const [, n] of (await pipe.exec()) ?? []) pending += Number(n);
      return wait + active + delayed + prioritized + pending;
    },
    async stop() {
      redisClient.disconnect();
      await Promise.all(all.map((p) => p.stop()));
      await redis.stop();
    },
  };
}

/** Debian's nginx with Nchan's module, where installed (a bench prerequisite, not a test one). */
const NCHAN_MODULE = "/usr/lib/nginx/modules/ngx_nchan_module.so";
const NGINX = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((p) => existsSync(p));
export const HAS_NCHAN = NGINX !== undefined && existsSync(NCHAN_MODULE);

/**
 * Nchan, the C reference: one nginx process (no master, one event loop) with the bench's own
 * config on a free port. Publishers POST to /pub/<feed>, WebSocket readers open /sub/<feed>;
 * messages stay in its memory store.
 */
export async function startNchanTarget({ cpu }) {
  if (!HAS_NCHAN) throw new Error("Nchan is not installed (apt-get install nginx-light libnginx-mod-nchan)");
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "liveline-bench-nchan-"));
  const conf = `load_module ${NCHAN_MODULE};
daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile 20000;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 20000; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  nchan_max_reserved_memory 512M;
  server {
    listen 127.0.0.1:${port};
    location = /healthz { return 200 "ok"; }
    location ~ ^/pub/([A-Za-z0-9-]+)$ {
      nchan_publisher;
      nchan_channel_id $1;
      nchan_message_buffer_length 32;
      nchan_message_timeout 5m;
    }
    location ~ ^/sub/([A-Za-z0-9-]+)$ {
      nchan_subscriber websocket;
      nchan_channel_id $1;
      nchan_subscriber_first_message newest;
      nchan_websocket_ping_interval 25;
    }
  }
}
`;
  writeFileSync(join(dir, "nginx.conf"), conf);
  const proc = spawnPinned("nchan", NGINX, ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", join(dir, "error.log")], {
    cpu,
  });
  await waitForPort(port, proc, () => readFileSync(join(dir, "error.log"), "utf8"));
  return {
    kind: "nchan",
    url: `http://127.0.0.1:${port}`,
    token: TOKEN,
    protocol: "nchan",
    gateways: [gatewayOf(port)],
    pids: { server: proc.pid },
    backlog: async () => 0,
    async stop() {
      await proc.stop("SIGTERM", 3000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startBaselineTarget({ cpu, env = {} }) {
  const port = await freePort();
  const proc = spawnPinned("baseline", process.execPath, [join(ROOT, "bench/baseline-server.mjs")], {
    cpu,
    cwd: ROOT,
    env: { ...env, PORT: String(port), HOST: "127.0.0.1" },
    ready: logLine("baseline started"),
  });
  await proc.started;
  return {
    kind: "baseline",
    url: `http://127.0.0.1:${port}`,
    token: TOKEN,
    protocol: "socketio",
    gateways: [gatewayOf(port)],
    pids: { server: proc.pid },
    backlog: async () => 0,
    feedSeqs: (feeds) => feedSeqs(`http://127.0.0.1:${port}`, feeds),
    stop: () => proc.stop(),
  };
}

/**
 * The queue floor (bench/queue-floor.mjs): the baseline's Socket.IO server with a Lua accept and a
 * BullMQ job before each 202, and a BullMQ worker (`concurrency`) whose job publishes the event
 * through Redis to that server, with a redis-server of its own; all on `cpu`.
 */
export async function startQueueFloorTarget({ cpu, concurrency = 8 }) {
  const redis = await startRedisServer(cpu);
  const env = { QUEUE_REDIS_URL: redis.url, CONCURRENCY: String(concurrency) };
  const worker = spawnPinned("queue-floor-worker", process.execPath, [join(ROOT, "bench/queue-floor-worker.mjs")], {
    cpu,
    cwd: ROOT,
    env,
    ready: (line) => (line === "ready" ? true : undefined),
  });
  let server;
  try {
    [server] = await Promise.all([startBaselineTarget({ cpu, env }), worker.started]);
  } catch (err) {
    await Promise.all([worker.stop("SIGKILL"), redis.stop()]);
    throw err;
  }
  return {
    ...server,
    kind: "queue-floor",
    feedSeqs: undefined, // its seqs are in its Redis, not in the server's memory
    pids: { ...server.pids, worker: worker.pid, redis: redis.proc.pid },
    async stop() {
      await Promise.all([server.stop(), worker.stop()]);
      await redis.stop();
    },
  };
}

/** Create the bench feeds through the HTTP API (Nchan makes a channel on its first message). */
export async function createFeeds(target, feeds) {
  if (target.kind === "nchan") return;
  let next = 0;
  const lane = async () => {
    while (next < feeds.length) await createFeed(target, feeds[next++]);
  };
  await Promise.all(Array.from({ length: 8 }, lane));
}

async function createFeed(target, id) {
  const res = await globalThis.fetch(`${target.url}/v1/feeds`, {
    method: "POST",
    headers: { authorization: `Bearer ${target.token}`, "content-type": "application/json" },
    body: JSON.stringify({ id, title: `Bench ${id}` }),
  });
  if (res.status !== 201) throw new Error(`creating feed ${id}: HTTP ${res.status} ${await res.text()}`);
}

/** Each feed's `seq`, read through the HTTP API (8 at a time), in the order of `feeds`. */
async function feedSeqs(url, feeds) {
  const seqs = new Array(feeds.length);
  let next = 0;
  const lane = async () => {
    while (next < feeds.length) {
      const i = next++;
      const res = await globalThis.fetch(`${url}/v1/feeds/${feeds[i]}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      if (res.status !== 200) throw new Error(`reading feed ${feeds[i]}: HTTP ${res.status} ${await res.text()}`);
      seqs[i] = Number((await res.json()).seq);
    }
  };
  await Promise.all(Array.from({ length: 8 }, lane));
  return seqs;
}

/**
 * Liveline's worker counters from its /metrics: apply jobs finished (completed + failed) and feed
 * events emitted; NaN where a metric is missing.
 */
async function workerCounters(metricsUrl) {
  const text = await (await globalThis.fetch(`${metricsUrl}/metrics`)).text();
  const total = (name) => {
    let sum = NaN;
    for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([\\d.e+]+)$`, "gm"))) {
      sum = (Number.isNaN(sum) ? 0 : sum) + Number(m[1]);
    }
    return sum;
  };
  return { jobs: total("liveline_worker_jobs_total"), events: total("liveline_worker_events_emitted_total") };
}
