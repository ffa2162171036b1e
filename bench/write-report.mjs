// The write presets' figures: one run's summary, the markdown tables (each reference beside
// Liveline) and the HTTP latency CDFs. See docs/benchmark.md, "Write presets".
import { LOADGEN_LIMIT, comparisonTable, describeHost, fmt, renderCdfSvg, round } from "./report.mjs";
import { cdfPoints, summary } from "./stats.mjs";

const sum = (xs) => xs.reduce((a, b) => a + b, 0);

/** A phase's key in a section, e.g. "capacity", "rate-2000", "below-capacity". */
export const phaseKey = (phase) =>
  phase.mode === "closed" ? "capacity" : phase.ofCapacity !== undefined ? "below-capacity" : `rate-${phase.rate}`;

/** Derive the reported figures of one write run from its raw measurements. */
export function summariseWrite({
  kind,
  config,
  phase,
  n,
  ramp,
  published,
  applied,
  appliedFinal,
  drainMs,
  scrapes,
  seqPollsInWindow,
  cpuMs,
  sysMs,
  windowMs,
  lgMs,
  coresBusy,
  calls,
  jobs,
  readers,
  loadAvg,
}) {
  const accepted = published.accepted;
  const appliedTotal = sum(applied);
  // Per feed: accepted publishes that never reached its seq, and seq moves nobody was answered 2xx for.
  const notApplied = sum(published.perFeed.map((a, i) => Math.max(0, a - applied[i])));
  const overApplied = sum(published.perFeed.map((a, i) => Math.max(0, applied[i] - a)));
  const movedLater = appliedFinal === undefined ? 0 : sum(appliedFinal.map((a, i) => Math.abs(a - applied[i])));
  const perPublish = (ms) => round(ms / Math.max(1, appliedTotal), 3);
  const cpuTotal = sum(Object.values(cpuMs));
  let redis;
  if (calls) {
    const byCommand = {};
    for (const [cmd, after] of Object.entries(calls.after)) {
      const d = after - (calls.before[cmd] ?? 0) - (calls.own[cmd] ?? 0);
      if (d > 0) byCommand[cmd] = d;
    }
    const total = sum(Object.values(byCommand));
    redis = {
      commands: total,
      commandsPerPublish: round(total / Math.max(1, appliedTotal), 1),
      byCommand: Object.fromEntries(
        Object.entries(byCommand)
          .sort((a, b) => b[1] - a[1])
          .slice(0, 8)
          .map(([cmd, d]) => [cmd, round(d / Math.max(1, appliedTotal), 2)]),
      ),
    };
  }
  let readerFigures;
  if (readers) {
    const latencies = Float64Array.from(readers.latencies).sort();
    readerFigures = {
      n,
      connected: ramp.connected,
      failures: ramp.failures,
      expected: readers.expected,
      delivered: readers.delivered,
      lost: readers.lost,
      duplicated: readers.duplicated,
      outOfOrder: readers.outOfOrder,
      overlap: readers.overlap,
      short: readers.short,
      latency: summary(latencies),
      cdf: cdfPoints(latencies),
    };
  }
  const readersExact =
    readerFigures === undefined ||
    (readerFigures.failures === 0 &&
      readerFigures.connected === n &&
      readerFigures.lost === 0 &&
      readerFigures.duplicated === 0 &&
      readerFigures.outOfOrder === 0);
  const appliedSeconds = (published.publishedMs + drainMs) / 1000;
  const loadgenCore = lgMs / Math.max(1, published.publishedMs);
  return {
    kind,
    phase: phaseKey(phase),
    mode: phase.mode,
    publishers: phase.publishers,
    rate: phase.rate,
    durationMs: config.durationMs,
    // Exact: every accepted publish applied once, nothing more, and every reader exact.
    exact: notApplied === 0 && overApplied === 0 && movedLater === 0 && readersExact,
    readersExact,
    sent: published.sent,
    accepted,
    acceptedPerSec: Math.round(accepted / (published.publishedMs / 1000)),
    applied: appliedTotal,
    appliedPerSec: Math.round(appliedTotal / appliedSeconds),
    notApplied,
    overApplied,
    movedLater,
    drainMs: Math.round(drainMs),
    drained: notApplied === 0,
    statuses: published.statuses,
    connectionErrors: published.connectionErrors,
    all2xx: published.sent === accepted,
    http: published.http,
    sendLag: published.sendLag,
    maxInFlight: published.maxInFlight,
    late: published.latePublishes,
    cpu: {
      ms: cpuMs,
      sysMs,
      windowMs: Math.round(windowMs),
      msPerPublish: perPublish(cpuTotal),
      kernelMsPerPublish: perPublish(sum(Object.values(sysMs))),
      perProcess: Object.fromEntries(Object.entries(cpuMs).map(([k, ms]) => [k, perPublish(ms)])),
      // How busy the server core was: every server-side process's CPU over the window.
      corePct: Math.round((cpuTotal / Math.max(1, windowMs)) * 100),
      // The same core's busy share counting every process on it (others' too).
      coreBusyPct: coresBusy.server,
    },
    redis,
    jobs,
    jobsPerPublish: jobs === undefined ? undefined : round(jobs / Math.max(1, appliedTotal), 3),
    metricsScrapes: scrapes,
    seqPollsInWindow,
    loadgen: {
      cpuMs: Math.round(lgMs),
      corePct: Math.round(loadgenCore * 100),
      overloaded: loadgenCore > LOADGEN_LIMIT,
      coreBusyPct: coresBusy.loadgen,
    },
    readers: readerFigures,
    loadAvg,
  };
}

