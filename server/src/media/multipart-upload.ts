import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Request } from "express";
import busboy from "busboy";
import { LivelineError } from "../errors.js";

/** The form fields an upload may carry beside `file`. */
const FIELDS = new Set(["alt", "caption", "credit"]);
/** Multipart boundaries and part headers around the file, allowed beyond MEDIA_MAX_BYTES. */
const ENVELOPE_BYTES = 64 * 1024;

/** An upload received to a temporary file; `dispose` removes it. */
export interface ReceivedUpload {
  readonly path: string;
  readonly bytes: number;
  /** Raw form fields (validated by the caller). */
  readonly fields: Readonly<Record<string, string>>;
  dispose(): Promise<void>;
}

const tooLarge = (maxBytes: number) =>
  new LivelineError("payload_too_large", `the file is larger than ${maxBytes} bytes (MEDIA_MAX_BYTES)`, { maxBytes });

/**
 * Stream a `multipart/form-data` upload (one `file` part, optional alt/caption/credit) to a
 * temporary file. Memory stays bounded whatever is sent: the file goes to disk as it arrives,
 * fields are capped, and a file over `maxBytes` fails with 413 as soon as the limit is crossed
 * (a Content-Length that already says so fails before anything is read).
 */
export async function receiveUpload(req: Request, maxBytes: number): Promise<ReceivedUpload> {
  // No body at all is a form without its `file` part (400), not a body of the wrong type (415).
  const sendsBody = req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
  if (!sendsBody && req.get("content-type") === undefined) {
    throw new LivelineError("validation_failed", "no form was sent: send multipart/form-data with a `file` part");
  }
  if (!req.is("multipart/form-data")) {
    throw new LivelineError("unsupported_media_type", "send the upload as multipart/form-data with a `file` part");
  }
  const declared = Number(req.get("content-length") ?? 0);
  if (declared > maxBytes + ENVELOPE_BYTES) throw tooLarge(maxBytes);

  const dir = await mkdtemp(join(tmpdir(), "liveline-upload-"));
  const path = join(dir, "upload");
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    const received = await parse(req, path, maxBytes);
    return { path, ...received, dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}

function parse(
  req: Request,
  path: string,
  maxBytes: number,
): Promise<{ bytes: number; fields: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        // One more field than FIELDS: a `file` sent as a text field is named as such, not as one too many.
        limits: { fileSize: maxBytes, files: 1, fields: FIELDS.size + 1, fieldSize: 8 * 1024 },
      });
    } catch {
      // busboy throws synchronously on a multipart type without a boundary.
      reject(new LivelineError("validation_failed", "the multipart body has no boundary"));
      return;
    }
    const fields: Record<string, string> = {};
    let bytes = 0;
    let written: Promise<void> | undefined;
    let file: Readable | undefined;
    let failed = false;
    const fail = (err: LivelineError) => {
      if (failed) return;
      failed = true;
      // Stop parsing; what is left of the body is read and dropped so the answer can be sent.
      req.unpipe(parser);
      req.resume();
      file?.destroy();
      reject(err);
    };

    parser.on("file", (name, stream) => {
      if (name !== "file") {
        stream.resume();
        fail(new LivelineError("validation_failed", `unexpected file part '${name}': send the image as 'file'`));
        return;
      }
      file = stream;
      stream.on("data", (chunk: Buffer) => (bytes += chunk.length));
      stream.on("limit", () => fail(tooLarge(maxBytes)));
      written = pipeline(stream, createWriteStream(path));
      written.catch(() => fail(new LivelineError("validation_failed", "the upload was interrupted")));
    });
    parser.on("field", (name, value, info) => {
      if (name === "file") {
        return fail(
          new LivelineError(
            "validation_failed",
            "the 'file' part came as a text field: send it as a file (a filename, or Content-Type: application/octet-stream)",
          ),
        );
      }
      if (!FIELDS.has(name)) return fail(new LivelineError("validation_failed", `unknown form field '${name}'`));
      if (info.valueTruncated) return fail(new LivelineError("validation_failed", `form field '${name}' is too long`));
      fields[name] = value;
    });
    parser.on("filesLimit", () => fail(new LivelineError("validation_failed", "send exactly one file")));
    parser.on("fieldsLimit", () => fail(new LivelineError("validation_failed", "too many form fields")));
    parser.on("error", () => fail(new LivelineError("validation_failed", "the multipart body is malformed")));
    parser.on("close", () => {
      if (failed) return;
      if (written === undefined) {
        fail(new LivelineError("validation_failed", "the form has no 'file' part"));
        return;
      }
      written.then(
        () => {
          if (!failed) resolve({ bytes, fields });
        },
        () => undefined, // reported by the catch above
      );
    });
    req.on("close", () => {
      if (!req.complete) fail(new LivelineError("validation_failed", "the upload was interrupted"));
    });
    req.pipe(parser);
  });
}
