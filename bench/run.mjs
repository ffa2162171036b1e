// `npm run bench`: Liveline end to end beside two references, the same readers and events,
// alternating in one run: a bare Socket.IO server, and Nchan (nginx's C push module) when it is
// installed. See docs/benchmark.md.
//
//   npm run bench -- --quick               1,000 readers, 20 entries every 100 ms (CI smoke, < 60 s)
//   npm run bench -- --preset n10k         one preset (see PRESETS); --preset all runs the main ones
//   npm run bench -- --n 2000 --feeds 20 --m 40 --interval 200 --repeat 1 --gateways 2
//   options: --sink-batch MS (sinks read every MS ms; 0: at every frame; default 200 when
//            each reader gets an event every 100 ms or faster, else 0),
//            --only liveline|baseline|nchan (repeatable), --cpu-prof (profile the Liveline
//            servers), --out DIR, --node-arg FLAG (a Node/V8 flag for the Liveline servers),
//            --rewrite-all (run nothing: write the reports again from the presets' JSON),
//            --liveline-root DIR (run another checkout's build, to alternate a change with this one)
//   write presets (write, write-readers, write-2000, write-quick): --duration MS, --publishers N,
//            --rate N (publishes/s of every scheduled phase), --readers-per-feed N, --drain-bound MS
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { clearInterval, setInterval } from "node:timers";
import { performance } from "node:perf_hooks";
import { CAN_PIN, procStats } from "./procs.mjs";
import { HAS_NCHAN, createFeeds } from "./targets.mjs";
import { cpuOf, redisCommands, sleep, spent, startLoadgen, startTarget } from "./harness.mjs";
import { renderMarkdown, renderSvg, summarise } from "./report.mjs";
import { renderWriteMarkdown, renderWriteSvg } from "./write-report.mjs";
import { runWritePreset } from "./write-run.mjs";
import { MAIN, PRESETS } from "./presets.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Readers per load-generator process: under its 20,000 open files, with room for the rest. */
const PER_LOADGEN = 15_000;
const ALL = ["baseline", "nchan", "liveline"];

function parseArgs(argv) {
  const opts = {
    presets: [],
    only: [],
    cpuProf: false,
    nodeArgs: [],
    livelineRoot: undefined,
    out: join(ROOT, "bench/results"),
    custom: {},
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const num = (key) => (opts.custom[key] = Number(val()));
    if (a === "--quick") opts.presets.push("quick");
    else if (a === "--preset") {
      const p = val();
      if (p === "all") opts.presets.push(...MAIN);
      else if (PRESETS[p]) opts.presets.push(p);
      else throw new Error(`unknown preset ${p}; one of: all, ${Object.keys(PRESETS).join(", ")}`);
    } else if (a === "--only") opts.only.push(val());
    else if (a === "--cpu-prof") opts.cpuProf = true;
    else if (a === "--node-arg") opts.nodeArgs.push(val());
    else if (a === "--liveline-root") opts.livelineRoot = val();
    else if (a === "--out") opts.out = val();
    else if (a === "--rewrite-all") opts.rewriteAll = true;
    else if (a === "--n") num("n");
    else if (a === "--probes") num("probes");
    else if (a === "--feeds") num("feeds");
    else if (a === "--m") num("m");
    else if (a === "--interval") num("intervalMs");
    else if (a === "--sdk") num("sdk");
    else if (a === "--repeat") num("repeat");
    else if (a === "--gateways") num("gateways");
    else if (a === "--sink-batch") num("sinkBatchMs");
    else if (a === "--duration") num("durationMs");
    else if (a === "--publishers") num("publishers");
    else if (a === "--rate") num("rate");
    else if (a === "--readers-per-feed") num("readersPerFeed");
    else if (a === "--drain-bound") num("drainBoundMs");
    else throw new Error(`unknown option ${a}`);
  }
  if (opts.presets.length === 0) opts.presets.push("n1k");
  return opts;
}

const rssOf = (pids, names) => names.reduce((a, n) => a + procStats(pids[n]).rssKb, 0);
const gatewayNames = (pids) => Object.keys(pids).filter((k) => k.startsWith("server"));

/** The gateway's catch-up counters, from its /metrics. */
async function catchUpCounters(url) {
  const text = await (await globalThis.fetch(`${url}/metrics`)).text();
  const read = (name) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, "m").exec(text)?.[1] ?? NaN);
  return { asked: read("liveline_catchup_requests_total"), read: read("liveline_catchup_reads_total") };
}

