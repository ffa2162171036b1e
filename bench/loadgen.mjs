// The load generator: its own process (pinned to its own core by the orchestrator), driven
// over IPC. It opens N lightweight subscribers plus a sample of real SDK clients, publishes M
// entries through the HTTP API at a fixed interval, and records the publish→receive latency of
// every (subscriber, entry).
//
//   parent → {type:"start"}    ramp up connections     → {type:"ramped", …}
//   parent → {type:"publish"}  publish and drain        → {type:"done", result}
//   parent → {type:"close"}    close everything, exit
import http from "node:http";
import { performance } from "node:perf_hooks";
import { LivelineClient } from "@liveline/client-sdk";
import { openSubscriber } from "./ws-subscriber.mjs";
import { cdfPoints, sortedFinite, summary } from "./stats.mjs";
import { setTimeout } from "node:timers";
import { Buffer } from "node:buffer";

const cfg = JSON.parse(process.argv[2] ?? "{}");
const { url, token, feeds, n, sdk, m, intervalMs, window: rampWindow, drainTimeoutMs } = cfg;
const M = m;
const wsUrl = `${url.replace(/^http/, "ws")}/socket.io/?EIO=4&transport=websocket`;
const feedOf = (i) => feeds[i % feeds.length];

const send = (msg) => process.send?.(msg);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Latency of subscriber i for entry k at lat[i * M + k]; NaN until received.
const lat = new Float64Array(n * M).fill(NaN);
const sdkLat = new Float64Array(sdk * M).fill(NaN);
let delivered = 0;
let duplicated = 0;
let stray = 0;
let disconnects = 0;
const sockets = [];
const clients = [];

function record(arr, i, k, publishedAt) {
  const now = performance.now();
  if (k >= M) return void stray++;
  const slot = i * M + k;
  if (!Number.isNaN(arr[slot])) return void duplicated++;
  arr[slot] = now - publishedAt;
  delivered++;
}

// Expected deliveries: entry k goes to feed k % F, subscriber i follows feed i % F.
function expectedFor(count) {
  const perFeed = new Array(feeds.length).fill(0);
  for (let i = 0; i < count; i++) perFeed[i % feeds.length]++;
  let e = 0;
  for (let k = 0; k < M; k++) e += perFeed[k % feeds.length];
  return e;
}
const expected = expectedFor(n);
const expectedSdk = expectedFor(sdk);