/** Better run of one target in one phase: exact first, then the most applied (capacity) or the lowest p99. */
export function bestWrite(runs) {
  return [...runs].sort(
    (a, b) =>
      Number(b.exact) - Number(a.exact) ||
      (a.mode === "closed" ? b.appliedPerSec - a.appliedPerSec : (a.http.p99 ?? Infinity) - (b.http.p99 ?? Infinity)),
  )[0];
}

/** What a phase of a section ran, for headings. */
export function phaseTitle(section, key) {
  const c = section.config;
  const phase = c.phases.find((p) => phaseKey(p) === key);
  const what =
    phase?.mode === "closed"
      ? `${phase.publishers} concurrent keep-alive publishers, closed loop`
      : phase?.ofCapacity !== undefined
        ? `an open-loop schedule at ${phase.ofCapacity * 100}% of what each target applied at capacity`
        : `an open-loop schedule of ${fmt(phase?.rate)} publishes/s`;
  const readers = c.readersPerFeed > 0 ? `${c.readersPerFeed} readers on each feed` : "no readers";
  return `${what}, ~600-byte entries over ${c.feeds} feeds, ${c.durationMs / 1000} s, ${readers}`;
}

const statusList = (r) => {
  const refused = Object.entries(r.statuses)
    .filter(([s]) => Number(s) < 200 || Number(s) >= 300)
    .map(([s, k]) => `HTTP ${s} ×${fmt(k)}`);
  const errors = Object.entries(r.connectionErrors).map(([e, k]) => `${e} ×${fmt(k)}`);
  return [...refused, ...errors].join(", ") || "none";
};

/** Rows of one phase's table: [name, value of a run, show Liveline ÷ reference]. */
const ROWS = [
  ["publishes/s accepted (2xx) / applied", (r) => `${fmt(r.acceptedPerSec)} / ${fmt(r.appliedPerSec)}`],
  ["publishes/s applied", (r) => r.appliedPerSec, true],
  ["answered 2xx / sent", (r) => `${fmt(r.accepted)} / ${fmt(r.sent)}`],
  ["not 2xx, by status", statusList],
  [
    "applied / accepted",
    (r) =>
      `${fmt(r.applied)} / ${fmt(r.accepted)}${r.notApplied ? ` **${fmt(r.notApplied)} not applied**` : ""}${r.overApplied ? ` **${fmt(r.overApplied)} applied but not accepted**` : ""}${r.movedLater ? ` **seq moved ${r.movedLater} after the count**` : ""}`,
  ],
  ["backlog drained after publishing (ms)", (r) => (r.kind === "liveline" ? r.drainMs : null)],
  ["server-side CPU per publish, all processes (ms)", (r) => r.cpu.msPerPublish, true],
  ["of which in the kernel (ms)", (r) => r.cpu.kernelMsPerPublish],
  [
    "per process (ms per publish)",
    (r) =>
      Object.entries(r.cpu.perProcess)
        .map(([k, v]) => `${k} ${v}`)
        .join(", "),
  ],
  [
    "server core busy: these processes / every process (window)",
    (r) => `${r.cpu.corePct}% / ${r.cpu.coreBusyPct}% (${fmt(r.cpu.windowMs)} ms)`,
  ],
  ["Redis commands per publish", (r) => r.redis?.commandsPerPublish ?? null],
  [
    "of which (per publish)",
    (r) =>
      r.redis
        ? Object.entries(r.redis.byCommand)
            .map(([k, v]) => `${k} ${v}`)
            .join(", ")
        : null,
  ],
  ["BullMQ jobs per publish (finished by the worker)", (r) => r.jobsPerPublish ?? null],
  ["HTTP latency p50 / p99 / max (ms)", (r) => `${fmt(r.http.p50)} / ${fmt(r.http.p99)} / ${fmt(r.http.max)}`],
  ["HTTP p99 (ms)", (r) => r.http.p99, true],
  [
    "publisher behind its schedule p99 / max (ms)",
    (r) => (r.sendLag ? `${fmt(r.sendLag.p99)} / ${fmt(r.sendLag.max)}` : null),
  ],
  [
    "readers: lost / duplicated / out of order",
    (r) =>
      r.readers
        ? `${r.readers.lost} / ${r.readers.duplicated} / ${r.readers.outOfOrder}${r.readersExact ? "" : " **NOT EXACT**"}`
        : null,
  ],
  [
    "readers: delivered / expected (connected)",
    (r) =>
      r.readers
        ? `${fmt(r.readers.delivered)} / ${fmt(r.readers.expected)} (${fmt(r.readers.connected)} of ${fmt(r.readers.n)})`
        : null,
  ],
  [
    "publish → reader p50 / p99 (ms)",
    (r) => (r.readers ? `${fmt(r.readers.latency.p50)} / ${fmt(r.readers.latency.p99)}` : null),
  ],
  [
    "load generator: % of its core while publishing (its core, every process)",
    (r) => `${r.loadgen.corePct}%${r.loadgen.overloaded ? " **over 70%**" : ""} (${r.loadgen.coreBusyPct}%)`,
  ],
  ["load average before → after", (r) => `${r.loadAvg.before.join(" ")} → ${r.loadAvg.after.join(" ")}`],
];

