import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { get as httpGet } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MediaItem } from "@liveline/protocol";
import { ConfigError, loadConfig } from "@liveline/server";
import { TOKEN, startStack, type Stack } from "./helpers/stack.js";
import { useStack } from "./helpers/use-stack.js";
import { GPS_IFD, GPS_IFD_POINTER } from "./helpers/gps-exif.js";

const dataDir = mkdtempSync(join(tmpdir(), "liveline-media-test-"));
const fixture = useStack({ DATA_DIR: dataDir });
let stack: Stack;
beforeAll(() => {
  ({ stack } = fixture);
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

interface Sent {
  status: number;
  headers: Headers;
  body: unknown;
}

/** POST /v1/media as a browser form would: the file's name and type are the sender's claims. */
async function upload(
  file: Buffer,
  opts: { name?: string; type?: string; fields?: Record<string, string>; token?: string | null; base?: string } = {},
): Promise<Sent> {
  const form = new FormData();
  for (const [k, v] of Object.entries(opts.fields ?? {})) form.append(k, v);
  form.append("file", new Blob([new Uint8Array(file)], { type: opts.type ?? "image/jpeg" }), opts.name ?? "photo.jpg");
  const token = opts.token === undefined ? TOKEN : opts.token;
  const res = await fetch(`${opts.base ?? stack.url}/v1/media`, {
    method: "POST",
    body: form,
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as unknown };
}

const codeOf = (s: Sent) => (s.body as { error?: { code?: string } }).error?.code;
const itemOf = (s: Sent) => {
  expect(s.status, JSON.stringify(s.body)).toBe(201);
  return s.body as MediaItem;
};

const solid = (width: number, height: number, channels: 3 | 4 = 3) =>
  sharp({ create: { width, height, channels, background: { r: 200, g: 60, b: 40, alpha: 0.5 } } });

/** The four-letter chunk ids of a RIFF (WebP) file, in order. */
function riffChunks(file: Buffer): string[] {
  const ids: string[] = [];
  for (let at = 12; at + 8 <= file.length;) {
    ids.push(file.toString("latin1", at, at + 4));
    const size = file.readUInt32LE(at + 4);
    at += 8 + size + (size % 2);
  }
  return ids;
}

/** Fetch every variant, check what is served, and return each one's bytes. */
async function fetchVariants(item: MediaItem): Promise<Buffer[]> {
  return Promise.all(
    item.variants.map(async (v) => {
      // Root-relative without PUBLIC_URL: on the Liveline origin.
      const res = await fetch(new URL(v.url, stack.url));
      expect(res.status, v.url).toBe(200);
      expect(res.headers.get("content-type")).toBe("image/webp");
      expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(bytes.length).toBe(Number(res.headers.get("content-length")));
      const m = await sharp(bytes).metadata();
      expect([m.format, m.width, m.pageHeight ?? m.height]).toEqual(["webp", v.width, v.height]);
      return bytes;
    }),
  );
}

const mediaDirs = () => readdirSync(join(dataDir, "media"), { withFileTypes: true }).filter((d) => d.isDirectory());

describe("POST /v1/media", () => {
  it("strips every metadata block (GPS EXIF included), applies the EXIF orientation, and serves responsive WebP variants", async () => {
    // 2000x1500 pixels stored sideways: orientation 6 shows it 1500 wide and 2000 tall.
    const photo = await solid(2000, 1500)
      .jpeg()
      .withMetadata({ orientation: 6 })
      .withExif({
        IFD0: { Make: "NewsCam", Model: "Field 1", Artist: "Reporter" },
        IFD3: GPS_IFD,
      })
      .toBuffer();
    const source = await sharp(photo).metadata();
    expect(source.orientation).toBe(6);
    // The GPS IFD pointer (tag 0x8825, little-endian) and the camera make are in the upload.
    expect(source.exif?.includes(GPS_IFD_POINTER)).toBe(true);
    expect(photo.includes(Buffer.from("NewsCam"))).toBe(true);

    const item = itemOf(
      await upload(photo, { fields: { alt: "Smoke over the city", caption: "Kyiv, Monday", credit: "A. Reporter" } }),
    );
    expect(item.variants.map((v) => [v.width, v.height, v.type])).toEqual([
      [480, 640, "image/webp"],
      [960, 1280, "image/webp"],
      [1500, 2000, "image/webp"],
    ]);
    expect([item.width, item.height, item.url]).toEqual([1500, 2000, item.variants[2]?.url]);
    expect(item.url).toBe(`/media/${item.id}/1500.webp`);
    expect(item).toMatchObject({ alt: "Smoke over the city", caption: "Kyiv, Monday", credit: "A. Reporter" });

    for (const bytes of await fetchVariants(item)) {
      const m = await sharp(bytes).metadata();
      expect([m.exif, m.icc, m.xmp, m.iptc, m.orientation]).toEqual([
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
      ]);
      // No EXIF, XMP or ICC chunk in the container at all, and no trace of the camera.
      expect(riffChunks(bytes).filter((c) => !["VP8 ", "VP8L", "VP8X", "ALPH"].includes(c))).toEqual([]);
      expect(bytes.includes(Buffer.from("NewsCam"))).toBe(false);
    }

    // The record is served as uploaded, without the uploader's identity.
    const res = await fetch(`${stack.url}/v1/media/${item.id}`);
    expect(res.status).toBe(200);
    const record = (await res.json()) as Record<string, unknown>;
    expect(record).toEqual(item);
  });

  it("accepts PNG, WebP, GIF (animation kept) and AVIF, whatever their file name says, and never enlarges", async () => {
    const png = itemOf(await upload(await solid(1200, 600, 4).png().toBuffer(), { name: "a.jpg" }));
    expect(png.variants.map((v) => [v.width, v.height])).toEqual([
      [480, 240],
      [960, 480],
      [1200, 600],
    ]);
    const [pngLargest] = (await fetchVariants(png)).slice(-1);
    expect((await sharp(pngLargest).metadata()).hasAlpha).toBe(true);

    const webp = itemOf(await upload(await solid(300, 200).webp().toBuffer(), { name: "b.png", type: "image/png" }));
    expect(webp.variants.map((v) => [v.width, v.height])).toEqual([[300, 200]]);
    await fetchVariants(webp);

    const frame = (r: number) =>
      sharp({ create: { width: 100, height: 60, channels: 4, background: { r, g: 0, b: 0, alpha: 1 } } })
        .png()
        .toBuffer();
    const gif = await sharp([await frame(255), await frame(0), await frame(128)], { join: { animated: true } })
      .gif()
      .toBuffer();
    const animated = itemOf(await upload(gif, { name: "c.gif", type: "image/gif" }));
    expect(animated.variants.map((v) => [v.width, v.height])).toEqual([[100, 60]]);
    const [anim] = await fetchVariants(animated);
    expect((await sharp(anim).metadata()).pages).toBe(3);

    const avif = itemOf(await upload(await solid(640, 480).avif().toBuffer(), { name: "d", type: "" }));
    expect(avif.variants.map((v) => [v.width, v.height])).toEqual([
      [480, 360],
      [640, 480],
    ]);
    await fetchVariants(avif);
  });

  it("refuses what is not one of the five image formats with 415, and stores nothing", async () => {
    const before = mediaDirs().length;
    const text = await upload(Buffer.from("just some text, not a photo\n".repeat(20)), { name: "photo.jpg" });
    expect([text.status, codeOf(text)]).toEqual([415, "unsupported_media_type"]);
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
    const asSvg = await upload(svg, { name: "x.png", type: "image/png" });
    expect([asSvg.status, codeOf(asSvg)]).toEqual([415, "unsupported_media_type"]);
    const tiff = await upload(await solid(20, 20).tiff().toBuffer(), { name: "x.jpg" });
    expect([tiff.status, codeOf(tiff)]).toEqual([415, "unsupported_media_type"]);
    // JPEG's signature with nothing decodable behind it
    const fake = await upload(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(500, 7)]));
    expect([fake.status, codeOf(fake)]).toEqual([422, "image_unreadable"]);

    const json = await stack.api.request("POST", "/v1/media", { file: "x" });
    expect([json.status, (json.body as { error: { code: string } }).error.code]).toEqual([
      415,
      "unsupported_media_type",
    ]);
    expect(mediaDirs().length).toBe(before);
  });

  it("refuses images over the pixel caps before decoding them (422 image_too_large)", async () => {
    // A 60-megapixel PNG header in front of almost no data: a decompression bomb's shape.
    const png = await solid(8, 8).png().toBuffer();
    png.writeUInt32BE(10_000, 16);
    png.writeUInt32BE(6_000, 20);
    png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
    expect(await sharp(png).metadata()).toMatchObject({ width: 10_000, height: 6_000 });
    const bomb = await upload(png, { name: "bomb.png" });
    expect([bomb.status, codeOf(bomb)]).toEqual([422, "image_too_large"]);

    const wide = await upload(await solid(17_000, 4).png().toBuffer());
    expect([wide.status, codeOf(wide)]).toEqual([422, "image_too_large"]);
  });

  it("needs an editor token (401 without one) and validates the form fields", async () => {
    const image = await solid(50, 50).jpeg().toBuffer();
    const anonymous = await upload(image, { token: null });
    expect([anonymous.status, codeOf(anonymous)]).toEqual([401, "unauthorized"]);
    const bad = await upload(image, { token: "not-a-valid-token-at-all" });
    expect(bad.status).toBe(401);

    const longAlt = await upload(image, { fields: { alt: "a".repeat(1001) } });
    expect([longAlt.status, codeOf(longAlt)]).toEqual([400, "validation_failed"]);
    const unknown = await upload(image, { fields: { owner: "me" } });
    expect([unknown.status, codeOf(unknown)]).toEqual([400, "validation_failed"]);
    // An untouched caption box sends an empty field: not an error, and not recorded.
    const blank = itemOf(await upload(image, { fields: { alt: "  A field  ", caption: "" } }));
    expect(blank.alt).toBe("A field");
    expect("caption" in blank).toBe(false);
  });

  it("refuses a file over MEDIA_MAX_BYTES with 413, while streaming or from Content-Length", async () => {
    const small = await startStack(fixture.redis.url, { DATA_DIR: dataDir, MEDIA_MAX_BYTES: "4096" });
    try {
      const noise = await sharp(
        Buffer.alloc(64 * 64 * 3).map(() => Math.floor(Math.random() * 256)),
        {
          raw: { width: 64, height: 64, channels: 3 },
        },
      )
        .png()
        .toBuffer();
      expect(noise.length).toBeGreaterThan(4096);
      const streamed = await upload(noise, { base: small.url, name: "n.png" });
      expect([streamed.status, codeOf(streamed)]).toEqual([413, "payload_too_large"]);
      const declared = await upload(Buffer.concat([noise, Buffer.alloc(128 * 1024)]), { base: small.url });
      expect([declared.status, codeOf(declared)]).toEqual([413, "payload_too_large"]);
      // Under the limit is fine on the same server.
      itemOf(await upload(await solid(16, 16).png().toBuffer(), { base: small.url }));
    } finally {
      await small.close();
    }
  });
});

/** GET with a Host header of the caller's choosing (fetch would send the URL's own). */
function getWithHost(url: string, host: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { headers: { host, "x-forwarded-host": host } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve(JSON.parse(text) as unknown));
    });
    req.on("error", reject);
  });
}

