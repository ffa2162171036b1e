import { SERVER_CPU, commandCalls, sleep } from "./harness.mjs";
import { createPublisher, publishClosedLoop } from "./publisher.mjs";
import { createFeeds, startLivelineTarget } from "./targets.mjs";
const feeds = Array.from({ length: 100 }, (_, i) => `cb-${i}`);
const t = await startLivelineTarget({ cpu: SERVER_CPU, env: { RATE_LIMIT_PUBLISHES: "0", RATE_LIMIT_SUBSCRIBES: "0" } });
try {
  await createFeeds(t, feeds);
  const p = createPublisher({ ...t, feeds, connections: 32 });
  await publishClosedLoop(p, { publishers: 32, durationMs: 1500, feedCount: 100 });
  await sleep(2000);
  const a = await commandCalls(t.redis);
  const res = await publishClosedLoop(p, { publishers: 32, durationMs: 4000, feedCount: 100 });
  await sleep(3000);
  const b = await commandCalls(t.redis);
  const n = res.acceptedNow;
  const rows = Object.keys(b).map((k) => [k, ((b[k] - (a[k] ?? 0)) / n)]).filter(([, v]) => v > 0.005).sort((x, y) => y[1] - x[1]);
  console.log("published", n);
  for (const [k, v] of rows) console.log(k.padEnd(24), v.toFixed(3));
  console.log("total", rows.reduce((s, [, v]) => s + v, 0).toFixed(2));
  p.close();
} finally { await t.stop(); }
