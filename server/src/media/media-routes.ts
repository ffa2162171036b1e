import { pipeline } from "node:stream/promises";
import { Router, type RequestHandler } from "express";
import { MediaFields, MediaId } from "@liveline/protocol";
import type { Logger } from "@liveline/core";
import { authenticate, requireAccess } from "../auth/auth.js";
import type { TokenVerifier } from "../auth/token-verifier.js";
import { LivelineError, parseOr400 } from "../errors.js";
import type { RateLimits } from "../http/rate-limits.js";
import { VARIANT_TYPE } from "./image-pipeline.js";
import { VARIANT_FILE, toMediaItem } from "./media-record.js";
import type { MediaService } from "./media-service.js";
import { receiveUpload, type ReceivedUpload } from "./multipart-upload.js";

export interface MediaRoutesOptions {
  media: MediaService;
  verifier: TokenVerifier;
  limits: RateLimits;
  logger: Logger;
  /** MEDIA_MAX_BYTES. */
  maxBytes: number;
  /**
   * PUBLIC_URL: the origin media URLs are built on. Unset, they are root-relative
   * (`/media/<id>/480.webp`): never built from the request's Host header, which any client
   * chooses and a shared cache does not key on (cache poisoning, issue 16).
   */
  publicUrl: string | undefined;
}

/** A variant never changes once written (a new upload gets a new id): cache it for a year. */
const IMMUTABLE = "public, max-age=31536000, immutable";

/** Empty form fields (an untouched caption box) count as not sent. */
const present = (fields: Readonly<Record<string, string>>) =>
  Object.fromEntries(Object.entries(fields).filter(([, v]) => v.trim().length > 0));

/**
 * `POST /v1/media` (editors), `GET /v1/media/:mediaId` (the record) and
 * `GET /media/:mediaId/:file` (the variants). Mounted before the v1 API router.
 */
export function mediaRoutes({ media, verifier, limits, logger, maxBytes, publicUrl }: MediaRoutesOptions): Router {
  const r = Router();
  const base = publicUrl?.replace(/\/+$/, "") ?? "";
  // An upload counts against the token's write limit like a publish.
  const throttle: RequestHandler = (req, _res, next) => {
    limits.consume("publish", req.principal?.sub ?? "unknown").then(() => next(), next);
  };

  // Contributors upload the images of their drafts too.
  r.post("/v1/media", authenticate(verifier, logger), requireAccess("contribute"), throttle, async (req, res) => {
    let upload: ReceivedUpload;
    try {
      upload = await receiveUpload(req, maxBytes);
    } catch (err) {
      // The rest of the body is not read: close the connection after the answer.
      res.setHeader("Connection", "close");
      throw err;
    }
    try {
      const fields = parseOr400(MediaFields, present(upload.fields), "form fields");
      const by = req.principal?.sub ?? "unknown";
      const record = await media.upload({ path: upload.path, bytes: upload.bytes, fields, by });
      const item = toMediaItem(record, base);
      res.status(201).location(`/v1/media/${record.id}`).json(item);
    } finally {
      await upload.dispose();
    }
  });

  // Like every /v1 route, a token that is sent must be valid, even on this public read.
  r.get("/v1/media/:mediaId", authenticate(verifier, logger), async (req, res) => {
    const id = parseOr400(MediaId, req.params.mediaId, "media id");
    res.setHeader("Cache-Control", "no-cache");
    res.json(toMediaItem(await media.get(id), base));
  });

  r.get("/media/:mediaId/:file", async (req, res) => {
    const id = MediaId.safeParse(req.params.mediaId);
    const file =
      id.success && VARIANT_FILE.test(req.params.file) ? await media.file(id.data, req.params.file) : undefined;
    if (!id.success || file === undefined) throw new LivelineError("media_not_found", "no such media file");
    res.setHeader("Cache-Control", IMMUTABLE);
    // The file never changes, so its name is its version: a revalidation (a browser's reload,
    // a CDN past its own limit) is answered 304 like every other GET, without the bytes.
    const etag = `"${id.data}-${req.params.file}-${file.size}"`;
    res.setHeader("ETag", etag);
    if (req.fresh) {
      file.body.destroy();
      res.status(304).end();
      return;
    }
    res.setHeader("Content-Type", VARIANT_TYPE);
    res.setHeader("Content-Length", String(file.size));
    // A reader that goes away mid-file just ends the stream; there is nobody to answer.
    await pipeline(file.body, res).catch(() => res.destroy());
  });

  return r;
}
