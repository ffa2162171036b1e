// Turning runs into figures: per-run summary, markdown tables with Liveline ÷ baseline ratios,
// and a latency CDF plot as a hand-written SVG.

const round = (v, d = 2) =>
  v === null || v === undefined || Number.isNaN(v) ? null : Math.round(v * 10 ** d) / 10 ** d;
const fmt = (v) =>
  v === null || v === undefined ? "—" : typeof v === "number" ? v.toLocaleString("en-US") : String(v);

/** Derive the reported figures of one run from the raw measurements. */
export function summarise({ kind, config, ramp, rampCpuMs, result, cpuMs, sysMs, rssBefore, rssAfter, backlog }) {
  const deliveredTotal = result.delivered + result.deliveredSdk;
  const expectedTotal = result.expected + result.expectedSdk;
  const lost = expectedTotal - deliveredTotal;
  const exact =
    lost === 0 &&
    result.duplicated === 0 &&
    result.stray === 0 &&
    result.publishErrors === 0 &&
    ramp.failures === 0 &&
    ramp.sdkReady === config.sdk;
  const per = (ms) => round((ms * 1000) / Math.max(1, deliveredTotal));
  const conns = ramp.connected + ramp.sdkReady;
  const first = result.firstTenthP50;
  const last = result.lastTenthP50;
  return {
    kind,
    exact,
    expectedTotal,
    deliveredTotal,
    deliveredLabel: `${deliveredTotal}/${expectedTotal}`,
    lost,
    duplicated: result.duplicated,
    latency: result.latency,
    sdkLatency: result.sdkLatency,
    cpu: {
      ms: cpuMs,
      serverUsPerDelivery: per(cpuMs.server),
      // The kernel's part (socket writes): what no user-space change can take away.
      serverSysUsPerDelivery: sysMs?.server === undefined ? null : per(sysMs.server),
      workerUsPerDelivery: cpuMs.worker === undefined ? null : per(cpuMs.worker),
      redisUsPerDelivery: cpuMs.redis === undefined ? null : per(cpuMs.redis),
      allUsPerDelivery: per(Object.values(cpuMs).reduce((a, b) => a + b, 0)),
    },
    mem: {
      rssBeforeKb: rssBefore,
      rssAfterKb: rssAfter,
      kbPerConn: round((rssAfter - rssBefore) / Math.max(1, conns), 1),
    },
    ramp,
    rampCost: {
      ms: rampCpuMs,
      serverUsPerConn: round((rampCpuMs.server * 1000) / Math.max(1, conns), 1),
      allUsPerConn: round((Object.values(rampCpuMs).reduce((a, b) => a + b, 0) * 1000) / Math.max(1, conns), 1),
    },
    backlog,
    keptUp: backlog === 0 && lost === 0 && last <= Math.max(2 * first, first + 50),
    trend: { firstTenthP50: first, lastTenthP50: last },
    result,
  };
}

const ratio = (l, b) => (typeof l === "number" && typeof b === "number" && b !== 0 ? `${round(l / b)}×` : "—");

function detailTable(section) {
  const b = section.chosen.baseline;
  const l = section.chosen.liveline;
  const rows = [
    ["delivered / expected", (r) => r.deliveredLabel, false],
    ["lost / duplicated", (r) => `${r.lost} / ${r.duplicated}`, false],
    ["latency p50 (ms)", (r) => r.latency.p50, true],
    ["latency p95 (ms)", (r) => r.latency.p95, true],
    ["latency p99 (ms)", (r) => r.latency.p99, true],
    ["latency max (ms)", (r) => r.latency.max, true],
    ["p99 without the first 10% of entries (ms)", (r) => r.result.warmLatency?.p99 ?? null, true],
    ["SDK sample p50 / p99 (ms)", (r) => `${fmt(r.sdkLatency.p50)} / ${fmt(r.sdkLatency.p99)}`, false],
    ["server CPU per delivery (µs)", (r) => r.cpu.serverUsPerDelivery, true],
    ["of which kernel (system time, µs)", (r) => r.cpu.serverSysUsPerDelivery ?? null, true],
    [
      "worker + redis CPU per delivery (µs)",
      (r) => (r.cpu.workerUsPerDelivery === null ? "—" : round(r.cpu.workerUsPerDelivery + r.cpu.redisUsPerDelivery)),
      false,
    ],
    ["all processes CPU per delivery (µs)", (r) => r.cpu.allUsPerDelivery, true],
    ["server memory per connection (KB)", (r) => r.mem.kbPerConn, true],
    ["connections/s while ramping", (r) => r.ramp.connsPerSec, true],
    ["CPU per connection while ramping, all processes (µs)", (r) => r.rampCost.allUsPerConn, true],
    ["p50 of first → last 10% of entries (ms)", (r) => `${r.trend.firstTenthP50} → ${r.trend.lastTenthP50}`, false],
    ["kept up (backlog at end)", (r) => `${r.keptUp ? "yes" : "**no**"} (${r.backlog})`, false],
  ];
  const head = `| | baseline | Liveline | Liveline ÷ baseline |\n|---|---:|---:|---:|\n`;
  return (
    head +
    rows
      .map(([name, get, withRatio]) => {
        const bv = b ? get(b) : undefined;
        const lv = l ? get(l) : undefined;
        return `| ${name} | ${fmt(bv)} | ${fmt(lv)} | ${withRatio ? ratio(lv, bv) : ""} |`;
      })
      .join("\n") +
    "\n"
  );
}

