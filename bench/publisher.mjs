// Publishing from a load-generator process: every bench publish goes through here, over undici's
// keep-alive connection pool and its low-level `dispatch` (no response stream per request, so
// the publisher costs its core as little as it can; undici is also what Node's fetch is built on).
//
// Three ways to publish:
//   - interval: m entries, one every intervalMs (the readers' presets);
//   - closed:   `publishers` concurrent publishers, each sending its next entry as soon as the
//               previous one is answered, for durationMs: what a server accepts at capacity;
//   - rate:     an open-loop arrival schedule, entry k due at k / rate seconds, whatever the
//               answers do. Its latency runs from when an entry was *due*, not from when it went
//               out, so time spent queued behind a slow answer counts (no coordinated omission).
//
// Every entry carries `bench#<k>@<publish time>` in its headline, for the readers' probes.
import { Buffer } from "node:buffer";
import { performance } from "node:perf_hooks";
import { setTimeout } from "node:timers";
import { Pool } from "undici";
import { now } from "./reader.mjs";
import { cdfPoints, summary } from "./stats.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** ~600 bytes of HTML, the size of a typical live-blog entry. */
const BODY =
  `<p>${"Live update: officials confirmed the figures at the briefing, and reporters on the ground describe long queues at the polling stations. ".repeat(5)}</p>`.slice(
    0,
    600,
  );

/** A small deterministic generator, so that a many-feeds run publishes to the same feeds each time. */
function lcg(seed) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/**
 * A publisher for one target: `send(k, feedIndex)` resolves with the answer's HTTP status (0 for
 * a connection error, whose message is kept in `errors`), and counts it.
 */
export function createPublisher({ url, token, protocol, feeds, connections }) {
  const pool = new Pool(url, { connections, pipelining: 1 });
  const perFeed = new Array(feeds.length).fill(0); // accepted (2xx) entries per feed
  const statuses = {}; // HTTP status → count
  const errors = new Map(); // connection error message → count
  const headers = {
    authorization: `Bearer ${token}`,
    "content-type": protocol === "nchan" ? "text/plain" : "application/json",
  };
  const pathOf = (f) => (protocol === "nchan" ? `/pub/${feeds[f]}` : `/v1/feeds/${feeds[f]}/entries`);
  const send = (k, f) =>
    new Promise((resolve) => {
      const body = JSON.stringify({ headline: `bench#${k}@${now().toFixed(3)}`, body: BODY });
      let status = 0;
      pool.dispatch(
        { path: pathOf(f), method: "POST", headers: { ...headers, "content-length": Buffer.byteLength(body) }, body },
        {
          onConnect() {},
          onHeaders(code) {
            status = code;
            return true;
          },
          onData() {
            return true;
          },
          onComplete() {
            statuses[status] = (statuses[status] ?? 0) + 1;
            // Only an accepted entry is owed to its readers; a refused one is counted by status.
            if (status >= 200 && status < 300) perFeed[f]++;
            resolve(status);
          },
          onError(err) {
            const key = String(err.message).slice(0, 80);
            errors.set(key, (errors.get(key) ?? 0) + 1);
            resolve(0);
          },
        },
      );
    });
  const accepted = () => perFeed.reduce((a, b) => a + b, 0);
  let acceptedBefore = 0; // as of the previous call's result: the calls run one after another
  /**
   * What every publish mode reports. `perFeed`, `accepted` and `statuses` count over every call
   * so far; `sent`, `acceptedNow` and `publishErrors` over this call only.
   */
  const result = (sent, publishedMs, latencies, extra = {}) => {
    const sorted = Float64Array.from(latencies).sort();
    const acceptedNow = accepted() - acceptedBefore;
    acceptedBefore = accepted();
    const refused = sent - acceptedNow;
    return {
      perFeed,
      sent,
      accepted: acceptedBefore,
      acceptedNow,
      statuses,
      connectionErrors: Object.fromEntries(errors),
      publishErrors: refused,
      publishErrorSample: [
        ...Object.entries(statuses)
          .filter(([s]) => s < 200 || s >= 300)
          .map(([s, n]) => `HTTP ${s} ×${n}`),
        ...errors.keys(),
      ].slice(0, 3),
      publishedMs: Math.round(publishedMs),
      http: { ...summary(sorted), cdf: cdfPoints(sorted) },
      ...extra,
    };
  };
  return { send, result, close: () => pool.destroy() };
}

/** m entries, one every intervalMs, to feed k mod F (or a random feed). */
export async function publishAtInterval(p, { m, intervalMs, randomFeeds, feedCount }) {
  const rand = lcg(42);
  const t0 = performance.now();
  const replies = [];
  const latencies = [];
  let late = 0;
  for (let k = 0; k < m; k++) {
    const wait = t0 + k * intervalMs - performance.now();
    if (wait > 0) await sleep(wait);
    else if (wait < -intervalMs / 2) late++;
    const f = randomFeeds ? Math.floor(rand() * feedCount) : k % feedCount;
    const sentAt = performance.now();
    replies.push(p.send(k, f).then(() => latencies.push(performance.now() - sentAt)));
  }
  await Promise.all(replies);
  return p.result(m, performance.now() - t0, latencies, { latePublishes: late });
}

/**
 * `publishers` publishers, each with one request in flight, for durationMs; entry k goes to feed
 * k mod F, k counting over all of them, so every feed gets its share.
 */
export async function publishClosedLoop(p, { publishers, durationMs, feedCount }) {
  const t0 = performance.now();
  const end = t0 + durationMs;
  const latencies = [];
  let k = 0;
  const lane = async () => {
    while (performance.now() < end) {
      const mine = k++;
      const sentAt = performance.now();
      await p.send(mine, mine % feedCount);
      latencies.push(performance.now() - sentAt);
    }
  };
  await Promise.all(Array.from({ length: publishers }, lane));
  return p.result(k, performance.now() - t0, latencies, { latePublishes: 0 });
}

/**
 * Open loop: entry k is due at t0 + k / rate, sent then whatever is still in flight (the pool
 * queues it when all its connections are busy), and timed from when it was due.
 */
export async function publishAtRate(p, { rate, durationMs, feedCount }) {
  const total = Math.round((rate * durationMs) / 1000);
  const t0 = performance.now();
  const dueAt = (k) => t0 + (k * 1000) / rate;
  const latencies = [];
  const lags = []; // how late the generator itself sent each entry
  const replies = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let k = 0;
  while (k < total) {
    const at = performance.now();
    while (k < total && dueAt(k) <= at) {
      const due = dueAt(k);
      lags.push(at - due);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      replies.push(
        p.send(k, k % feedCount).then(() => {
          inFlight--;
          latencies.push(performance.now() - due);
        }),
      );
      k++;
    }
    if (k < total) await sleep(Math.max(0, dueAt(k) - performance.now()));
  }
  await Promise.all(replies);
  const lagSorted = Float64Array.from(lags).sort();
  return p.result(total, performance.now() - t0, latencies, {
    latePublishes: lags.filter((l) => l > 1000 / rate).length,
    rate,
    sendLag: summary(lagSorted),
    maxInFlight,
  });
}
