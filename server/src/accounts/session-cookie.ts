import { parse } from "cookie";
import type { CookieOptions, Request, Response } from "express";
import { LivelineError } from "../errors.js";

/** The console's session cookie: HttpOnly (no script reads it), SameSite=Lax, Secure behind https. */
export const SESSION_COOKIE = "liveline_session";

/** The session cookie's value, when the request carries one. */
export function sessionCookieOf(req: Request): string | undefined {
  const header = req.get("cookie");
  if (header === undefined) return undefined;
  const value = parse(header)[SESSION_COOKIE];
  return value !== undefined && /^[\w-]{43}$/.test(value) ? value : undefined;
}

function cookieOptions(req: Request): CookieOptions {
  // req.secure reads X-Forwarded-Proto from the proxies TRUST_PROXY names (TLS ends there).
  return { httpOnly: true, sameSite: "lax", secure: req.secure, path: "/" };
}

export function setSessionCookie(req: Request, res: Response, token: string, expiresAt: number): void {
  res.cookie(SESSION_COOKIE, token, { ...cookieOptions(req), expires: new Date(expiresAt) });
}

export function clearSessionCookie(req: Request, res: Response): void {
  res.clearCookie(SESSION_COOKIE, cookieOptions(req));
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Refuses (403 `cross_site_request`) a write that a browser sent from another site: a cookie rides
 * along with any request to this host, so a page elsewhere could otherwise act as the signed-in
 * person (cross-site request forgery). Browsers say where a request comes from in
 * `Sec-Fetch-Site` (every current one) or else `Origin`; a client that sends neither is not a
 * browser on another page. See OWASP's Cross-Site Request Forgery Prevention Cheat Sheet.
 */
export function assertSameOrigin(req: Request): void {
  if (SAFE.has(req.method)) return;
  const site = req.get("sec-fetch-site");
  const origin = req.get("origin");
  const own = `${req.protocol}://${req.get("host") ?? ""}`.toLowerCase();
  const fromHere =
    site !== undefined
      ? site === "same-origin" || site === "none"
      : origin === undefined || origin.toLowerCase() === own;
  if (!fromHere) {
    throw new LivelineError(
      "cross_site_request",
      "a write signed in by the session cookie must come from this service's own pages",
    );
  }
}