describe("media URLs", () => {
  it("are root-relative without PUBLIC_URL, never built from the request's Host (no cache poisoning)", async () => {
    const item = itemOf(await upload(await solid(32, 32).jpeg().toBuffer()));
    const forged = (await getWithHost(`${stack.url}/v1/media/${item.id}`, "attacker.example")) as MediaItem;
    expect(forged.url).toBe(`/media/${item.id}/32.webp`);
    expect(forged).toEqual(item);
  });

  it("are absolute on PUBLIC_URL when it is set, whatever Host the request names", async () => {
    const site = await startStack(fixture.redis.url, { DATA_DIR: dataDir, PUBLIC_URL: "https://live.example.com/" });
    try {
      const item = itemOf(await upload(await solid(32, 32).jpeg().toBuffer(), { base: site.url }));
      expect(item.variants.map((v) => v.url)).toEqual([`https://live.example.com/media/${item.id}/32.webp`]);
      const forged = (await getWithHost(`${site.url}/v1/media/${item.id}`, "attacker.example")) as MediaItem;
      expect(forged.url).toBe(`https://live.example.com/media/${item.id}/32.webp`);
    } finally {
      await site.close();
    }
  });
});

describe("GET /media/:mediaId/:file and /v1/media/:mediaId", () => {
  it("answers 404 media_not_found for unknown items and for any name but a variant's", async () => {
    const item = itemOf(await upload(await solid(64, 64).jpeg().toBuffer()));
    const missing = [
      `/v1/media/${crypto.randomUUID()}`,
      `/media/${crypto.randomUUID()}/64.webp`,
      `/media/${item.id}/480.webp`,
      `/media/${item.id}/media.json`,
      `/media/${item.id}/..%2Fmedia.json`,
    ];
    for (const path of missing) {
      const res = await fetch(`${stack.url}${path}`);
      expect([path, res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([
        path,
        404,
        "media_not_found",
      ]);
    }
    const notAnId = await fetch(`${stack.url}/v1/media/not-an-id`);
    expect(notAnId.status).toBe(400);
    const ok = await fetch(`${stack.url}/media/${item.id}/64.webp`, { method: "HEAD" });
    expect([ok.status, ok.headers.get("cache-control")]).toEqual([200, "public, max-age=31536000, immutable"]);
  });
});

describe("MEDIA_MAX_BYTES", () => {
  it("defaults to 20 MiB and refuses a value that is not a size at start", () => {
    expect(loadConfig({ EDITOR_TOKENS: TOKEN }).mediaMaxBytes).toBe(20 * 1024 * 1024);
    expect(loadConfig({ EDITOR_TOKENS: TOKEN, MEDIA_MAX_BYTES: "5000000" }).mediaMaxBytes).toBe(5_000_000);
    for (const bad of ["20MB", "-1", "12"]) {
      expect(() => loadConfig({ EDITOR_TOKENS: TOKEN, MEDIA_MAX_BYTES: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ EDITOR_TOKENS: TOKEN, MEDIA_MAX_BYTES: bad })).toThrow(/MEDIA_MAX_BYTES/);
    }
  });
});
