/**
 * The service's own publish→emit latency (`liveline_publish_to_emit_seconds`, read from
 * /metrics) on one Redis and on a 3-master Redis Cluster, for the same sequential publishes.
 * Not a test; run with `npx tsx test/tools/emit-latency.ts [entries]`.
 */
import { LivelineClient } from "@liveline/client-sdk";
import { startRedisCluster } from "../helpers/redis-cluster.js";
import { startRedis } from "../helpers/redis-process.js";
import { startStack } from "../helpers/stack.js";
import { waitFor } from "../helpers/wait.js";

const entries = Number(process.argv[2] ?? 300);

/** Upper bound of the bucket holding quantile `q`, from cumulative histogram buckets. */
function quantile(buckets: [number, number][], q: number): string {
  const total = buckets.at(-1)?.[1] ?? 0;
  const hit = buckets.find(([, count]) => count >= q * total);
  return hit === undefined ? "?" : `≤${hit[0] * 1000} ms`;
}

async function measure(label: string, redisUrl: string): Promise<void> {
  const stack = await startStack(redisUrl);
  await stack.api.createFeed("probe");
  const client = new LivelineClient({ url: stack.url, transports: ["websocket"] });
  const sub = client.subscribe("probe");
  await waitFor(() => sub.seq !== undefined, "subscribed");
  for (let i = 0; i < entries; i++) await stack.api.publish("probe", { body: `entry ${i}` });
  await waitFor(() => sub.seq === entries, "all entries on the reader", 60_000);
  const text = await (await fetch(`${stack.url}/metrics`)).text();
  const buckets = text
    .split("\n")
    .filter((l) => l.startsWith("liveline_publish_to_emit_seconds_bucket"))
    .map((l): [number, number] => {
      const le = /le="([^"]+)"/.exec(l)?.[1] ?? "+Inf";
      return [le === "+Inf" ? Infinity : Number(le), Number(l.split(" ").at(-1))];
    });
  const sum = Number(/liveline_publish_to_emit_seconds_sum\S* (\S+)/.exec(text)?.[1]);
  const count = Number(/liveline_publish_to_emit_seconds_count\S* (\S+)/.exec(text)?.[1]);
  process.stdout.write(
    `${label}: ${count} events, mean ${((sum / count) * 1000).toFixed(1)} ms, p50 ${quantile(buckets, 0.5)}, p99 ${quantile(buckets, 0.99)}\n`,
  );
  client.close();
  await stack.close();
}

const single = await startRedis({ appendonly: false });
await measure("single redis", single.url);
await single.stop();
const cluster = await startRedisCluster(3);
await measure("3-master cluster", cluster.url);
await cluster.stop();
process.exit(0);
