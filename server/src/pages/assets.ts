import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";
import type { RequestHandler } from "express";
import { LivelineError } from "../errors.js";

const require = createRequire(import.meta.url);

interface Encoded {
  identity: Buffer;
  br: Buffer;
  gzip: Buffer;
}

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/**
 * Compressed once at the strongest settings: every reader downloads the same bytes. Off the event
 * loop: brotli at quality 11 takes seconds for the console's script, which no other request of
 * this process may wait behind.
 */
async function encode(identity: Buffer): Promise<Omit<Encoded, "identity">> {
  const [br, gz] = await Promise.all([
    brotli(identity, { params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY } }),
    gzipAsync(identity, { level: 9 }),
  ]);
  return { br, gzip: gz };
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
  let cached: Promise<Encoded> | undefined;
  return async (req, res) => {
    cached ??= readFile(require.resolve(specifier)).then(async (identity) => ({
      identity,
      ...(await encode(identity)),
    }));
    let body: Encoded;
    try {
      body = await cached;
    } catch {
      cached = undefined;
      throw new LivelineError("unavailable", "the script is not built; run `npm run build`");
    }
    // Browsers list gzip before br at equal weight; br is the smaller, so it goes first.
    const encoding = req.acceptsEncodings("br") === "br" ? "br" : req.acceptsEncodings("gzip", "identity");
    res.set({
      "Content-Type": "text/javascript; charset=utf-8",
      "Cache-Control": "public, max-age=300",
      "Cross-Origin-Resource-Policy": "cross-origin",
      "X-Content-Type-Options": "nosniff",
      Vary: "Accept-Encoding",
    });
    if (encoding === "br" || encoding === "gzip") res.set("Content-Encoding", encoding).send(body[encoding]);
    else res.send(body.identity);
  };
}
