import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";
import type { RequestHandler } from "express";
import { LivelineError } from "../errors.js";

const require = createRequire(import.meta.url);

type Encoding = "identity" | "br" | "gzip";

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/**
 * Each encoding of a script, made once at the strongest settings (every reader downloads the same
 * bytes) and off the event loop: brotli at quality 11 takes seconds for the console's script,
 * which no other request may wait behind. A request waits only for the encoding it is sent.
 */
class Encodings {
  private readonly made = new Map<Encoding, Promise<Buffer>>();

  constructor(private readonly identity: Promise<Buffer>) {}

  get(encoding: Encoding): Promise<Buffer> {
    let bytes = this.made.get(encoding);
    if (bytes === undefined) {
      bytes = this.identity.then((raw) => {
        if (encoding === "br") {
          return brotli(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY } });
        }
        return encoding === "gzip" ? gzipAsync(raw, { level: 9 }) : raw;
      });
      this.made.set(encoding, bytes);
    }
    return bytes;
  }
}

/**
 * Serve a script bundled by `npm run build`: the SDK's /widget.js and /widget-embeds.js, the
 * console's /console.js. Read and compressed once (brotli at quality 11, gzip at level 9: far smaller than what the
 * compression middleware affords per request), then kept in memory; the middleware passes an
 * answer that already has a Content-Encoding. Cross-origin use is the point of /widget.js, hence CORP.
 */
export function bundledScript(
  specifier:
    "@liveline/client-sdk/widget.js" | "@liveline/client-sdk/widget-embeds.js" | "@liveline/console/console.js",
): RequestHandler {
  let cached: Encodings | undefined;
  return async (req, res) => {
    // Browsers list gzip before br at equal weight; br is the smaller, so it goes first.
    const encoding = req.acceptsEncodings("br") === "br" ? "br" : req.acceptsEncodings("gzip", "identity");
    const sent: Encoding = encoding === "br" || encoding === "gzip" ? encoding : "identity";
    cached ??= new Encodings(readFile(require.resolve(specifier)));
    let body: Buffer;
    try {
      body = await cached.get(sent);
    } catch {
      cached = undefined;
      throw new LivelineError("unavailable", "the script is not built; run `npm run build`");
    }
    res.set({
      "Content-Type": "text/javascript; charset=utf-8",
      "Cache-Control": "public, max-age=300",
      "Cross-Origin-Resource-Policy": "cross-origin",
      "X-Content-Type-Options": "nosniff",
      Vary: "Accept-Encoding",
    });
    if (sent !== "identity") res.set("Content-Encoding", sent);
    res.send(body);
  };
}
