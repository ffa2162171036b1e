// Publish → reader latency of several targets measured at once (bench/latency-ab.mjs,
// bench/queue-floor.mjs): each target on the server core with one probe reader (a raw Socket.IO
// client, as the `first-reader` preset's) on one feed, published to in turn, one entry every
// `interval` ms per target, which goes first rotating. All meet the same load from whatever else
// the machine runs, so a fraction of a millisecond shows, which two `first-reader` runs minutes
// apart (±0.7 ms) do not.
import { performance } from "node:perf_hooks";
import { cpuOf, sleep, spentPer } from "./harness.mjs";
import { createPublisher } from "./publisher.mjs";
import { Tally, openReader } from "./reader.mjs";
import { percentile, sortedFinite } from "./stats.mjs";
import { createFeeds } from "./targets.mjs";

/** The latencies' p50, p90 and p99 in ms, to two places (the bench's one percentile: stats.mjs). */
function quantiles(latencies) {
  const sorted = sortedFinite(Float64Array.from(latencies));
  const at = (p) => {
    const v = percentile(sorted, p);
    return v === null ? null : Math.round(v * 100) / 100;
  };
  return { p50: at(50), p90: at(90), p99: at(99) };
}

/**
 * `targets`: name → a started target speaking Liveline's API and Socket.IO protocol. Publishes
 * `warmUp + n` entries to each and answers, per target, p50 / p90 / p99 in ms (from the POST being
 * sent to the event read) over the last `n`, what its reader got, and the CPU each of its
 * processes spent per publish after the warm-up (from /proc, so in the kernel's 10 ms ticks:
 * hundreds of publishes make them exact to a few hundredths of a millisecond).
 */
export async function latencyRound(targets, { n, interval, warmUp }) {
  const sides = [];
  try {
    for (const [name, target] of Object.entries(targets)) {
      await createFeeds(target, ["latency"]);
      const side = { name, target, latencies: [], tally: new Tally() };
      sides.push(side);
      side.socket = await openReader({
        ...target.gateways[0],
        protocol: "socketio",
        path: "/socket.io/?EIO=4&transport=websocket",
        feedId: "latency",
        probe: true,
        tally: side.tally,
        stats: { frames: 0, bytes: 0 },
        onLatency: (k, ms) => {
          if (k >= warmUp) side.latencies.push(ms);
        },
      });
      side.publisher = createPublisher({
        url: target.url,
        token: target.token,
        protocol: "socketio",
        feeds: ["latency"],
        connections: 1,
      });
    }
    const t0 = performance.now();
    const total = warmUp + n;
    for (let k = 0; k < total; k++) {
      if (k === warmUp) for (const side of sides) side.cpu0 = cpuOf(side.target.pids);
      // Which target goes first rotates, so none always follows another's work.
      const turn = sides.map((_, i) => sides[(i + k) % sides.length]);
      for (const [i, side] of turn.entries()) {
        const wait = t0 + (k * sides.length + i) * (interval / sides.length) - performance.now();
        if (wait > 0) await sleep(wait);
        const status = await side.publisher.send(k, 0);
        if (status !== 202) throw new Error(`${side.name}: publish: HTTP ${status}`);
      }
    }
    await sleep(1000);
    return Object.fromEntries(
      sides.map((s) => [
        s.name,
        {
          cpuMsPerPublish: spentPer(s.cpu0, cpuOf(s.target.pids), n),
          received: s.latencies.length,
          ...quantiles(s.latencies),
          lost: total - s.tally.events,
          duplicated: s.tally.duplicated,
          outOfOrder: s.tally.outOfOrder,
        },
      ]),
    );
  } finally {
    for (const s of sides) {
      s.socket?.destroy();
      await s.publisher?.close();
    }
  }
}
