import { parse } from "cookie";
import type { CookieOptions, Request, Response } from "express";
import { LivelineError } from "../errors.js";
import type { Handlers } from "../http/operation-router.js";
import type { RateLimits } from "../http/rate-limits.js";
import { escapeHtml, layout, sendPage } from "../pages/html.js";
import { openBrowserSession } from "./account-routes.js";
import type { AccountStore } from "./account-store.js";
import { SSO_FLOW_SECONDS, type SsoClient, type SsoIdentity } from "./sso-client.js";
import { grantOf } from "./sso-settings.js";

export interface SsoRoutesOptions {
  accounts: AccountStore;
  limits: RateLimits;
  sessionTtlSeconds: number;
  /** Undefined when OIDC_ISSUER is unset: the sign-in screen offers no SSO button. */
  sso: SsoClient | undefined;
}

type SsoOperation = "getSignInMethods" | "startSso" | "finishSso";

/**
 * Binds the provider's answer to the browser that started the sign-in (the `state` of RFC 6749
 * §10.12): HttpOnly, only sent to the SSO routes, and SameSite=Lax, which a browser still sends on
 * the provider's top-level redirect back.
 */
const FLOW_COOKIE = "liveline_sso";
const flowCookieOptions = (req: Request): CookieOptions => ({
  httpOnly: true,
  sameSite: "lax",
  secure: req.secure,
  path: "/v1/session/oidc",
});

const NO_STORE = { "Cache-Control": "private, no-store" };

/** A browser navigating (it asks for HTML) reads a page; a script reads the JSON error. */
function sendRefusal(req: Request, res: Response, err: LivelineError): void {
  res.locals.errorCode = err.code;
  if (req.accepts(["json", "html"]) !== "html") {
    res.status(err.status).json(err.toBody());
    return;
  }
  const body = `<main>
<h1>You are not signed in</h1>
<p>${escapeHtml(err.message)}</p>
<p>Error code: <code>${err.code}</code></p>
<p><a href="/console">Back to sign-in</a></p>
</main>`;
  sendPage(res, err.status, layout({ title: "Sign-in refused – Liveline", body }));
}

/** Single sign-on with OpenID Connect, and what the console's sign-in screen offers. */
export function ssoRoutes(o: SsoRoutesOptions): Handlers<SsoOperation> {
  const { accounts } = o;
  const configured = (): SsoClient => {
    if (o.sso === undefined) throw new LivelineError("not_configured", "single sign-on is not set up (OIDC_ISSUER)");
    return o.sso;
  };

  /** The account of this identity: the one it was linked to, else one with its (verified) email, else a new one. */
  async function accountOf(identity: SsoIdentity, grant: NonNullable<ReturnType<typeof grantOf>>): Promise<string> {
    const { issuer, subject } = identity;
    const feeds = grant.feeds === "*" ? "*" : [...grant.feeds];
    let user = await accounts.findBySubject(issuer, subject);
    if (user === undefined && identity.emailVerified) user = await accounts.findByEmail(identity.email);
    if (user === undefined) {
      const created = await accounts.create({
        email: identity.email,
        name: identity.name,
        role: grant.role,
        feeds,
        avatarUrl: identity.picture,
      });
      await accounts.linkSubject(issuer, subject, created.id);
      return created.id;
    }
    await accounts.linkSubject(issuer, subject, user.id);
    // The provider is the source of the role: a changed one is taken (and ends older sessions).
    const sameFeeds = JSON.stringify(user.feeds) === JSON.stringify(feeds);
    await accounts.update(user.id, {
      name: identity.name,
      avatarUrl: identity.picture,
      role: user.role === grant.role ? undefined : grant.role,
      feeds: sameFeeds ? undefined : feeds,
    });
    return user.id;
  }

  return {
    getSignInMethods: () => ({
      status: 200,
      body: {
        password: true,
        ...(o.sso === undefined ? {} : { sso: { label: o.sso.settings.label, url: "/v1/session/oidc" } }),
      },
      headers: { "Cache-Control": "no-cache" },
    }),

    startSso: async ({ req, res }) => {
      const sso = configured();
      // Each start keeps a flow in Redis for a while: counted against the address.
      await o.limits.consume("connect", req.ip ?? "unknown");
      const { url, state } = await sso.start();
      res.cookie(FLOW_COOKIE, state, { ...flowCookieOptions(req), maxAge: SSO_FLOW_SECONDS * 1000 });
      res.set(NO_STORE).redirect(302, url);
      return undefined;
    },

    finishSso: async ({ req, res }) => {
      const sso = configured();
      const cookieState = parse(req.get("cookie") ?? "")[FLOW_COOKIE];
      res.clearCookie(FLOW_COOKIE, flowCookieOptions(req));
      try {
        const search = req.originalUrl.includes("?") ? req.originalUrl.slice(req.originalUrl.indexOf("?")) : "";
        const identity = await sso.finish(search, cookieState);
        const grant = grantOf(sso.settings, identity.claims);
        if (grant === undefined) {
          // Taken off every mapped group at the provider: sessions of a linked account end too.
          const linked = await accounts.findBySubject(identity.issuer, identity.subject);
          if (linked !== undefined) await accounts.endSessionsOf(linked.id);
          throw new LivelineError(
            "sso_no_role",
            `${identity.email} signed in, but no Liveline role is given to their ${sso.settings.roleClaim}: ask an admin`,
          );
        }
        const userId = await accountOf(identity, grant);
        await openBrowserSession(accounts, req, res, userId, o.sessionTtlSeconds);
      } catch (err) {
        if (!(err instanceof LivelineError) || err.code === "unavailable" || err.code === "internal") throw err;
        sendRefusal(req, res, err);
        return undefined;
      }
      res.set(NO_STORE).redirect(303, "/console");
      return undefined;
    },
  };
}
