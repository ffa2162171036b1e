// One run of a write preset against one target: publishers on the load generator's core (closed
// loop at capacity, or an open-loop arrival schedule), optionally readers on every feed, and the
// servers' cost of each publish. See docs/benchmark.md, "Write presets".
//
// "Applied" is what reached the feeds' `seq`: for Liveline the bench reads each feed's seq after
// publishing, waiting (up to drainBoundMs) for the worker to apply the backlog; for bare Socket.IO
// its seq too (it applies while answering); Nchan numbers nothing, so there it is what it accepted.
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import {
  LOADGEN_CPU,
  SERVER_CPU,
  busyPct,
  commandCalls,
  coreTimes,
  cpuOf,
  sleep,
  spent,
  startLoadgen,
  startTarget,
} from "./harness.mjs";
import { createFeeds } from "./targets.mjs";
import { bestWrite, phaseKey, summariseWrite } from "./write-report.mjs";

/** The machine's 1-, 5- and 15-minute load averages. */
const loadAvg = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).map(Number);
const sum = (xs) => xs.reduce((a, b) => a + b, 0);

/**
 * Until Liveline's worker has emitted an event for every accepted publish, or `deadline`: its
 * /metrics counts them, and is cheap to poll (no Redis command but its queue gauge's; the number
 * of polls is reported). Where the counter is missing, returns at once and the seqs are polled.
 */
async function waitEmitted(target, events0, accepted, deadline) {
  let scrapes = 0;
  if (target.workerCounters === undefined || !Number.isFinite(events0)) return scrapes;
  let last = NaN;
  let movedAt = performance.now();
  while (performance.now() < deadline) {
    scrapes++;
    const { events } = await target.workerCounters();
    if (!(events - events0 < accepted)) break;
    if (events !== last) [last, movedAt] = [events, performance.now()];
    // Still for 2 s short of the count: it counts something else here; the seqs will tell.
    else if (performance.now() - movedAt > 2000) break;
    await sleep(100);
  }
  return scrapes;
}

/** Applied publishes per feed (seq now less seq before), polled until all are in or `deadline`. */
async function waitSeqs(target, feeds, seq0, accepted, deadline) {
  const read = async () => (await target.feedSeqs(feeds)).map((s, i) => s - seq0[i]);
  let applied = await read();
  let waited = false;
  while (sum(applied) < accepted && performance.now() < deadline) {
    waited = true;
    await sleep(500);
    applied = await read();
  }
  return { applied, waited };
}

/**
 * One run. `phase` is { mode: "closed", publishers } or { mode: "rate", rate }; `config` has feeds,
 * durationMs, connections, readersPerFeed, drainBoundMs.
 */
export async function runWrite(kind, config, phase, opts) {
  const loadBefore = loadAvg();
  const feeds = Array.from({ length: config.feeds }, (_, i) => `bench-${i}`);
  const n = config.feeds * config.readersPerFeed;
  const target = await startTarget(kind, config, opts);
  let loadgen;
  try {
    await createFeeds(target, feeds);
    await sleep(500);
    loadgen = startLoadgen({
      index: 0,
      protocol: target.protocol,
      gateways: target.gateways,
      feeds,
      from: 0,
      to: n,
      n,
      // Every reader parses and checks every event: the counts per reader are the point here.
      probes: n,
      sdk: 0,
      localAddress: "127.0.0.2",
      rampWindow: 64,
      sinkBatchMs: 0,
      drainTimeoutMs: 10_000,
      publish: {
        url: target.url,
        token: target.token,
        mode: phase.mode,
        publishers: phase.publishers,
        rate: phase.rate,
        durationMs: config.durationMs,
        connections: phase.mode === "closed" ? phase.publishers : config.connections,
      },
    });
    await loadgen.waitFor("ready", 20_000);
    loadgen.send({ type: "start" });
    const ramp = await loadgen.waitFor("ramped", 120_000);
    await sleep(n > 0 ? 1000 : 0);

    const seq0 = target.feedSeqs ? await target.feedSeqs(feeds) : undefined;
    const counters0 = target.workerCounters ? await target.workerCounters() : undefined;
    const calls0 = target.redis ? await commandCalls(target.redis) : undefined;
    const lgPids = { loadgen: loadgen.proc.pid };
    const cpu0 = cpuOf(target.pids);
    const lg0 = cpuOf(lgPids);
    const server0 = coreTimes(SERVER_CPU);
    const loadgen0 = coreTimes(LOADGEN_CPU);
    const t0 = performance.now();
    loadgen.send({ type: "publish" });
    // Above capacity an open-loop schedule waits minutes for its last answers.
    const published = await loadgen.waitFor("published", config.durationMs + 600_000);
    const tPublished = performance.now();
    const lgMs = spent(lg0, cpuOf(lgPids));
    const loadgenCoreBusy = busyPct(loadgen0, coreTimes(LOADGEN_CPU));

    // The CPU window closes when the worker says everything is applied; the seqs are read after
    // it, so that 100 HTTP reads are not counted as the cost of publishing. Where the counter was
    // wrong (the seqs had to be waited for), the window is taken again once they are all in, and
    // the reads made meanwhile count in it (`seqPollsInWindow`).
    const accepted = sum(published.perFeed);
    const deadline = tPublished + config.drainBoundMs;
    const scrapes = await waitEmitted(target, counters0?.events ?? NaN, accepted, deadline);
    let appliedAt = performance.now();
    let done;
    if (n > 0) {
      loadgen.send({ type: "drain", perFeed: published.perFeed });
      done = await loadgen.waitFor("done", 300_000);
    }
    const closeWindow = async () => ({
      cpu: cpuOf(target.pids),
      serverCoreBusy: busyPct(server0, coreTimes(SERVER_CPU)),
      ms: performance.now() - t0,
      calls: target.redis ? await commandCalls(target.redis) : undefined,
      counters: target.workerCounters ? await target.workerCounters() : undefined,
    });
    let end = await closeWindow();
    let applied = published.perFeed; // Nchan: what it accepted
    let seqPollsInWindow = false;
    if (seq0 !== undefined) {
      const seqs = await waitSeqs(target, feeds, seq0, accepted, deadline);
      applied = seqs.applied;
      if (seqs.waited) {
        appliedAt = performance.now();
        seqPollsInWindow = true;
        end = await closeWindow();
      }
    }
    // Read again a moment later: nothing may be applied twice, nor after the count was taken.
    await sleep(seq0 !== undefined ? 500 : 0);
    const seqFinal = seq0 !== undefined ? await target.feedSeqs(feeds) : undefined;
    return summariseWrite({
      kind,
      config,
      phase,
      n,
      ramp,
      published,
      applied,
      appliedFinal: seqFinal?.map((s, i) => s - seq0[i]),
      // Only Liveline applies after answering; the others apply before their answer.
      drainMs: target.workerCounters === undefined ? 0 : appliedAt - tPublished,
      scrapes,
      seqPollsInWindow,
      cpuMs: spent(cpu0, end.cpu),
      sysMs: spent(cpu0, end.cpu, "sysMs"),
      windowMs: end.ms,
      lgMs: sum(Object.values(lgMs)),
      // Each core's busy share from /proc/stat, every process on it: above ours, others ran there.
      coresBusy: { server: end.serverCoreBusy, loadgen: loadgenCoreBusy },
      // The closing INFO is counted in the difference (and an earlier one, where it closed twice).
      calls:
        calls0 && end.calls ? { before: calls0, after: end.calls, own: { info: seqPollsInWindow ? 2 : 1 } } : undefined,
      jobs: counters0 && end.counters ? end.counters.jobs - counters0.jobs : undefined,
      readers: done?.result,
      loadAvg: { before: loadBefore, after: loadAvg() },
    });
  } finally {
    if (loadgen) {
      loadgen.send({ type: "close" });
      await Promise.race([loadgen.proc.exited, sleep(5000)]);
      await loadgen.proc.stop("SIGKILL");
    }
    await target.stop();
  }
}

