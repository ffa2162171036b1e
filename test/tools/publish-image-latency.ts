// Publish-to-reader time of an entry with an image, through the real path:
//
//   npx tsx test/tools/publish-image-latency.ts [--runs 20]
//
// Starts a private redis-server and Liveline in this process (as the tests do), uploads one
// 4000x3000 JPEG once (its variants exist before the entry names it, as in the console), then
// publishes `runs` entries that attach it and prints the time from sending each publish to an SDK
// reader (Socket.IO) applying the entry with its media variants: p50, p95 and max.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import sharp from "sharp";
import type { MediaItem } from "@liveline/protocol";
import { openReader, readerReady } from "../helpers/reader.js";
import { startRedis } from "../helpers/redis-process.js";
import { TOKEN, startStack } from "../helpers/stack.js";
import { waitFor } from "../helpers/wait.js";

const { values } = parseArgs({ options: { runs: { type: "string", default: "20" } } });
const runs = Number(values.runs);

const photo = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: "#3c6e91" } })
  .jpeg({ quality: 90 })
  .toBuffer();
const dataDir = mkdtempSync(join(tmpdir(), "liveline-publish-image-"));
const redis = await startRedis();
const stack = await startStack(redis.url, { DATA_DIR: dataDir });
try {
  const form = new FormData();
  form.append("file", new Blob([new Uint8Array(photo)], { type: "image/jpeg" }), "photo.jpg");
  const res = await fetch(`${stack.url}/v1/media`, {
    method: "POST",
    body: form,
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  const item = (await res.json()) as MediaItem;
  if (res.status !== 201) throw new Error(`upload answered ${res.status}`);
  await stack.api.createFeed("latency");
  const reader = openReader(stack.url, "latency");
  await readerReady(reader);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const published = await stack.api.publish("latency", {
      id: `e${i}`,
      body: `<p>Update ${i}</p>`,
      media: [{ id: item.id, alt: "The square at dusk", caption: "Photo of the square" }],
    });
    if (published.status !== 202) throw new Error(`publish answered ${published.status}`);
    await waitFor(
      () => reader.sub.entries.some((e) => e.id === `e${i}` && e.media?.[0]?.variants.length === 3),
      "it",
      5000,
      1,
    );
    times.push(performance.now() - started);
  }
  reader.close();
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN).toFixed(1);
  console.log(
    `publish (with a 4000x3000 image attached) → SDK reader: p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${at(1)} ms over ${runs} runs`,
  );
} finally {
  await stack.close();
  await redis.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
