// A load-generator process: its own process (pinned to the load generator's core by the
// orchestrator), driven over IPC. The orchestrator starts several when one process cannot hold
// the connections (20,000 open files each here); each connects from its own loopback address.
//
// It opens its share of the readers (bench/reader.mjs): *probes* (`probes` readers spread evenly
// over all of them, so over every process) parse every event and time it; *sinks* count frames
// and positions. Process 0 also runs the real SDK sample and publishes.
//
//   parent → {type:"start"}                 connect           → {type:"ramped", …}
//   parent → {type:"publish"}               publish (cfg.publish) → {type:"published", perFeed, …}   (process 0)
//   parent → {type:"drain", perFeed}        wait for delivery → {type:"done", result}
//   parent → {type:"failover", to, spreadMs}  (storm) readers whose gateway dies resume on gateway `to`
//   parent → {type:"counts"}                progress          → {type:"counts", events, resumed, …}
//   parent → {type:"close"}                 close everything, exit
import { performance } from "node:perf_hooks";
import { setTimeout } from "node:timers";
import { LivelineClient } from "@liveline/client-sdk";
import { Tally, now, openReader, parseMark } from "./reader.mjs";
import { createPublisher, publishAtInterval, publishAtRate, publishClosedLoop } from "./publisher.mjs";

const cfg = JSON.parse(process.argv[2] ?? "{}");
const { index, protocol, gateways, feeds, from, to, probes, sdk, localAddress, rampWindow, drainTimeoutMs } = cfg;
const send = (msg) => process.send?.(msg);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Reader i follows feed i mod F on gateway i mod G (a storm puts every reader on gateway 0). */
const feedOf = (i) => i % feeds.length;
const gatewayOf = (i) => (cfg.allOnFirstGateway ? 0 : i % gateways.length);
const pathOf = (f) => (protocol === "nchan" ? `/sub/${feeds[f]}` : "/socket.io/?EIO=4&transport=websocket");

/** Every stride-th reader is a probe, so probes sit all along a broadcast's order, not at its head. */
const stride = probes > 0 ? Math.max(1, Math.floor(cfg.n / probes)) : Infinity;
const isProbe = (i) => i % stride === 0 && i / stride < probes;

const readers = []; // { i, feed, tally, resume, stats, socket }
let sdkClients = []; // { client, sub, feed, tally }
const sdkLatencies = [];
const latencies = []; // probes: publish → receive, ms
const firstByEntry = new Map(); // entry index → earliest probe receive latency
let closedAfterSubscribe = 0;
let resumed = 0;
let lastResumeAt = 0;
let resumeFailures = 0;
let failoverTo = -1;
let failoverSpreadMs = 0;

function onLatency(k, ms) {
  latencies.push(ms);
  const f = firstByEntry.get(k);
  if (f === undefined || ms < f) firstByEntry.set(k, ms);
}

/** Source ports of this process's loopback address, handed out in turn (1024–65535). */
let port = 1023;
const nextPort = () => (port = port >= 65535 ? 1024 : port + 1);

async function connect(r, gateway) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await connectFrom(r, gateway, nextPort());
    } catch (err) {
      // A port some other socket holds on this address (or on all of them): take the next one.
      if (err.code !== "EADDRINUSE" || attempt > 100) throw err;
    }
  }
}

async function connectFrom(r, gateway, localPort) {
  const g = gateways[gateway];
  r.socket = await openReader({
    protocol,
    host: g.host,
    port: g.port,
    path: pathOf(r.feed),
    localAddress,
    localPort,
    feedId: feeds[r.feed],
    probe: isProbe(r.i),
    batchMs: cfg.sinkBatchMs ?? 0,
    tally: r.tally,
    stats: r.stats,
    resume: r.resume,
    onLatency,
    onClose: () => onClosed(r),
  });
}

function onClosed(r) {
  closedAfterSubscribe++;
  if (failoverTo < 0 || r.closing) return;
  // A reconnect storm: come back on the surviving gateway within failoverSpreadMs, from where we were.
  const delay = Math.random() * failoverSpreadMs;
  setTimeout(async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await connect(r, failoverTo);
        resumed++;
        lastResumeAt = Date.now();
        return;
      } catch {
        await sleep(200 + Math.random() * 300);
      }
    }
    resumeFailures++;
  }, delay);
}

