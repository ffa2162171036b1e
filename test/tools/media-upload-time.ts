// Upload → variants time for a 12-megapixel photo, through the real HTTP server:
//
//   npx tsx test/tools/media-upload-time.ts [--runs 5] [--width 4000] [--height 3000]
//
// Starts a private redis-server and Liveline in this process (as the tests do), makes a
// photo-like JPEG (smoothed noise with GPS EXIF, quality 90), uploads it `runs` times and prints
// each time from sending the request to the 201 (received, decoded, three WebP variants
// written under DATA_DIR) and the median.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import sharp from "sharp";
import { startRedis } from "../helpers/redis-process.js";
import { TOKEN, startStack } from "../helpers/stack.js";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    width: { type: "string", default: "4000" },
    height: { type: "string", default: "3000" },
  },
});
const [runs, width, height] = [Number(values.runs), Number(values.width), Number(values.height)];

// Noise at 1/8 scale, enlarged smoothly: detail and gradients like a photo, not a flat colour.
const small = Buffer.alloc(Math.ceil(width / 8) * Math.ceil(height / 8) * 3).map(() => Math.floor(Math.random() * 256));
const photo = await sharp(small, { raw: { width: Math.ceil(width / 8), height: Math.ceil(height / 8), channels: 3 } })
  .resize(width, height, { kernel: "cubic" })
  .jpeg({ quality: 90 })
  .withExif({ IFD0: { Make: "BenchCam" }, IFD3: { GPSLatitudeRef: "N", GPSLatitude: "50/1 27/1 0/1" } })
  .toBuffer();

const dataDir = mkdtempSync(join(tmpdir(), "liveline-media-bench-"));
const redis = await startRedis();
const stack = await startStack(redis.url, { DATA_DIR: dataDir });
const times: number[] = [];
try {
  for (let i = 0; i < runs; i++) {
    const form = new FormData();
    form.append("file", new Blob([new Uint8Array(photo)], { type: "image/jpeg" }), "photo.jpg");
    const started = performance.now();
    const res = await fetch(`${stack.url}/v1/media`, {
      method: "POST",
      body: form,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const body = (await res.json()) as { variants?: { width: number }[] };
    const ms = performance.now() - started;
    if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${JSON.stringify(body)}`);
    times.push(ms);
    console.log(`run ${i + 1}: ${ms.toFixed(0)} ms, variants ${body.variants?.map((v) => v.width).join("/")}`);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? NaN;
  const mb = (photo.length / 1024 / 1024).toFixed(1);
  console.log(`${width}x${height} JPEG (${mb} MiB): median ${median.toFixed(0)} ms over ${runs} runs`);
} finally {
  await stack.close();
  await redis.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