/** Sample per-process CPU every `everyMs` and keep each one's highest share of a core. */
function cpuPeaks(pids, everyMs = 250) {
  const peak = {};
  let prev = cpuOf(pids);
  let prevAt = performance.now();
  const timer = setInterval(() => {
    const cur = cpuOf(pids);
    const at = performance.now();
    for (const [k, ms] of Object.entries(spent(prev, cur))) peak[k] = Math.max(peak[k] ?? 0, ms / (at - prevAt));
    prev = cur;
    prevAt = at;
  }, everyMs);
  return () => {
    clearInterval(timer);
    return Object.fromEntries(Object.entries(peak).map(([k, v]) => [k, Math.round(v * 100)]));
  };
}

/** One measured run of one target at one configuration. */
async function runOnce(kind, config, opts) {
  const feeds = Array.from({ length: config.feeds }, (_, i) => `bench-${i}`);
  const storm = config.scenario === "storm";
  const target = await startTarget(kind, config, opts);
  const loadgens = [];
  try {
    await createFeeds(target, feeds);
    await sleep(500);
    const gws = gatewayNames(target.pids);
    const rssBefore = rssOf(target.pids, gws);
    // Publish through the gateway that survives a storm (the last one).
    const publishUrl = storm ? target.urlOf(target.gateways.length - 1) : target.url;
    const count = Math.max(1, Math.ceil(config.n / PER_LOADGEN));
    for (let index = 0; index < count; index++) {
      const from = Math.floor((config.n * index) / count);
      const to = Math.floor((config.n * (index + 1)) / count);
      loadgens.push(
        startLoadgen({
          index,
          protocol: target.protocol,
          gateways: target.gateways,
          feeds,
          from,
          to,
          n: config.n,
          probes: config.probes,
          sdk: index === 0 && target.protocol === "socketio" ? config.sdk : 0,
          // Its own loopback address: each source address has ~28,000 ephemeral ports.
          localAddress: `127.0.0.${2 + index}`,
          allOnFirstGateway: storm,
          rampWindow: 64,
          sinkBatchMs: config.sinkBatchMs,
          drainTimeoutMs: storm ? 20_000 : 10_000,
          publish:
            index === 0
              ? {
                  url: publishUrl,
                  token: target.token,
                  m: config.m,
                  intervalMs: config.intervalMs,
                  randomFeeds: config.randomFeeds === true,
                }
              : undefined,
        }),
      );
    }
    await Promise.all(loadgens.map((l) => l.waitFor("ready", 20_000)));
    const lgPids = Object.fromEntries(loadgens.map((l, i) => [`loadgen${i}`, l.proc.pid]));
    const rampCpu0 = cpuOf(target.pids);
    const rampT0 = performance.now();
    // One after another: each process ramps on the same core, and a storm of handshakes from
    // all of them at once would measure the core's queueing, not the servers.
    const ramps = [];
    for (const l of loadgens) {
      l.send({ type: "start" });
      ramps.push(await l.waitFor("ramped", 300_000));
    }
    const rampMs = performance.now() - rampT0;
    const rampCpu1 = cpuOf(target.pids);
    const connected = ramps.reduce((a, r) => a + r.connected, 0);
    const ramp = {
      connected,
      failures: ramps.reduce((a, r) => a + r.failures, 0),
      errors: Object.assign({}, ...ramps.map((r) => r.errors)),
      sdkReady: ramps.reduce((a, r) => a + r.sdkReady, 0),
      rampMs: Math.round(rampMs),
      connsPerSec: Math.round((connected / rampMs) * 1000),
      cpuMs: spent(rampCpu0, rampCpu1),
      sysMs: spent(rampCpu0, rampCpu1, "sysMs"),
    };
    await sleep(1500);
    const rssAfter = rssOf(target.pids, gws);

    let idle;
    if (config.idle) {
      // Nothing published: what holding the connections costs (Socket.IO pings every 25 s).
      const windowMs = 30_000;
      const c0 = cpuOf(target.pids);
      await sleep(windowMs);
      const ms = spent(c0, cpuOf(target.pids));
      const gwMs = gws.reduce((a, g) => a + (ms[g] ?? 0), 0);
      idle = {
        windowMs,
        gatewayCpuMs: gwMs,
        perTenThousandPct: Math.round(((gwMs / windowMs) * 100 * 10_000 * 100) / Math.max(1, ramp.connected)) / 100,
      };
    }

    const cpu0 = cpuOf(target.pids);
    const lg0 = cpuOf(lgPids);
    const t0 = performance.now();
    let stormReport;
    if (storm) {
      for (const l of loadgens) l.send({ type: "failover", to: target.gateways.length - 1, spreadMs: config.spreadMs });
    }
    loadgens[0].send({ type: "publish" });
    const publishedP = loadgens[0].waitFor("published", config.m * config.intervalMs + 120_000);
    publishedP.catch(() => undefined); // awaited below; not an unhandled rejection if the storm fails first
    if (storm) {
      await sleep(config.killAfterMs);
      const survivor = target.urlOf(target.gateways.length - 1);
      const counters0 = await catchUpCounters(survivor);
      const commands0 = await redisCommands(target.redis);
      const peaks = cpuPeaks({ redis: target.pids.redis, [gws.at(-1)]: target.pids[gws.at(-1)] });
      const killedAt = Date.now();
      await target.kill(0);
      // Until every reader has resumed (or 60 s).
      let resumed = 0;
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        await sleep(100);
        const counts = await Promise.all(
          loadgens.map((l) => (l.send({ type: "counts" }), l.waitFor("counts", 30_000))),
        );
        resumed = counts.reduce((a, c) => a + c.resumed, 0);
        if (resumed >= ramp.connected) break;
      }
      const peakPct = peaks();
      const counters1 = await catchUpCounters(survivor);
      const commands1 = await redisCommands(target.redis);
      stormReport = {
        killedAt,
        readers: ramp.connected,
        resumed,
        peakCpuPct: peakPct,
        catchUpsAsked: counters1.asked - counters0.asked,
        catchUpReads: counters1.read - counters0.read,
        redisCommands: commands1 - commands0,
      };
    }
    const published = await publishedP;
    for (const l of loadgens) l.send({ type: "drain", perFeed: published.perFeed });
    const dones = await Promise.all(loadgens.map((l) => l.waitFor("done", 300_000)));
    const wallMs = performance.now() - t0;
    // What is still to do once the readers have everything: a job that finds its changes applied
    // already (an idle worker applied them on the accept's nudge) may still be running. A second
    // is given for that, counted in the CPU; a target that fell behind still has its backlog then.
    let backlog = await target.backlog(feeds);
    for (const until = performance.now() + 1000; backlog > 0 && performance.now() < until;) {
      await sleep(20);
      backlog = await target.backlog(feeds);
    }
    const cpu1 = cpuOf(target.pids);
    const cpuMs = spent(cpu0, cpu1);
    const sysMs = spent(cpu0, cpu1, "sysMs");
    const lgMs = spent(lg0, cpuOf(lgPids));
    if (stormReport) {
      const last = Math.max(...dones.map((d) => d.result.storm.lastResumeAt));
      stormReport.allResumedMs = stormReport.resumed >= stormReport.readers ? last - stormReport.killedAt : null;
      stormReport.resumeFailures = dones.reduce((a, d) => a + d.result.storm.resumeFailures, 0);
    }
    return summarise({
      kind,
      config,
      ramp,
      rssBefore,
      rssAfter,
      idle,
      published,
      dones,
      cpuMs,
      sysMs,
      lgMs,
      wallMs,
      backlog,
      storm: stormReport,
    });
  } finally {
    for (const l of loadgens) l.send({ type: "close" });
    await Promise.race([Promise.all(loadgens.map((l) => l.proc.exited)), sleep(5000)]);
    await Promise.all(loadgens.map((l) => l.proc.stop("SIGKILL")));
    await target.stop();
  }
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    loadAvgAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
    pinned: CAN_PIN,
    nchan: HAS_NCHAN,
  };
}

