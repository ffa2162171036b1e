// Turning runs into figures: a per-run summary, markdown tables (each reference beside Liveline)
// and latency CDF plots as a hand-written SVG.
import { cdfPoints, summary } from "./stats.mjs";

export const round = (v, d = 2) =>
  v === null || v === undefined || Number.isNaN(v) ? null : Math.round(v * 10 ** d) / 10 ** d;
export const fmt = (v) =>
  v === null || v === undefined ? "—" : typeof v === "number" ? v.toLocaleString("en-US") : String(v);
const sum = (xs) => xs.reduce((a, b) => a + b, 0);

/** The load generator's share of its core above which a run measures it rather than the servers. */
export const LOADGEN_LIMIT = 0.7;

/** Derive the reported figures of one run from the raw measurements. */
export function summarise({
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
  storm,
}) {
  const results = dones.map((d) => d.result);
  const expected = sum(results.map((r) => r.expected));
  const delivered = sum(results.map((r) => r.delivered));
  const duplicated = sum(results.map((r) => r.duplicated));
  const outOfOrder = sum(results.map((r) => r.outOfOrder));
  const overlap = sum(results.map((r) => r.overlap));
  const lost = expected - delivered;
  // Probes are spread over every load generator; the earliest probe per entry is its first reader.
  const sorted = (xs) => Float64Array.from(xs).sort();
  const allLatencies = sorted(results.flatMap((r) => r.latencies));
  const first = new Map();
  for (const r of results) for (const [k, ms] of r.firstByEntry) if (!(first.get(k) <= ms)) first.set(k, ms);
  const latency = summary(allLatencies);
  const conns = ramp.connected + ramp.sdkReady;
  const exact =
    lost === 0 &&
    duplicated === 0 &&
    outOfOrder === 0 &&
    published.publishErrors === 0 &&
    ramp.failures === 0 &&
    ramp.sdkReady === config.sdk * (kind === "nchan" ? 0 : 1);
  const per = (ms) => round((ms * 1000) / Math.max(1, delivered));
  const perProcess = Object.fromEntries(Object.entries(cpuMs).map(([k, ms]) => [k, per(ms)]));
  const loadgenCore = sum(Object.values(lgMs)) / wallMs;
  return {
    kind,
    exact,
    expected,
    delivered,
    lost,
    duplicated,
    outOfOrder,
    overlap,
    frames: sum(results.map((r) => r.frames)),
    short: results.flatMap((r) => r.short),
    latency,
    firstReader: summary(sorted(first.values())),
    sdkLatency: summary(sorted(results.flatMap((r) => r.sdkLatencies))),
    cpu: {
      ms: cpuMs,
      sysMs,
      usPerDelivery: per(sum(Object.values(cpuMs))),
      kernelUsPerDelivery: per(sum(Object.values(sysMs))),
      perProcess,
    },
    mem: {
      rssBeforeKb: rssBefore,
      rssAfterKb: rssAfter,
      kbPerConn: round((rssAfter - rssBefore) / Math.max(1, conns), 1),
    },
    loadgen: {
      processes: dones.length,
      cpuMs: lgMs,
      corePct: Math.round(loadgenCore * 100),
      overloaded: loadgenCore > LOADGEN_LIMIT,
    },
    ramp: {
      ...ramp,
      usPerConn: round((sum(Object.values(ramp.cpuMs)) * 1000) / Math.max(1, conns), 1),
    },
    idle,
    storm,
    publish: {
      errors: published.publishErrors,
      sample: published.publishErrorSample,
      late: published.latePublishes,
      ms: published.publishedMs,
    },
    backlog,
    keptUp: backlog === 0 && lost === 0 && (latency.p99 ?? Infinity) < Math.max(1000, 10 * config.intervalMs),
    cdf: cdfPoints(allLatencies),
  };
}

export const ratio = (l, b) => (typeof l === "number" && typeof b === "number" && b !== 0 ? `${round(l / b)}×` : "—");

