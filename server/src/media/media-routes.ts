import { pipeline } from "node:stream/promises";
import { MediaFields, MediaId } from "@liveline/protocol";
import { LivelineError, parseOr400 } from "../errors.js";
import type { Handlers } from "../http/operation-router.js";
import { VARIANT_TYPE } from "./image-pipeline.js";
import { VARIANT_FILE, toMediaItem } from "./media-record.js";
import type { MediaService } from "./media-service.js";
import { receiveUpload, type ReceivedUpload } from "./multipart-upload.js";

export interface MediaRoutesOptions {
  media: MediaService;
  /** MEDIA_MAX_BYTES. */
  maxBytes: number;
  /**
   * PUBLIC_URL: the origin media URLs are built on. Unset, they are root-relative
   * (`/media/<id>/480.webp`): never built from the request's Host header, which any client
   * chooses and a shared cache does not key on (a poisoned cache would serve its URLs to everyone).
   */
  publicUrl: string | undefined;
}

/** A variant never changes once written (a new upload gets a new id): cache it for a year. */
const IMMUTABLE = "public, max-age=31536000, immutable";

/** Empty form fields (an untouched caption box) count as not sent; a blank one is refused as such. */
const present = (fields: Readonly<Record<string, string>>) =>
  Object.fromEntries(Object.entries(fields).filter(([, v]) => v.length > 0));

/**
 * `POST /v1/media` (editors, and contributors for the images of their drafts; an upload counts
 * against the token's write limit like a publish), `GET /v1/media/:mediaId` (the record) and
 * `GET /media/:mediaId/:file` (the variants).
 */
export function mediaRoutes({
  media,
  maxBytes,
  publicUrl,
}: MediaRoutesOptions): Handlers<"uploadMedia" | "getMedia" | "getMediaFile"> {
  const base = publicUrl?.replace(/\/+$/, "") ?? "";
  return {
    uploadMedia: async ({ req, res, principal }) => {
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
        const by = principal?.sub ?? "unknown";
        const record = await media.upload({ path: upload.path, bytes: upload.bytes, fields, by });
        return { status: 201, body: toMediaItem(record, base), headers: { Location: `/v1/media/${record.id}` } };
      } finally {
        await upload.dispose();
      }
    },

    getMedia: async ({ params }) => ({
      status: 200,
      body: toMediaItem(await media.get(params.mediaId), base),
      headers: { "Cache-Control": "no-cache" },
    }),

    // Served like static files: the router leaves the names to this handler, which answers 404
    // (not 400) for one that is not a variant's.
    getMediaFile: async ({ params, req, res }) => {
      const id = MediaId.safeParse(params.mediaId);
      const name = params.file;
      const file = id.success && VARIANT_FILE.test(name) ? await media.file(id.data, name) : undefined;
      if (!id.success || file === undefined) throw new LivelineError("media_not_found", "no such media file");
      res.setHeader("Cache-Control", IMMUTABLE);
      // The file never changes, so its name is its version: a revalidation (a browser's reload,
      // a CDN past its own limit) is answered 304 like every other GET, without the bytes.
      const etag = `"${id.data}-${name}-${file.size}"`;
      res.setHeader("ETag", etag);
      if (req.fresh) {
        file.body.destroy();
        res.status(304).end();
        return undefined;
      }
      res.setHeader("Content-Type", VARIANT_TYPE);
      res.setHeader("Content-Length", String(file.size));
      // A reader that goes away mid-file just ends the stream; there is nobody to answer.
      await pipeline(file.body, res).catch(() => res.destroy());
      return undefined;
    },
  };
}