/**
 * Every run of a write preset: each repetition runs every target in turn, each through the
 * preset's phases. A phase `{ mode: "rate", ofCapacity }` publishes at that share of what the
 * same target applied in the capacity phase just before. Overrides: config.publishers (closed
 * phases), config.rate (every scheduled phase). `log` gets a line per run.
 */
export async function runWritePreset(name, config, kinds, opts, log) {
  const phases = config.phases.map((p) => {
    if (p.mode === "closed") return { ...p, publishers: config.publishers ?? p.publishers };
    return config.rate === undefined ? p : { mode: "rate", rate: config.rate };
  });
  const runs = [];
  for (let r = 0; r < config.repeat; r++) {
    for (const kind of kinds) {
      let capacity;
      for (const phase of phases) {
        const actual =
          phase.ofCapacity === undefined
            ? phase
            : { ...phase, rate: Math.max(1, Math.round(phase.ofCapacity * (capacity?.appliedPerSec ?? 0))) };
        log(
          `bench ${name} run ${r + 1}/${config.repeat}: ${kind}, ${phaseKey(actual)}${actual.rate ? ` at ${actual.rate}/s` : ""}…`,
        );
        const run = await runWrite(kind, config, actual, opts);
        if (actual.mode === "closed") capacity = run;
        runs.push(run);
        log(
          `  accepted ${run.acceptedPerSec}/s, applied ${run.appliedPerSec}/s (${run.applied}/${run.accepted}, drained in ${run.drainMs} ms), ` +
            `${run.cpu.msPerPublish} ms CPU${run.redis ? `, ${run.redis.commandsPerPublish} Redis commands` : ""}` +
            `${run.jobsPerPublish !== undefined ? `, ${run.jobsPerPublish} jobs` : ""} per publish, HTTP p50 ${run.http.p50} p99 ${run.http.p99} ms, ` +
            `load generator ${run.loadgen.corePct}%${run.loadgen.overloaded ? " (OVER 70%)" : ""}` +
            `${run.readers ? `, readers lost ${run.readers.lost} dup ${run.readers.duplicated} out of order ${run.readers.outOfOrder}` : ""}`,
        );
        if (!run.exact)
          log(
            `  NOT EXACT: ${run.notApplied} accepted but not applied, ${run.overApplied} applied but not accepted, ` +
              `${run.movedLater} seq moves after the count${run.readers && !run.readersExact ? `; readers lost ${run.readers.lost}, duplicated ${run.readers.duplicated}, out of order ${run.readers.outOfOrder}, ${run.readers.n - run.readers.connected} not connected; first short readers ${JSON.stringify(run.readers.short)}` : ""}`,
          );
      }
    }
  }
  const chosen = {};
  for (const phase of phases) {
    const key = phaseKey(phase);
    chosen[key] = Object.fromEntries(
      kinds.map((k) => [k, bestWrite(runs.filter((x) => x.kind === k && x.phase === key))]),
    );
  }
  return { preset: name, config: { ...config, phases }, chosen, runs };
}