const readers = (n) => `${n.toLocaleString("en-US")} reader${n === 1 ? "" : "s"}`;
const every = (ms) => (ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`);

function title(c) {
  const feeds = c.feeds === 1 ? "1 feed" : `${c.feeds.toLocaleString("en-US")} feeds`;
  const gw = c.gateways > 1 ? `, ${c.gateways} gateway processes` : "";
  const what =
    c.scenario === "storm"
      ? `reconnect storm: gateway killed after ${c.killAfterMs / 1000} s, readers back within ${c.spreadMs / 1000} s; `
      : "";
  return `${what}${readers(c.n)}${c.sdk ? ` (+${c.sdk} SDK)` : ""}${gw}, ${feeds}, ${c.m.toLocaleString("en-US")} entries${c.randomFeeds ? " to random feeds" : ""} every ${every(c.intervalMs)}`;
}

/** Rows of one configuration's detail table; `ratio` rows show Liveline ÷ each reference. */
const ROWS = [
  ["delivered / expected", (r) => `${fmt(r.delivered)} / ${fmt(r.expected)}`],
  ["lost / duplicated / out of order", (r) => `${r.lost} / ${r.duplicated} / ${r.outOfOrder ?? 0}`],
  ["probe latency p50 / p99 (ms)", (r) => `${fmt(r.latency.p50)} / ${fmt(r.latency.p99)}`],
  ["first reader p50 (ms)", (r) => r.firstReader.p50, true],
  [
    "SDK sample p50 / p99 (ms)",
    (r) => (r.sdkLatency.count ? `${fmt(r.sdkLatency.p50)} / ${fmt(r.sdkLatency.p99)}` : "—"),
  ],
  ["CPU per delivery, all server processes (µs)", (r) => r.cpu.usPerDelivery, true],
  ["of which in the kernel (µs)", (r) => r.cpu.kernelUsPerDelivery, true],
  [
    "per process (µs)",
    (r) =>
      Object.entries(r.cpu.perProcess)
        .map(([k, v]) => `${k} ${v}`)
        .join(", "),
  ],
  ["memory per connection (KB)", (r) => r.mem.kbPerConn, true],
  ["connections/s while ramping", (r) => r.ramp.connsPerSec, true],
  ["idle gateway CPU per 10,000 connections (% of a core)", (r) => r.idle?.perTenThousandPct ?? null, true],
  [
    "load generator (% of its core)",
    (r) =>
      `${r.loadgen.corePct}%${r.loadgen.overloaded ? " **over 70%**" : ""} (${r.loadgen.processes} process${r.loadgen.processes > 1 ? "es" : ""})`,
  ],
  ["kept up (backlog at end)", (r) => `${r.keptUp ? "yes" : "**no**"} (${r.backlog})`],
];
const STORM_ROWS = [
  ["catch-up/live overlap skipped by seq", (r) => r.overlap],
  ["readers resumed", (r) => `${fmt(r.storm.resumed)} / ${fmt(r.storm.readers)}`],
  ["kill → every reader resumed (ms)", (r) => r.storm.allResumedMs],
  ["catch-ups asked / Redis reads made", (r) => `${fmt(r.storm.catchUpsAsked)} / ${fmt(r.storm.catchUpReads)}`],
  ["Redis commands during the storm", (r) => r.storm.redisCommands],
  [
    "peak CPU (% of a core)",
    (r) =>
      Object.entries(r.storm.peakCpuPct)
        .map(([k, v]) => `${k} ${v}%`)
        .join(", "),
  ],
];

function detailTable(section) {
  return comparisonTable(section.chosen, [...ROWS, ...(section.chosen.liveline?.storm ? STORM_ROWS : [])]);
}

/**
 * A table with a column per target (`chosen`: kind → run) and a row per [name, get, withRatio];
 * rows with `withRatio` also show Liveline ÷ each reference. A row no run has a value for is left out.
 */
export function comparisonTable(chosen, rows) {
  const kinds = Object.keys(chosen);
  const runs = kinds.map((k) => chosen[k]);
  const l = chosen.liveline;
  const refs = kinds.filter((k) => k !== "liveline" && l);
  const head =
    `| | ${kinds.join(" | ")} |${refs.map((k) => ` Liveline ÷ ${k} |`).join("")}\n` +
    `|---|${kinds.map(() => "---:|").join("")}${refs.map(() => "---:|").join("")}\n`;
  return (
    head +
    rows
      .map(([name, get, withRatio]) => {
        const vals = runs.map((r) => get(r));
        if (vals.every((v) => v === null || v === undefined)) return undefined;
        const ratios = refs.map((k) => (withRatio ? ratio(get(l), get(chosen[k])) : ""));
        return `| ${name} | ${vals.map(fmt).join(" | ")} |${ratios.map((x) => ` ${x} |`).join("")}`;
      })
      .filter(Boolean)
      .join("\n") +
    "\n"
  );
}

/** One line per configuration and target: the figures the README shows. */
function overviewTable(sections) {
  const head =
    "| configuration | target | lost / dup | p50 / p99 ms (probes) | CPU µs per delivery | KB per connection | load generator | kept up |\n" +
    "|---|---|---|---|---|---|---|---|\n";
  const lines = [];
  for (const s of sections) {
    for (const [kind, r] of Object.entries(s.chosen)) {
      lines.push(
        `| ${title(s.config)} | ${kind} | ${r.lost} / ${r.duplicated} | ${fmt(r.latency.p50)} / ${fmt(r.latency.p99)} | ${fmt(r.cpu.usPerDelivery)} | ${fmt(r.mem.kbPerConn)} | ${r.loadgen.corePct}%${r.loadgen.overloaded ? " (over 70%)" : ""} | ${r.keptUp ? "yes" : "no"} |`,
      );
    }
  }
  return `${head}${lines.join("\n")}\n`;
}

/** The machine a run was on, as every report names it. */
export const describeHost = (host) =>
  `${host.cpu}, ${host.cores} cores, ${host.memGiB} GiB, ${host.os}, Node ${host.node}`;

export function renderMarkdown(sections, host, stamp) {
  const dates = [...new Set(sections.map((s) => s.at ?? stamp))].sort();
  const out = [
    `${dates.length > 1 ? `The latest run of each preset (${dates[0]} to ${dates.at(-1)})` : `Run ${stamp}`} on ${describeHost(host)}${dates.length > 1 ? "" : `; load average at start ${host.loadAvgAtStart.join(" ")}`}.`,
    `${host.pinned === false ? "Processes not pinned (fewer than 2 cores or no taskset)." : "Server processes (gateways, worker, Redis, or the reference server) pinned to core 0, load generators to core 1."} Each figure is from the better run of each target (exact counts, then lowest CPU per delivery); every run is in the JSON.${host.nchan ? "" : " Nchan is not installed here, so it is not in this run."}`,
    "",
  ];
  if (sections.length > 1) out.push(overviewTable(sections));
  for (const s of sections) {
    out.push(
      `#### ${s.preset}: ${title(s.config)}`,
      "",
      ...(dates.length > 1 ? [`Run ${s.at}.`, ""] : []),
      detailTable(s),
    );
  }
  return `${out.join("\n")}\n`;
}