function title(c) {
  const feeds = c.feeds === 1 ? "1 feed" : `${c.feeds} feeds`;
  return `N=${c.n.toLocaleString("en-US")} readers (+${c.sdk} SDK), ${feeds}, ${c.m} entries every ${c.intervalMs} ms`;
}

function overviewTable(sections) {
  const head =
    "| configuration | p99 ms (base → Liveline, ratio) | server µs/delivery | all-process µs/delivery | KB/conn | conn/s | exact | kept up (base / Liveline) |\n" +
    "|---|---|---|---|---|---|---|---|\n";
  const cell = (b, l) => `${fmt(b)} → ${fmt(l)} (${ratio(l, b)})`;
  return (
    head +
    sections
      .map((s) => {
        const b = s.chosen.baseline;
        const l = s.chosen.liveline;
        if (!b || !l) return `| ${s.label} | (only one target ran) | | | | | | |`;
        return `| ${title(s.config)} | ${cell(b.latency.p99, l.latency.p99)} | ${cell(b.cpu.serverUsPerDelivery, l.cpu.serverUsPerDelivery)} | ${cell(b.cpu.allUsPerDelivery, l.cpu.allUsPerDelivery)} | ${cell(b.mem.kbPerConn, l.mem.kbPerConn)} | ${cell(b.ramp.connsPerSec, l.ramp.connsPerSec)} | ${b.exact && l.exact ? "yes" : "**no**"} | ${b.keptUp ? "yes" : "no"} / ${l.keptUp ? "yes" : "no"} |`;
      })
      .join("\n") +
    "\n"
  );
}

export function renderMarkdown(sections, host) {
  const out = [
    `Machine: ${host.cpu}, ${host.cores} cores, ${host.memGiB} GiB, ${host.os}, Node ${host.node}; load average at start ${host.loadAvgAtStart.join(" ")}.`,
    `${host.pinned === false ? "Processes not pinned (fewer than 2 cores or no taskset)." : "Server processes (and redis-server) pinned to core 0, load generator to core 1."} Each figure is from the better-quality run of each target (exact counts, then lowest p99); every run is in the JSON.`,
    "",
  ];
  if (sections.length > 1) out.push(overviewTable(sections));
  for (const s of sections) {
    out.push(`#### ${title(s.config)}`, "", detailTable(s));
  }
  return `${out.join("\n")}\n`;
}

/** CDF panels, one per configuration; log-scale latency axis. */
export function renderSvg(sections) {
  const W = 460;
  const H = 300;
  const cols = Math.min(2, sections.length);
  const rows = Math.ceil(sections.length / cols);
  const m = { l: 48, r: 12, t: 30, b: 40 };
  const parts = [];
  const colours = { baseline: "#888888", liveline: "#1f6feb" };
  sections.forEach((s, idx) => {
    const ox = (idx % cols) * W;
    const oy = Math.floor(idx / cols) * H;
    const runs = Object.values(s.chosen).filter(Boolean);
    const maxMs = Math.max(10, ...runs.map((r) => r.latency.max ?? 0));
    const minMs = 0.5;
    const lx = (v) =>
      ox +
      m.l +
      ((Math.log10(Math.max(minMs, v)) - Math.log10(minMs)) / (Math.log10(maxMs) - Math.log10(minMs))) *
        (W - m.l - m.r);
    const ly = (f) => oy + H - m.b - f * (H - m.t - m.b);
    parts.push(`<text x="${ox + W / 2}" y="${oy + 18}" text-anchor="middle" font-size="12">${title(s.config)}</text>`);
    parts.push(
      `<rect x="${ox + m.l}" y="${oy + m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#ccc"/>`,
    );
    for (const t of [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000]) {
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
    parts.push(
      `<text x="${ox + W / 2}" y="${oy + H - 8}" text-anchor="middle" font-size="10">publish → receive latency (ms, log scale)</text>`,
    );
    for (const r of runs) {
      const pts = r.result.cdf.map(([v, f]) => `${round(lx(v), 1)},${round(ly(f), 1)}`).join(" ");
      parts.push(`<polyline points="${pts}" fill="none" stroke="${colours[r.kind]}" stroke-width="2"/>`);
    }
    runs.forEach((r, i) => {
      const y = oy + m.t + 14 + i * 14;
      parts.push(
        `<line x1="${ox + m.l + 8}" y1="${y - 4}" x2="${ox + m.l + 26}" y2="${y - 4}" stroke="${colours[r.kind]}" stroke-width="2"/>`,
      );
      parts.push(`<text x="${ox + m.l + 30}" y="${y}" font-size="10">${r.kind} (p99 ${r.latency.p99} ms)</text>`);
    });
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${cols * W}" height="${rows * H}" font-family="sans-serif" viewBox="0 0 ${cols * W} ${rows * H}">\n<rect width="100%" height="100%" fill="white"/>\n${parts.join("\n")}\n</svg>\n`;
}
