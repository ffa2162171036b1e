// `node bench/summary.mjs`: the README's benchmark tables, from the latest result of each preset
// in bench/results/ (one line per configuration, the three servers side by side; the write path
// one line per server). With
// `--readme` it writes them into README.md between its `bench:summary` markers.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MAIN } from "./presets.mjs";

const DIR = fileURLToPath(new URL("results", import.meta.url));
const load = (preset) => {
  const file = join(DIR, `${preset}.json`);
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : undefined;
};
/** The machine a run was on, as the header names it. */
const machineOf = (d) =>
  `${d.machine.cpu}, ${d.machine.cores} cores, ${d.machine.memGiB} GiB, ${d.machine.os}, Node ${d.machine.node}`;
/**
 * The machine every run is named against (see the header below): the one most of the main
 * presets' latest runs were on (the first of them on a tie).
 */
const HEADER = (() => {
  const runs = MAIN.map(load).filter(Boolean);
  const count = (d) => runs.filter((o) => machineOf(o) === machineOf(d)).length;
  return runs.reduce((best, d) => (best === undefined || count(d) > count(best) ? d : best), undefined);
})();
/** ", on <machine>" for a run on another machine than the header's, else "". */
const elsewhere = (d) => (d && HEADER && machineOf(d) !== machineOf(HEADER) ? `, on ${machineOf(d)}` : "");
const fmt = (v, d = 1) =>
  v === null || v === undefined ? "—" : Number(v).toLocaleString("en-US", { maximumFractionDigits: d });
const KINDS = ["nchan", "baseline", "liveline"];
const both = (r) => `${fmt(r.latency.p50)} / ${fmt(r.latency.p99)}`;

function sideBySide(presets) {
  const out = [
    "| readers, 1 feed, an entry every 100 ms | CPU µs per delivery: Nchan / bare Socket.IO / Liveline | KB per connection: Nchan / bare / Liveline | probe p99 ms: Nchan / bare / Liveline | load generator |",
    "|---|---|---|---|---|",
  ];
  for (const p of presets) {
    const d = load(p);
    if (!d) continue;
    const c = KINDS.map((k) => d.chosen[k]);
    const cell = (get) => c.map((r) => (r ? get(r) : "—")).join(" / ");
    const lg = Math.max(...c.filter(Boolean).map((r) => r.loadgen.corePct));
    out.push(
      `| ${d.config.n.toLocaleString("en-US")}${elsewhere(d) && ` (${d.at}${elsewhere(d)})`} | ${cell((r) => fmt(r.cpu.usPerDelivery))} | ${cell((r) => fmt(r.mem.kbPerConn))} | ${cell((r) => fmt(r.latency.p99))} | ≤ ${lg}% |`,
    );
  }
  const fr = load("first-reader");
  if (fr) {
    const c = KINDS.map((k) => fr.chosen[k]);
    out.push(
      `| 1 (an entry every 50 ms): publish → first reader p50 (\`first-reader\`, ${fr.at}${elsewhere(fr)}) | ${c.map((r) => (r ? `${fmt(r.firstReader.p50, 2)} ms` : "—")).join(" / ")} | | | |`,
    );
  }
  return out.join("\n");
}

function scale() {
  const out = [
    "| Liveline scenario | lost / dup | probe p50 / p99 ms | CPU µs per delivery | KB per connection | idle CPU per 10,000 connections | load generator | kept up |",
    "|---|---|---|---|---|---|---|---|",
  ];
  const rows = [
    ["gateway-max-1s", "19,500 readers on one gateway process, an entry a second"],
    ["gateway-max-100", "19,500 readers on one gateway process, an entry every 100 ms"],
    ["n50k-1s", "50,000 readers on three gateway processes, an entry a second"],
    ["n50k-100", "50,000 readers on three gateway processes, an entry every 100 ms"],
    ["many-feeds", "10,000 feeds × 5 readers (three gateways), an entry to a random feed every 10 ms"],
    ["cores-1", "10,000 readers on one gateway process, every 100 ms"],
    ["cores-2", "the same on two gateway processes"],
  ];
  for (const [p, what] of rows) {
    const d = load(p);
    const r = d?.chosen.liveline;
    if (!r) continue;
    // Where an entry reaches few readers, its fixed cost is the figure: shown per entry too.
    const perEntry =
      r.delivered / d.config.m < 100
        ? ` (${fmt((r.cpu.usPerDelivery * r.delivered) / d.config.m / 1000)} ms per entry)`
        : "";
    out.push(
      `| ${what}${elsewhere(d) && ` (${d.at}${elsewhere(d)})`} | ${r.lost} / ${r.duplicated} | ${both(r)} | ${fmt(r.cpu.usPerDelivery)}${perEntry} | ${fmt(r.mem.kbPerConn)} | ${r.idle ? `${fmt(r.idle.perTenThousandPct, 2)}% of a core` : "—"} | ${r.loadgen.corePct}% | ${r.keptUp ? "yes" : "no"} |`,
    );
  }
  return out.join("\n");
}