/** The probes' latency CDFs, one panel per configuration. */
export function renderSvg(sections) {
  return renderCdfSvg(
    sections.map((s) => ({
      title: `${s.preset}: ${readers(s.config.n)}, every ${every(s.config.intervalMs)}`,
      axis: "publish → probe latency (ms, log scale)",
      lines: Object.values(s.chosen).map((r) => ({ kind: r.kind, cdf: r.cdf, max: r.latency.max, p99: r.latency.p99 })),
    })),
  );
}

/**
 * Latency CDF panels as one SVG, two to a row, log-scale latency axis. A panel is
 * { title, axis, lines: [{ kind, cdf: [[ms, fraction]…], max, p99 }] }, a line per target.
 */
export function renderCdfSvg(panels) {
  const W = 460;
  const H = 300;
  const cols = Math.max(1, Math.min(2, panels.length));
  const rows = Math.max(1, Math.ceil(panels.length / cols));
  const m = { l: 48, r: 12, t: 30, b: 40 };
  const parts = [];
  const colours = { baseline: "#888888", nchan: "#d9822b", liveline: "#1f6feb" };
  panels.forEach((panel, idx) => {
    const ox = (idx % cols) * W;
    const oy = Math.floor(idx / cols) * H;
    const runs = panel.lines.filter((r) => r && r.cdf.length > 0);
    const maxMs = Math.max(10, ...runs.map((r) => r.max ?? 0));
    const minMs = 0.2;
    const lx = (v) =>
      ox +
      m.l +
      ((Math.log10(Math.max(minMs, v)) - Math.log10(minMs)) / (Math.log10(maxMs) - Math.log10(minMs))) *
        (W - m.l - m.r);
    const ly = (f) => oy + H - m.b - f * (H - m.t - m.b);
    parts.push(`<text x="${ox + W / 2}" y="${oy + 18}" text-anchor="middle" font-size="11">${panel.title}</text>`);
    parts.push(
      `<rect x="${ox + m.l}" y="${oy + m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#ccc"/>`,
    );
    for (const t of [0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000]) {
      if (t > maxMs) break;
      const x = lx(t);
      parts.push(`<line x1="${x}" y1="${oy + m.t}" x2="${x}" y2="${oy + H - m.b}" stroke="#eee"/>`);
      parts.push(
        `<text x="${x}" y="${oy + H - m.b + 14}" text-anchor="middle" font-size="10">${t >= 1000 ? `${t / 1000}s` : t}</text>`,
      );
    }
    for (const f of [0, 0.25, 0.5, 0.75, 0.9, 0.99]) {
      const y = ly(f);
      parts.push(`<line x1="${ox + m.l}" y1="${y}" x2="${ox + W - m.r}" y2="${y}" stroke="#eee"/>`);
      parts.push(`<text x="${ox + m.l - 4}" y="${y + 3}" text-anchor="end" font-size="10">${f}</text>`);
    }
    parts.push(`<text x="${ox + W / 2}" y="${oy + H - 8}" text-anchor="middle" font-size="10">${panel.axis}</text>`);
    for (const r of runs) {
      const pts = r.cdf.map(([v, f]) => `${round(lx(v), 1)},${round(ly(f), 1)}`).join(" ");
      parts.push(`<polyline points="${pts}" fill="none" stroke="${colours[r.kind]}" stroke-width="2"/>`);
    }
    runs.forEach((r, i) => {
      const y = oy + m.t + 14 + i * 14;
      parts.push(
        `<line x1="${ox + m.l + 8}" y1="${y - 4}" x2="${ox + m.l + 26}" y2="${y - 4}" stroke="${colours[r.kind]}" stroke-width="2"/>`,
      );
      parts.push(`<text x="${ox + m.l + 30}" y="${y}" font-size="10">${r.kind} (p99 ${r.p99} ms)</text>`);
    });
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${cols * W}" height="${rows * H}" font-family="sans-serif" viewBox="0 0 ${cols * W} ${rows * H}">\n<rect width="100%" height="100%" fill="white"/>\n${parts.join("\n")}\n</svg>\n`;
}
