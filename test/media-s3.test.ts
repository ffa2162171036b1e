import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { get as httpGet, type IncomingHttpHeaders } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MediaItem } from "@liveline/protocol";
import { ConfigError, loadConfig } from "@liveline/server";
import { TOKEN } from "./helpers/stack.js";
import { useStack } from "./helpers/use-stack.js";
import { GPS_IFD, GPS_IFD_POINTER } from "./helpers/gps-exif.js";

// A real S3 API (s3rver) on 127.0.0.1: Liveline signs, uploads, lists and reads with the AWS
// SDK exactly as it would against MinIO, R2 or AWS.
const BUCKET = "liveline-media";
const KEY = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" }; // s3rver's fixed credentials
const s3Dir = mkdtempSync(join(tmpdir(), "liveline-s3-"));
const dataDir = mkdtempSync(join(tmpdir(), "liveline-s3-data-"));
let s3server: S3rver | undefined;
let endpoint = "";
let bucket: S3Client;

beforeAll(async () => {
  s3server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory: s3Dir,
    configureBuckets: [{ name: BUCKET }],
  });
  const { port } = await s3server.run();
  endpoint = `http://127.0.0.1:${port}`;
  bucket = new S3Client({ region: "us-east-1", endpoint, forcePathStyle: true, credentials: KEY });
});

afterAll(async () => {
  bucket.destroy();
  await s3server?.close();
  rmSync(s3Dir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});
const { stack } = useStack(() => ({
  DATA_DIR: dataDir,
  MEDIA_S3_BUCKET: BUCKET,
  MEDIA_S3_ENDPOINT: endpoint,
  MEDIA_S3_REGION: "us-east-1",
  MEDIA_S3_ACCESS_KEY_ID: KEY.accessKeyId,
  MEDIA_S3_SECRET_ACCESS_KEY: KEY.secretAccessKey,
  MEDIA_S3_FORCE_PATH_STYLE: "true",
}));

const IMMUTABLE = "public, max-age=31536000, immutable";

async function upload(file: Buffer, alt: string): Promise<MediaItem> {
  const form = new FormData();
  form.append("alt", alt);
  form.append("file", new Blob([new Uint8Array(file)], { type: "image/jpeg" }), "photo.jpg");
  const res = await fetch(`${stack.url}/v1/media`, {
    method: "POST",
    body: form,
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  const body = (await res.json()) as unknown;
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body as MediaItem;
}

/**
 * A revalidation as a browser or CDN sends it. Not fetch(): with If-None-Match set by hand it
 * also sends `Cache-Control: no-cache` (the Fetch standard's no-store mode), which forbids a 304.
 */
function revalidate(
  url: string,
  etag: string,
): Promise<{ status: number; headers: IncomingHttpHeaders; bytes: number }> {
  return new Promise((resolve, reject) => {
    httpGet(url, { headers: { "if-none-match": etag } }, (res) => {
      let bytes = 0;
      res.on("data", (chunk: Buffer) => (bytes += chunk.length));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes }));
    }).on("error", reject);
  });
}

async function objectBytes(key: string): Promise<Buffer> {
  const out = await bucket.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  if (out.Body === undefined) throw new Error(`no body for ${key}`);
  return Buffer.from(await out.Body.transformToByteArray());
}