function phaseTable(section, key) {
  const chosen = section.chosen[key];
  const every = section.runs.filter((r) => r.phase === key);
  const rows = [...ROWS];
  if (every.length > Object.keys(chosen).length) {
    const each = (k) =>
      every
        .filter((r) => r.kind === k)
        .map((r) => (r.mode === "closed" ? fmt(r.appliedPerSec) : fmt(r.http.p99)))
        .join(", ");
    rows.push([`every run: ${every[0].mode === "closed" ? "applied/s" : "HTTP p99 ms"}`, (r) => each(r.kind)]);
  }
  return comparisonTable(chosen, rows);
}

/** Markdown for write sections, each phase a table. */
export function renderWriteMarkdown(sections, host, stamp) {
  const out = [
    `Run ${stamp} on ${describeHost(host)}; load average at start ${host.loadAvgAtStart.join(" ")}.`,
    `${host.pinned === false ? "Processes not pinned (fewer than 2 cores or no taskset)." : "Every server-side process (Liveline's server, worker and Redis; Nchan's nginx; the bare Socket.IO process) pinned to core 0, the load generator (one process: the publishers and any readers) to core 1."} Each figure is from the better run of each target (exact first, then the most applied at capacity or the lowest HTTP p99 on a schedule); every run is in the JSON.${host.nchan ? "" : " Nchan is not installed here, so it is not in this run."}`,
    "",
  ];
  for (const s of sections) {
    for (const key of Object.keys(s.chosen)) {
      out.push(`#### ${s.preset}: ${phaseTitle(s, key)}`, "");
      const rates = Object.values(s.chosen[key])
        .filter((r) => r.mode === "rate" && key === "below-capacity")
        .map((r) => `${r.kind} ${fmt(r.rate)}/s`);
      if (rates.length > 0) out.push(`Rates: ${rates.join(", ")}.`, "");
      out.push(phaseTable(s, key));
    }
  }
  return `${out.join("\n")}\n`;
}

/** HTTP latency CDFs per phase, and the readers' where there were any. */
export function renderWriteSvg(sections) {
  const panels = [];
  for (const s of sections) {
    for (const [key, chosen] of Object.entries(s.chosen)) {
      const runs = Object.values(chosen);
      panels.push({
        title: `${s.preset}, ${key}: HTTP latency`,
        axis: "publish → answer (ms, log scale)",
        lines: runs.map((r) => ({ kind: r.kind, cdf: r.http.cdf, max: r.http.max, p99: r.http.p99 })),
      });
      if (runs.some((r) => r.readers))
        panels.push({
          title: `${s.preset}, ${key}: publish → reader`,
          axis: "publish → reader (ms, log scale)",
          lines: runs
            .filter((r) => r.readers)
            .map((r) => ({ kind: r.kind, cdf: r.readers.cdf, max: r.readers.latency.max, p99: r.readers.latency.p99 })),
        });
    }
  }
  return renderCdfSvg(panels);
}