async function ramp() {
  const t0 = performance.now();
  let next = from;
  let failures = 0;
  const errors = new Map();
  const lane = async () => {
    while (next < to) {
      const i = next++;
      const r = {
        i,
        feed: feedOf(i),
        tally: new Tally({ ordered: protocol !== "nchan" }),
        stats: { frames: 0, bytes: 0 }, // across reconnects
        resume: { epoch: undefined },
      };
      try {
        await connect(r, gatewayOf(i));
        readers.push(r);
      } catch (err) {
        failures++;
        const key = String(err.message).slice(0, 80);
        errors.set(key, (errors.get(key) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(rampWindow, to - from) }, lane));
  const rampMs = performance.now() - t0;

  // Real SDK clients last (process 0), so that their handshakes do not flatter the ramp rate.
  const clients = [];
  if (protocol === "socketio") {
    const g = gateways[gateways.length - 1];
    for (let i = 0; i < sdk; i++) {
      const client = new LivelineClient({ url: `http://${g.host}:${g.port}`, transports: ["websocket"] });
      const sub = client.subscribe(feeds[feedOf(i)]);
      const c = { client, sub, feed: feedOf(i), tally: new Tally() };
      c.tally.connecting();
      sub.on("event", (e) => {
        c.tally.see(e.seq);
        const mark = parseMark(e.entry?.headline ?? "");
        if (mark) sdkLatencies.push(now() - mark.at);
      });
      clients.push(c);
    }
    const deadline = Date.now() + 20_000;
    while (clients.some((c) => c.sub.seq === undefined) && Date.now() < deadline) await sleep(20);
    for (const c of clients) if (c.sub.seq !== undefined) c.tally.subscribed(c.sub.seq);
  }
  sdkClients = clients;
  send({
    type: "ramped",
    connected: readers.length,
    failures,
    errors: Object.fromEntries(errors),
    rampMs: Math.round(rampMs),
    sdkReady: clients.filter((c) => c.sub.seq !== undefined).length,
  });
}
// ---- publishing (process 0) --------------------------------------------------------------

/** Publish as cfg.publish says (bench/publisher.mjs), then report what was accepted. */
async function publish() {
  const p = cfg.publish;
  const publisher = createPublisher({
    url: p.url,
    token: p.token,
    protocol,
    feeds,
    connections: p.connections ?? 8,
  });
  const feedCount = feeds.length;
  const result =
    p.mode === "closed"
      ? await publishClosedLoop(publisher, { publishers: p.publishers, durationMs: p.durationMs, feedCount })
      : p.mode === "rate"
        ? await publishAtRate(publisher, { rate: p.rate, durationMs: p.durationMs, feedCount })
        : await publishAtInterval(publisher, {
            m: p.m,
            intervalMs: p.intervalMs,
            randomFeeds: p.randomFeeds,
            feedCount,
          });
  void publisher.close();
  send({ type: "published", ...result });
}

// ---- draining and the result ---------------------------------------------------------------

function events() {
  let n = 0;
  for (const r of readers) n += r.tally.events;
  for (const c of sdkClients) n += c.tally.events;
  return n;
}

/** Wait until every reader has what its feed was sent, or nothing arrived for drainTimeoutMs. */
async function drain(perFeed) {
  let expected = 0;
  for (const r of readers) expected += perFeed[r.feed];
  for (const c of sdkClients) expected += perFeed[c.feed];
  let last = -1;
  let lastChange = performance.now();
  while (events() < expected) {
    const now = events();
    if (now !== last) {
      last = now;
      lastChange = performance.now();
    } else if (performance.now() - lastChange > drainTimeoutMs) break;
    await sleep(20);
  }
  let duplicated = 0;
  let outOfOrder = 0;
  let overlap = 0;
  let gaps = 0;
  let frames = 0;
  let bytes = 0;
  for (const r of [...readers, ...sdkClients]) {
    duplicated += r.tally.duplicated;
    outOfOrder += r.tally.outOfOrder;
    overlap += r.tally.overlap;
    gaps += r.tally.gaps;
  }
  for (const r of readers) {
    frames += r.stats.frames;
    bytes += r.stats.bytes;
  }
  // A few readers that are short of their feed's count, as they stand: where to start looking.
  const short = readers
    .filter((r) => r.tally.events < perFeed[r.feed])
    .slice(0, 3)
    .map((r) => ({ i: r.i, expected: perFeed[r.feed], ...r.tally }));
  const sdkExpected = sdkClients.reduce((a, c) => a + perFeed[c.feed], 0);
  const sdkEvents = sdkClients.reduce((a, c) => a + c.tally.events, 0);
  return {
    expected,
    delivered: events(),
    lost: expected - events(),
    gaps,
    duplicated,
    outOfOrder,
    overlap,
    frames,
    bytes,
    sdkExpected,
    sdkDelivered: sdkEvents,
    // Raw, for the orchestrator to merge across load generators.
    latencies,
    firstByEntry: [...firstByEntry],
    sdkLatencies,
    short,
    storm: { closedAfterSubscribe, resumed, resumeFailures, lastResumeAt },
  };
}

process.on("message", (msg) => {
  if (msg.type === "start") void ramp();
  else if (msg.type === "publish") void publish();
  else if (msg.type === "drain") void drain(msg.perFeed).then((result) => send({ type: "done", result }));
  else if (msg.type === "failover") {
    failoverTo = msg.to;
    failoverSpreadMs = msg.spreadMs;
  } else if (msg.type === "counts") send({ type: "counts", events: events(), resumed, closedAfterSubscribe });
  else if (msg.type === "close") {
    for (const c of sdkClients) c.client.close();
    for (const r of readers) {
      r.closing = true;
      // A reset, not a FIN: no TIME_WAIT left holding this address's ports for the next run.
      r.socket?.resetAndDestroy();
    }
    setTimeout(() => process.exit(0), 100);
  }
});
send({ type: "ready", index });