/** Better-quality run: exact counts first, then the lowest CPU per delivery. */
function best(runs) {
  return [...runs].sort((a, b) => Number(b.exact) - Number(a.exact) || a.cpu.usPerDelivery - b.cpu.usPerDelivery)[0];
}

/**
 * all.md and all.svg in `dir`: the latest run of every main preset there, whichever run wrote it;
 * with `rewriteEach`, each preset's own .md and .svg again too (after a change to the report).
 */
function writeAll(dir, stamp, rewriteEach = false) {
  const latest = MAIN.map((p) => join(dir, `${p}.json`))
    .filter((f) => existsSync(f))
    .map((f) => JSON.parse(readFileSync(f, "utf8")));
  if (rewriteEach) for (const sec of latest) writeReports(dir, sec, sec.machine, sec.at);
  const reading = latest.filter((s) => s.config.scenario !== "write");
  const writing = latest.filter((s) => s.config.scenario === "write");
  if (latest.length < 2) return;
  const newest = [...latest].sort((a, b) => (a.at < b.at ? -1 : 1)).at(-1);
  writeFileSync(
    join(dir, "all.md"),
    [
      ...(reading.length > 0 ? [renderMarkdown(reading, newest.machine, stamp ?? newest.at)] : []),
      ...writing.map((s) => renderWriteMarkdown([s], s.machine, s.at)),
    ].join("\n"),
  );
  writeFileSync(join(dir, "all.svg"), renderSvg(reading.filter((s) => s.config.scenario === "steady")));
}