async function ramp() {
  const t0 = performance.now();
  let next = 0;
  let failures = 0;
  const errors = new Map();
  const lane = async () => {
    while (next < n) {
      const i = next++;
      try {
        const ws = await openSubscriber(
          wsUrl,
          feedOf(i),
          (k, at) => record(lat, i, k, at),
          () => disconnects++,
        );
        sockets.push(ws);
      } catch (err) {
        failures++;
        const key = err.message.slice(0, 80);
        errors.set(key, (errors.get(key) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(rampWindow, n) }, lane));
  const rampMs = performance.now() - t0;

  // Real SDK clients last, so that their handshakes do not flatter the ramp rate.
  for (let i = 0; i < sdk; i++) {
    const client = new LivelineClient({ url, transports: ["websocket"] });
    const sub = client.subscribe(feedOf(i));
    sub.on("event", (e) => {
      const h = e.entry?.headline ?? "";
      const mm = /^bench#(\d+)@([\d.]+)/.exec(h);
      if (mm) record(sdkLat, i, Number(mm[1]), Number(mm[2]));
    });
    clients.push({ client, sub });
  }
  const deadline = Date.now() + 20_000;
  while (clients.some((c) => c.sub.seq === undefined) && Date.now() < deadline) await sleep(20);
  const sdkReady = clients.filter((c) => c.sub.seq !== undefined).length;
  send({
    type: "ramped",
    connected: sockets.length,
    failures,
    errors: Object.fromEntries(errors),
    rampMs: Math.round(rampMs),
    connsPerSec: Math.round((sockets.length / rampMs) * 1000),
    sdkReady,
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
const body =
  `<p>${"Live update: officials confirmed the figures at the briefing, and reporters on the ground describe long queues at the polling stations. ".repeat(5)}</p>`.slice(
    0,
    600,
  );

function publishOne(k) {
  return new Promise((resolve) => {
    const feedId = feeds[k % feeds.length];
    const at = performance.now();
    const payload = JSON.stringify({ headline: `bench#${k}@${at.toFixed(3)}`, body });
    const req = http.request(
      `${url}/v1/feeds/${feedId}/entries`,
      {
        method: "POST",
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(payload),
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode === 202 ? null : `HTTP ${res.statusCode}`));
      },
    );
    req.on("error", (err) => resolve(err.message));
    req.end(payload);
  });
}

async function publishAndDrain() {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const replies = [];
  let late = 0;
  for (let k = 0; k < M; k++) {
    const target = t0 + k * intervalMs;
    const wait = target - performance.now();
    if (wait > 0) await sleep(wait);
    else if (wait < -intervalMs / 2) late++;
    replies.push(publishOne(k));
  }
  const publishErrors = (await Promise.all(replies)).filter((e) => e !== null);
  const publishedMs = performance.now() - t0;

  // Drain: until everything expected arrived, or nothing new arrived for drainTimeoutMs.
  let last = -1;
  let lastChange = performance.now();
  while (delivered < expected + expectedSdk) {
    if (delivered !== last) {
      last = delivered;
      lastChange = performance.now();
    } else if (performance.now() - lastChange > drainTimeoutMs) break;
    await sleep(10);
  }
  const drainedMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);

  const perEntry = [];
  for (let k = 0; k < M; k++) {
    const col = new Float64Array(n);
    for (let i = 0; i < n; i++) col[i] = lat[i * M + k];
    const s = sortedFinite(col);
    perEntry.push(summary(s));
  }
  const all = sortedFinite(lat);
  const sdkSorted = sortedFinite(sdkLat);
  const tenth = Math.max(1, Math.floor(M / 10));
  // Also without the first 10% of entries, whose publish and broadcast run cold code paths:
  // reported beside the full figure, to tell warm-up from steady state.
  const warm = new Float64Array(n * (M - tenth));
  for (let i = 0; i < n; i++) warm.set(lat.subarray(i * M + tenth, (i + 1) * M), i * (M - tenth));
  const deliveredLight = all.length;
  const deliveredSdk = sdkSorted.length;
  const meanOf = (xs) => xs.reduce((a, b) => a + (b ?? 0), 0) / xs.length;
  return {
    expected,
    delivered: deliveredLight,
    lost: expected - deliveredLight,
    expectedSdk,
    deliveredSdk,
    lostSdk: expectedSdk - deliveredSdk,
    duplicated,
    stray,
    disconnects,
    publishErrors: publishErrors.length,
    publishErrorSample: publishErrors.slice(0, 3),
    latePublishes: late,
    publishedMs: Math.round(publishedMs),
    drainedMs: Math.round(drainedMs),
    latency: summary(all),
    warmLatency: summary(sortedFinite(warm)),
    sdkLatency: summary(sdkSorted),
    cdf: cdfPoints(all),
    perEntryP50: perEntry.map((s) => s.p50),
    perEntryMax: perEntry.map((s) => s.max),
    firstTenthP50: Math.round(meanOf(perEntry.slice(0, tenth).map((s) => s.p50)) * 100) / 100,
    lastTenthP50: Math.round(meanOf(perEntry.slice(-tenth).map((s) => s.p50)) * 100) / 100,
    loadgenCpuMs: Math.round((cpu.user + cpu.system) / 1000),
  };
}

process.on("message", (msg) => {
  if (msg.type === "start") void ramp();
  else if (msg.type === "publish") void publishAndDrain().then((result) => send({ type: "done", result }));
  else if (msg.type === "close") {
    for (const c of clients) c.client.close();
    for (const ws of sockets) ws.terminate();
    agent.destroy();
    setTimeout(() => process.exit(0), 100);
  }
});
send({ type: "ready" });
