/**
 * Publish→receive latency through the whole pipeline on this machine: HTTP → accept → BullMQ →
 * worker → Lua apply + PUBLISH → relay → Socket.IO → SDK. Not a test (no timing assertions
 * live in tests); run with `npx tsx test/tools/latency-probe.ts [entries] [readers]`.
 */
import { LivelineClient } from "@liveline/client-sdk";
import { startRedis } from "../helpers/redis-process.js";
import { startStack } from "../helpers/stack.js";
import { sleep, waitFor } from "../helpers/wait.js";

const entries = Number(process.argv[2] ?? 200);
const readerCount = Number(process.argv[3] ?? 10);

const redis = await startRedis({ appendonly: false });
const stack = await startStack(redis.url);
await stack.api.createFeed("probe");
const sent = new Map<string, number>();
const latencies: number[] = [];
const clients = Array.from({ length: readerCount }, () => {
  const client = new LivelineClient({ url: stack.url, transports: ["websocket"] });
  client.subscribe("probe").on("event", (e) => {
    if (e.type !== "entry.published") return;
    const t0 = sent.get(e.entry.id);
    if (t0 !== undefined) latencies.push(performance.now() - t0);
  });
  return client;
});
await waitFor(() => clients.every((c) => c.subscription("probe")?.seq !== undefined), "readers subscribed");

for (let i = 0; i < entries; i++) {
  const id = `p${i}`;
  sent.set(id, performance.now());
  await stack.api.publish("probe", { id, body: `<p>${"x".repeat(500)}</p>` });
  await sleep(10);
}
await waitFor(() => latencies.length === entries * readerCount, "all deliveries", 30_000);
latencies.sort((a, b) => a - b);
const q = (p: number) => (latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0).toFixed(2);
console.log(
  `entries=${entries} readers=${readerCount} deliveries=${latencies.length} publish→receive ms: p50=${q(0.5)} p95=${q(0.95)} p99=${q(0.99)} max=${q(1)}`,
);
for (const c of clients) c.close();
await stack.close();
await redis.stop();
