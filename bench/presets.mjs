// The bench's presets: one place for run.mjs, which runs them, and summary.mjs, which tabulates them.

/** One gateway process or two for the same 10,000 readers (`cores-1`, `cores-2`). */
const CORES = {
  n: 10000,
  probes: 200,
  gateways: 1,
  feeds: 1,
  m: 100,
  intervalMs: 100,
  sdk: 0,
  repeat: 2,
  targets: ["liveline"],
};

/**
 * The write presets: ~600-byte entries spread over 100 feeds for 15 s, from one load-generator
 * process; every accepted publish must be applied (the feeds' seq), within drainBoundMs after.
 */
const WRITE = {
  scenario: "write",
  feeds: 100,
  durationMs: 15_000,
  // Open-loop phases: keep-alive connections the schedule's publishes share.
  connections: 32,
  readersPerFeed: 0,
  drainBoundMs: 120_000,
  repeat: 2,
};

/**
 * scenario "steady": publish m entries every intervalMs to n readers (probes of them parse and
 * time every event); "storm": n readers on gateway 0, which is killed mid-run, resume on gateway 1.
 * `idle`: also measure the gateways' CPU with every reader connected and nothing published.
 */
export const PRESETS = {
  quick: {
    n: 1000,
    probes: 100,
    feeds: 1,
    m: 20,
    intervalMs: 100,
    sdk: 20,
    repeat: 1,
    targets: ["baseline", "liveline"],
  },
  n1k: { n: 1000, probes: 200, feeds: 1, m: 100, intervalMs: 100, sdk: 20, repeat: 2 },
  n5k: { n: 5000, probes: 200, feeds: 1, m: 100, intervalMs: 100, sdk: 20, repeat: 2 },
  n10k: { n: 10000, probes: 200, feeds: 1, m: 100, intervalMs: 100, sdk: 20, repeat: 2 },
  // Publish → first reader, warm: one reader, an entry every 50 ms.
  "first-reader": { n: 1, probes: 1, feeds: 1, m: 400, intervalMs: 50, sdk: 0, repeat: 2 },
  // As many readers as one gateway process holds (its 20,000 open files less Redis and the rest).
  "gateway-max-1s": {
    n: 19500,
    probes: 200,
    feeds: 1,
    m: 30,
    intervalMs: 1000,
    sdk: 0,
    repeat: 1,
    idle: true,
    targets: ["liveline"],
  },
  "gateway-max-100": {
    n: 19500,
    probes: 200,
    feeds: 1,
    m: 100,
    intervalMs: 100,
    sdk: 0,
    repeat: 1,
    targets: ["liveline"],
  },
  "n50k-1s": {
    n: 50000,
    probes: 300,
    gateways: 3,
    feeds: 1,
    m: 30,
    intervalMs: 1000,
    sdk: 20,
    repeat: 1,
    idle: true,
    targets: ["liveline"],
  },
  "n50k-100": {
    n: 50000,
    probes: 300,
    gateways: 3,
    feeds: 1,
    m: 100,
    intervalMs: 100,
    // Read as frames arrive: the gateways fall seconds behind here, frames come in bursts anyway,
    // and read rounds cost the load generator more (90% of its core) than they save (78% without).
    sinkBatchMs: 0,
    sdk: 20,
    repeat: 1,
    targets: ["liveline"],
  },
  // 19,500: one gateway process holds at most 20,000 open files here, Redis connections included.
  storm: {
    scenario: "storm",
    n: 19500,
    probes: 200,
    gateways: 2,
    feeds: 1,
    m: 30,
    intervalMs: 1000,
    sdk: 0,
    repeat: 1,
    killAfterMs: 5000,
    spreadMs: 2000,
    targets: ["liveline"],
  },
  "many-feeds": {
    n: 50000,
    probes: 300,
    gateways: 3,
    feeds: 10000,
    m: 3000,
    intervalMs: 10,
    randomFeeds: true,
    sdk: 0,
    repeat: 1,
    targets: ["liveline"],
  },
  // One gateway process, then two, for the same 10,000 readers: CPU per delivery should not move.
  "cores-1": CORES,
  "cores-2": { ...CORES, gateways: 2 },
  // Write capacity: 32 concurrent keep-alive publishers, each sending as soon as it is answered.
  write: { ...WRITE, phases: [{ mode: "closed", publishers: 32 }] },
  // The same with 10 readers on each feed, every one checking every event; then half that rate.
  "write-readers": {
    ...WRITE,
    readersPerFeed: 10,
    repeat: 1,
    phases: [
      { mode: "closed", publishers: 32 },
      { mode: "rate", ofCapacity: 0.5 },
    ],
  },
  // The write path's smoke run in `npm test` (test/bench-quick.test.ts): concurrent publishers and
  // readers on every feed, for exact counts only (a few seconds).
  "write-quick": {
    ...WRITE,
    feeds: 20,
    durationMs: 2000,
    readersPerFeed: 5,
    repeat: 1,
    drainBoundMs: 30_000,
    phases: [{ mode: "closed", publishers: 16 }],
    targets: ["liveline"],
  },
  // Latency at a fixed arrival rate, queueing included: an open-loop schedule of 2,000 publishes/s.
  "write-2000": { ...WRITE, phases: [{ mode: "rate", rate: 2000 }] },
};
/** The presets `--preset all` runs, in order (every one but `quick`). */
export const MAIN = [
  "n1k",
  "n5k",
  "n10k",
  "first-reader",
  "gateway-max-1s",
  "gateway-max-100",
  "n50k-1s",
  "n50k-100",
  "storm",
  "many-feeds",
  "cores-1",
  "cores-2",
  "write",
  "write-readers",
  "write-2000",
];
