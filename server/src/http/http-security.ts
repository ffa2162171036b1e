import { IncomingMessage, ServerResponse, type OutgoingHttpHeaders } from "node:http";
import { Socket } from "node:net";
import cors, { type CorsOptionsDelegate } from "cors";
import helmet from "helmet";
import type { Express, Request, RequestHandler } from "express";

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
 *
 * helmet's headers do not depend on the request, so they are asked of helmet once, at start,
 * and each answer gets them as they are, instead of a dozen middleware calls per request each
 * setting one (with writes skipping compression, 5–16% of a publish's server CPU in paired runs;
 * docs/performance-notes.md, "Cutting a publish's server-side cost").
 */
export function applyHttpSecurity(app: Express, origins: OriginPolicy): void {
  const everywhere = headersOf(
    helmet({
      contentSecurityPolicy: false,
      crossOriginResourcePolicy: { policy: "cross-origin" },
    }),
  );
  const json = headersOf(
    helmet.contentSecurityPolicy({
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    }),
  );
  app.use(staticHeaders(everywhere));
  app.use(["/v1", "/healthz"], staticHeaders(json));
  app.use(cors(corsOptions(origins)));
}

type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/** A response nobody receives, that remembers how each header it was given is spelled. */
class RecordingResponse extends ServerResponse {
  readonly spelled = new Map<string, string>();
  override setHeader(name: string, value: number | string | readonly string[]): this {
    this.spelled.set(name.toLowerCase(), name);
    return super.setHeader(name, value);
  }
}

/** The headers a request-independent middleware sets, as it spells them, read once. */
function headersOf(middleware: Middleware): [string, string][] {
  const req = new IncomingMessage(new Socket());
  const res = new RecordingResponse(req);
  let failed: unknown;
  middleware(req, res, (err) => (failed = err));
  if (failed !== undefined) throw failed instanceof Error ? failed : new Error("a header middleware failed at start");
  return Object.entries(res.getHeaders() satisfies OutgoingHttpHeaders).map(([name, value]) => [
    res.spelled.get(name) ?? name,
    Array.isArray(value) ? value.join(", ") : String(value),
  ]);
}

function staticHeaders(headers: readonly [string, string][]): RequestHandler {
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
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
