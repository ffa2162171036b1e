// `node bench/outputs-fanout.mjs [--n 10000] [--concurrency 4]` (after `npm run build`):
// one breaking-news alert fanned out to N Web Push subscriptions, against a local push service.
//
// What runs where: redis-server and the push service (a small HTTP server answering 201) are
// child processes; a `server` role is a child process too (the publish goes through its HTTP
// API); the `worker` role runs in this process, so process.cpuUsage() around the fan-out is the
// worker's CPU (this script only waits meanwhile). Time is from the publish's 202 to the push
// service having received all N notifications.
import { spawn } from "node:child_process";
import { createECDH, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { setTimeout } from "node:timers";
import { request } from "node:http";
import { Redis } from "ioredis";
import { createLogger, freePort, redisKeys, waitUntilListening } from "@liveline/core";
import { recipientId } from "@liveline/outputs";
import { loadWorkerConfig, startWorker } from "@liveline/worker";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({
  options: { n: { type: "string", default: "10000" }, concurrency: { type: "string", default: "4" } },
});
const N = Number(values.n);
const TOKEN = "bench-editor-token-0123456789";
const FEED = "bench-alerts";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The push service: counts what it receives, reports the count over IPC when asked.
const RECEIVER = `
const http = require("node:http");
let count = 0;
const server = http.createServer((req, res) => {
  req.on("data", () => {});
  req.on("end", () => { count++; res.writeHead(201).end(); });
});
server.keepAliveTimeout = 60000;
server.listen(0, "127.0.0.1", () => process.send({ port: server.address().port }));
process.on("message", () => process.send({ count }));
`;

function child(cmd, args, opts = {}) {
  const proc = spawn(cmd, args, { stdio: ["ignore", "ignore", "inherit", ...(opts.ipc ? ["ipc"] : [])], ...opts });
  return proc;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "liveline-bench-outputs-"));
  const redisPort = await freePort();
  const redisProc = child("redis-server", [
    "--port",
    String(redisPort),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--save",
    "",
    "--appendonly",
    "no",
  ]);
  await waitUntilListening(redisPort, redisProc, 10_000);
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  const receiver = child(process.execPath, ["-e", RECEIVER], { ipc: true });
  const { port: pushPort } = await new Promise((r) => receiver.once("message", r));
  const received = () =>
    new Promise((r) => {
      receiver.once("message", (m) => r(m.count));
      receiver.send("count");
    });

  const env = {
    REDIS_URL: redisUrl,
    KEY_PREFIX: "bench:",
    NODE_ENV: "development",
    EDITOR_TOKENS: TOKEN,
    ALLOW_PRIVATE_OUTBOUND: "true",
    OUTPUTS_CONCURRENCY: values.concurrency,
    LOG_LEVEL: "warn",
    HOST: "127.0.0.1",
  };
  const serverPort = await freePort();
  const server = spawn(process.execPath, [join(ROOT, "server/dist/main.js")], {
    env: { ...process.env, ...env, ROLE: "server", PORT: String(serverPort), RATE_LIMIT_PUBLISHES: "0" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  await waitUntilListening(serverPort, server, 20_000);
  const api = (method, path, body) =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? "" : JSON.stringify(body);
      const req = request(
        `http://127.0.0.1:${serverPort}${path}`,
        { method, headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" } },
        (res) => {
          res.resume();
          res.on("end", () => resolve({ status: res.statusCode }));
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  if ((await api("POST", "/v1/feeds", { id: FEED, title: "Bench alerts" })).status !== 201) throw new Error("feed");

  // N subscriptions, written straight into Redis (seeding is not what is measured). Each has
  // its own endpoint; they share one key pair, which costs the sender the same as N would.
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  const keys = { p256dh: ecdh.getPublicKey().toString("base64url"), auth: randomBytes(16).toString("base64url") };
  const redis = new Redis(redisUrl);
  const hash = redisKeys("bench:").outputs().feed(FEED).webPush;
  const createdAt = new Date().toISOString();
  for (let i = 0; i < N; i += 1000) {
    const pipe = redis.pipeline();
    for (let j = i; j < Math.min(N, i + 1000); j++) {
      const endpoint = `http://127.0.0.1:${pushPort}/push/${j}`;
      pipe.hset(hash, recipientId(endpoint), JSON.stringify({ endpoint, keys, createdAt }));
    }
    await pipe.exec();
  }

  const config = loadWorkerConfig({ ...env, ROLE: "worker" });
  const worker = await startWorker(config, { redisUrl, logger: createLogger("worker", "warn") });
  await sleep(500); // let the worker settle (connections, first sweep)

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const res = await api("POST", `/v1/feeds/${FEED}/entries`, {
    id: "flash",
    headline: "Breaking",
    body: "<p>x</p>",
    breaking: true,
  });
  if (res.status !== 202) throw new Error(`publish: ${res.status}`);
  let got = 0;
  while (got < N) {
    await sleep(20);
    got = await received();
    if (performance.now() - t0 > 300_000) throw new Error(`only ${got}/${N} after 300 s`);
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const result = {
    subscriptions: N,
    outputsConcurrency: Number(values.concurrency),
    fanOutSeconds: +(ms / 1000).toFixed(2),
    notificationsPerSecond: Math.round(N / (ms / 1000)),
    workerCpuSeconds: +(cpuMs / 1000).toFixed(2),
    workerCpuUserSeconds: +(cpu.user / 1e6).toFixed(2),
    workerCpuSystemSeconds: +(cpu.system / 1e6).toFixed(2),
    workerCpuPerNotificationMs: +(cpuMs / N).toFixed(3),
    node: process.version,
  };
  console.log(JSON.stringify(result, null, 2));

  await worker.close();
  redis.disconnect();
  server.kill("SIGTERM");
  receiver.kill();
  redisProc.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