describe("media in S3-compatible storage (MEDIA_S3_BUCKET)", () => {
  it("stores the variants and the record in the bucket, serves them from the same URLs, and strips GPS EXIF", async () => {
    const photo = await sharp({ create: { width: 1200, height: 800, channels: 3, background: "#c83c28" } })
      .jpeg()
      .withExif({
        IFD0: { Make: "NewsCam" },
        IFD3: GPS_IFD,
      })
      .toBuffer();
    expect((await sharp(photo).metadata()).exif?.includes(GPS_IFD_POINTER)).toBe(true);

    const item = await upload(photo, "Smoke over the city");
    // Same URLs as with the filesystem: entries do not change with the storage backend.
    expect(item.variants.map((v) => v.url)).toEqual([
      `/media/${item.id}/480.webp`,
      `/media/${item.id}/960.webp`,
      `/media/${item.id}/1200.webp`,
    ]);

    const listed = await bucket.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${item.id}/` }));
    expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual(
      ["480.webp", "960.webp", "1200.webp", "media.json"].map((n) => `${item.id}/${n}`).sort(),
    );
    // Nothing went to the local disk.
    expect(existsSync(join(dataDir, "media"))).toBe(false);

    for (const v of item.variants) {
      const res = await fetch(new URL(v.url, stack.url));
      expect(res.status, v.url).toBe(200);
      expect([res.headers.get("content-type"), res.headers.get("cache-control")]).toEqual(["image/webp", IMMUTABLE]);
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(bytes.equals(await objectBytes(`${item.id}/${v.url.split("/").pop() ?? ""}`))).toBe(true);
      const m = await sharp(bytes).metadata();
      expect([m.format, m.width, m.height, m.exif, m.xmp, m.icc]).toEqual([
        "webp",
        v.width,
        v.height,
        undefined,
        undefined,
        undefined,
      ]);
      expect(bytes.includes(Buffer.from("NewsCam"))).toBe(false);

      const etag = res.headers.get("etag");
      expect(etag).toMatch(/^"/);
      const again = await revalidate(new URL(v.url, stack.url).href, etag ?? "");
      expect([again.status, again.headers["cache-control"], again.bytes]).toEqual([304, IMMUTABLE, 0]);
    }

    const record = await fetch(`${stack.url}/v1/media/${item.id}`);
    expect(record.status).toBe(200);
    expect(await record.json()).toEqual(item);
  });

  it("answers 404 media_not_found for a key the bucket does not have", async () => {
    const item = await upload(
      await sharp({ create: { width: 300, height: 200, channels: 3, background: "#222" } })
        .jpeg()
        .toBuffer(),
      "Dark",
    );
    for (const path of [`/media/${item.id}/1600.webp`, `/media/${crypto.randomUUID()}/480.webp`]) {
      const res = await fetch(`${stack.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("media_not_found");
    }
    const missing = await fetch(`${stack.url}/v1/media/${crypto.randomUUID()}`);
    expect(missing.status).toBe(404);
  });
});

describe("MEDIA_S3_* configuration", () => {
  const base = { EDITOR_TOKENS: TOKEN };
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig({ ...base, ...env });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as ConfigError).problems.join("\n");
    }
    throw new Error(`accepted ${JSON.stringify(env)}`);
  };

  it("is off by default and reads a complete setup", () => {
    expect(loadConfig(base).mediaS3).toBeUndefined();
    expect(loadConfig({ ...base, MEDIA_S3_BUCKET: "news-media", MEDIA_S3_REGION: "eu-west-1" }).mediaS3).toEqual({
      bucket: "news-media",
      endpoint: undefined,
      region: "eu-west-1",
      credentials: undefined,
      forcePathStyle: false,
    });
  });

  it("is all or nothing, with every problem named at start", () => {
    expect(problems({ MEDIA_S3_REGION: "auto", MEDIA_S3_FORCE_PATH_STYLE: "true" })).toMatch(
      /MEDIA_S3_REGION: only with MEDIA_S3_BUCKET[\s\S]*MEDIA_S3_FORCE_PATH_STYLE: only with MEDIA_S3_BUCKET/,
    );
    expect(problems({ MEDIA_S3_BUCKET: "news-media" })).toMatch(/MEDIA_S3_REGION: required with MEDIA_S3_BUCKET/);
    expect(
      problems({ MEDIA_S3_BUCKET: "news-media", MEDIA_S3_REGION: "auto", MEDIA_S3_ACCESS_KEY_ID: "AKIA1" }),
    ).toMatch(/set both, or neither/);
    expect(
      problems({ MEDIA_S3_BUCKET: "News_Media", MEDIA_S3_ENDPOINT: "ftp://x", MEDIA_S3_FORCE_PATH_STYLE: "yes" }),
    ).toMatch(/MEDIA_S3_BUCKET[\s\S]*MEDIA_S3_ENDPOINT[\s\S]*MEDIA_S3_FORCE_PATH_STYLE/);
  });
});
