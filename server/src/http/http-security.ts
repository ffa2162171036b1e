import cors, { type CorsOptionsDelegate } from "cors";
import helmet from "helmet";
import type { Express, Request } from "express";

/** Which browser origins may call the API and open sockets: "*" (any) or an exact list. */
export type OriginPolicy = "*" | readonly string[];

export function originAllowed(policy: OriginPolicy, origin: string): boolean {
  return policy === "*" || policy.includes(origin.toLowerCase());
}

/**
 * Security headers and CORS for every route.
 *
 * - helmet's defaults (nosniff, frame and referrer policies, HSTS …) everywhere, but its
 *   Content-Security-Policy only on JSON routes: HTML pages that other parts of the service
 *   add (the SEO page with inline JSON-LD, pages embedding /widget.js, entry images from any
 *   https host) would be broken by helmet's default `script-src 'self'; img-src 'self' data:`,
 *   and a page-specific CSP belongs with the page. JSON answers get `default-src 'none'`.
 * - Cross-Origin-Resource-Policy "cross-origin", so news sites can load /widget.js and the API.
 * - CORS from CORS_ORIGINS (bearer tokens, no cookies: credentials stay off); see corsOptions.
 */
export function applyHttpSecurity(app: Express, origins: OriginPolicy): void {
  app.use(
    helmet({
      contentSecurityPolicy: false,
      crossOriginResourcePolicy: { policy: "cross-origin" },
    }),
  );
  app.use(
    ["/v1", "/healthz"],
    helmet.contentSecurityPolicy({
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    }),
  );
  app.use(cors(corsOptions(origins)));
}

const READS = new Set(["GET", "HEAD"]);

/**
 * Reads (and their preflights) answer every allowed origin; with the default "*" that is any
 * site embedding the widget. Writes answer only origins listed explicitly: a browser on an
 * arbitrary site gets no CORS headers for them (the console is same-origin).
 */
function corsOptions(origins: OriginPolicy): CorsOptionsDelegate<Request> {
  return (req, cb) => {
    const method = req.method === "OPTIONS" ? (req.headers["access-control-request-method"] ?? "") : req.method;
    const read = READS.has(String(method).toUpperCase());
    const origin = req.headers.origin;
    let allow: boolean | string;
    if (origins === "*") allow = read ? "*" : false;
    else allow = origin !== undefined && originAllowed(origins, origin);
    cb(null, {
      origin: allow,
      methods: ["GET", "HEAD", "POST", "PATCH", "DELETE"],
      allowedHeaders: ["Authorization", "Content-Type", "Idempotency-Key", "X-Request-Id"],
      exposedHeaders: ["Retry-After", "X-Request-Id", "Location"],
      maxAge: 600,
    });
  };
}