/** A preset's <preset>.json (unless only rewriting), .md and .svg, with the write presets' own report. */
function writeReports(dir, section, host, stamp, json = false) {
  const file = join(dir, section.preset);
  const write = section.config.scenario === "write";
  if (json) writeFileSync(`${file}.json`, `${JSON.stringify({ machine: host, at: stamp, ...section }, null, 2)}\n`);
  writeFileSync(`${file}.md`, (write ? renderWriteMarkdown : renderMarkdown)([section], host, stamp));
  writeFileSync(`${file}.svg`, (write ? renderWriteSvg : renderSvg)([section]));
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.rewriteAll) return writeAll(opts.out, undefined, true);
  const stamp = new Date().toISOString().slice(0, 16).replace(/[:T]/g, "-");
  const host = machine();
  mkdirSync(opts.out, { recursive: true });
  const sections = [];
  let exactEverywhere = true;
  for (const name of opts.presets) {
    const config = { scenario: "steady", gateways: 1, ...PRESETS[name], ...opts.custom };
    const kindsOf = (cfg) =>
      (opts.only.length > 0 ? opts.only : (cfg.targets ?? ALL)).filter((k) => k !== "nchan" || HAS_NCHAN);
    if (config.scenario === "write") {
      const log = (line) => process.stderr.write(`${line}\n`);
      const section = await runWritePreset(name, config, kindsOf(config), opts, log);
      if (!section.runs.every((r) => r.exact)) {
        exactEverywhere = false;
        log(`bench ${name}: NOT EXACT (see above); the run fails`);
      }
      sections.push(section);
      writeReports(opts.out, section, host, stamp, true);
      continue;
    }
    // Sinks read in 200 ms rounds when each gets an event every 100 ms or more often (two or more
    // frames a read); at one a second a round would cost more (a pause and a resume per frame)
    // than it saves. Probes always read at once. See bench/reader.mjs.
    config.sinkBatchMs ??= config.intervalMs * config.feeds <= 100 ? 200 : 0;
    const kinds = kindsOf(config);
    const runs = [];
    for (let r = 0; r < config.repeat; r++) {
      for (const kind of kinds) {
        process.stderr.write(`bench ${name} run ${r + 1}/${config.repeat}: ${kind}…\n`);
        const run = await runOnce(kind, config, opts);
        runs.push(run);
        process.stderr.write(
          `  ${run.delivered}/${run.expected} lost ${run.lost} dup ${run.duplicated}, p50 ${run.latency.p50} p99 ${run.latency.p99} ms, ` +
            `${run.cpu.usPerDelivery} µs/delivery, ${run.mem.kbPerConn} KB/conn, load generator ${run.loadgen.corePct}% of its core${run.loadgen.overloaded ? " (OVER 70%)" : ""}` +
            `${run.storm ? `, all resumed in ${run.storm.allResumedMs} ms, ${run.storm.catchUpReads} catch-up reads for ${run.storm.catchUpsAsked} readers` : ""}\n`,
        );
        if (!run.exact) exactEverywhere = false;
      }
    }
    const chosen = Object.fromEntries(kinds.map((k) => [k, best(runs.filter((x) => x.kind === k))]));
    const section = { preset: name, config, chosen, runs };
    sections.push(section);
    writeReports(opts.out, section, host, stamp, true);
  }
  writeAll(opts.out, stamp);
  const reading = sections.filter((s) => s.config.scenario !== "write");
  const writing = sections.filter((s) => s.config.scenario === "write");
  if (reading.length > 0) process.stdout.write(renderMarkdown(reading, host, stamp));
  if (writing.length > 0) process.stdout.write(renderWriteMarkdown(writing, host, stamp));
  const line = (s, r) =>
    s.config.scenario === "write"
      ? {
          preset: s.preset,
          kind: r.kind,
          phase: r.phase,
          exact: r.exact,
          accepted: r.accepted,
          applied: r.applied,
          ...(r.readers
            ? {
                expected: r.readers.expected,
                delivered: r.readers.delivered,
                lost: r.readers.lost,
                duplicated: r.readers.duplicated,
                outOfOrder: r.readers.outOfOrder,
              }
            : {}),
        }
      : {
          preset: s.preset,
          kind: r.kind,
          expected: r.expected,
          delivered: r.delivered,
          lost: r.lost,
          duplicated: r.duplicated,
          outOfOrder: r.outOfOrder,
        };
  process.stdout.write(
    `${JSON.stringify({ bench: "done", exact: exactEverywhere, runs: sections.flatMap((s) => s.runs.map((r) => line(s, r))) })}\n`,
  );
  process.exitCode = exactEverywhere ? 0 : 1;
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err.stack ?? err}\n`);
  process.exit(2);
});