function storm() {
  const d = load("storm");
  const r = d?.chosen.liveline;
  if (!r?.storm) return "";
  const s = r.storm;
  return (
    `Reconnect storm (\`storm\`${elsewhere(d) && `, ${d.at}${elsewhere(d)}`}): ${fmt(s.readers, 0)} readers on gateway A, which is SIGKILLed; each comes back on ` +
    `gateway B within 2 s and resumes from its last seq: **${r.lost} lost, ${r.duplicated} duplicated**, every reader ` +
    `resumed ${fmt(s.allResumedMs / 1000, 1)} s after the kill, **${fmt(s.catchUpReads, 0)} Redis catch-up reads for ` +
    `${fmt(s.catchUpsAsked, 0)} resumes**, ${fmt(s.redisCommands, 0)} Redis commands in all; peak CPU over 250 ms: ` +
    `${Object.entries(s.peakCpuPct)
      .map(([k, v]) => `${k === "redis" ? "Redis" : "gateway B"} ${v}%`)
      .join(", ")} of a core.`
  );
}

/**
 * The write path, the three servers side by side: capacity (`write`), latency at 2,000 publishes/s
 * (`write-2000`) and capacity with readers checking every event (`write-readers`). Each preset
 * names its own run, and its machine when that is not the header's.
 */
function writing() {
  const cap = load("write");
  if (!cap) return "";
  const at2000 = load("write-2000");
  const withReaders = load("write-readers");
  const names = {
    nchan: "Nchan (`POST /pub/<channel>`)",
    baseline: "bare Socket.IO (`POST` → `io.emit`)",
    liveline: "**Liveline** (`POST /v1/feeds/:id/entries`, rate limit off)",
  };
  const out = [
    `Write path (\`write\`, ${cap.at}${elsewhere(cap)}, load average at start ${cap.machine.loadAvgAtStart.join(" ")}): ${cap.config.phases[0].publishers} concurrent keep-alive publishers on one load-generator process, ~600-byte entries over ${cap.config.feeds} feeds, ${cap.config.durationMs / 1000} s; "applied" = the feeds' seq reached every accepted publish. HTTP at 2,000/s: an open-loop schedule, timed from when each publish was due (\`write-2000\`${at2000 ? `, ${at2000.at}${elsewhere(at2000)}, load average ${at2000.machine.loadAvgAtStart[0]}` : ""}). With readers: 10 on each feed, each checking every event (\`write-readers\`${withReaders ? `, ${withReaders.at}${elsewhere(withReaders)}, load average ${withReaders.machine.loadAvgAtStart[0]}` : ""}).`,
    "",
    "| | publishes/s accepted / applied | server-side CPU per publish | Redis commands / BullMQ jobs per publish | HTTP p50 / p99 ms | HTTP p50 / p99 / max ms at 2,000/s | with readers: applied/s; lost / dup / out of order | load generator |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const kind of KINDS) {
    const r = cap.chosen.capacity?.[kind];
    if (!r) continue;
    const f = at2000?.chosen["rate-2000"]?.[kind];
    const w = withReaders?.chosen.capacity?.[kind];
    const after = r.drainMs < 1000 ? `${fmt(r.drainMs, 0)} ms` : `${fmt(r.drainMs / 1000, 1)} s`;
    const drain = kind === "liveline" ? ` (backlog drained ${after} after)` : "";
    const refused = r.all2xx ? "" : `, ${fmt(r.sent - r.accepted, 0)} not 2xx`;
    out.push(
      `| ${names[kind]} | ${fmt(r.acceptedPerSec, 0)} / ${fmt(r.appliedPerSec, 0)}${drain}${refused} | ${fmt(r.cpu.msPerPublish, 3)} ms (core 0: ${r.cpu.corePct}% these processes, ${r.cpu.coreBusyPct}% all) | ${r.redis ? `${fmt(r.redis.commandsPerPublish)} / ${fmt(r.jobsPerPublish, 2)}` : "—"} | ${fmt(r.http.p50)} / ${fmt(r.http.p99)} | ${f ? `${fmt(f.http.p50)} / ${fmt(f.http.p99)} / ${fmt(f.http.max)}` : "—"} | ${w?.readers ? `${fmt(w.appliedPerSec, 0)}; ${w.readers.lost} / ${w.readers.duplicated} / ${w.readers.outOfOrder}` : "—"} | ${r.loadgen.corePct}%${r.loadgen.overloaded ? " (over 70%)" : ""} |`,
    );
  }
  return out.join("\n");
}

const all = MAIN.map(load).filter(Boolean);
const any = HEADER;
const m = any?.machine;
// The header's period covers the runs on its machine; a run elsewhere names its own (elsewhere()).
const ats = all
  .filter((d) => machineOf(d) === machineOf(any))
  .map((d) => d.at)
  .sort();
const when = ats.length > 0 && ats[0] !== ats.at(-1) ? `${ats[0]} to ${ats.at(-1)}` : any?.at;
const text =
  `${m ? `Latest runs (\`bench/results/\`), ${when}, on **${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB, ${m.os}, Node ${m.node}**; servers and Redis pinned to core 0, load generators to core 1.\n\n` : ""}` +
  `${sideBySide(["n1k", "n5k", "n10k"])}\n\n${scale()}\n\n${storm()}\n\n${writing()}\n`;
if (process.argv.includes("--readme")) {
  const readme = fileURLToPath(new URL("../README.md", import.meta.url));
  const md = readFileSync(readme, "utf8");
  const start = md.indexOf("<!-- bench:summary");
  const end = md.indexOf("<!-- /bench:summary -->");
  if (start < 0 || end < start) throw new Error("README.md has no bench:summary markers");
  const open = md.indexOf("\n", start) + 1;
  writeFileSync(readme, `${md.slice(0, open)}\n${text}\n${md.slice(end)}`);
} else process.stdout.write(text);
