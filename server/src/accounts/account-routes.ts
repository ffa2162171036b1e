import type { Request, Response } from "express";
import type { Session } from "@liveline/protocol";
import { LivelineError } from "../errors.js";
import type { Handlers } from "../http/operation-router.js";
import type { RateLimits } from "../http/rate-limits.js";
import { bylineOf, type AccountStore } from "./account-store.js";
import { hashPassword, verifyPassword } from "./password.js";
import { assertSameOrigin, clearSessionCookie, sessionCookieOf, setSessionCookie } from "./session-cookie.js";
import type { Principal } from "../auth/principal.js";

export interface AccountRoutesOptions {
  accounts: AccountStore;
  limits: RateLimits;
  sessionTtlSeconds: number;
  resetTtlSeconds: number;
  /** Where the console is reached (PUBLIC_URL); else the origin the admin's request came to. */
  publicUrl: string | undefined;
}

type AccountOperation =
  | "listUsers"
  | "createUser"
  | "getUser"
  | "updateUser"
  | "deleteUser"
  | "issuePasswordReset"
  | "resetPassword"
  | "signIn"
  | "getSession"
  | "signOut";

const NO_STORE = { "Cache-Control": "private, no-store" };

/**
 * What GET /v1/session says of a principal: a person (with the byline their entries get by
 * default, from their account), or a service account's token.
 */
export async function sessionOf(p: Principal, accounts: AccountStore): Promise<Session> {
  const feeds: Session["feeds"] = p.feeds === "*" ? "*" : [...p.feeds];
  const common = { id: p.sub, name: p.name ?? p.sub, role: p.role, feeds };
  if (p.session === undefined) return { kind: "service", ...common };
  const user = await accounts.find(p.sub);
  return {
    kind: "user",
    ...common,
    ...(user === undefined ? {} : { byline: bylineOf(user) }),
    email: p.session.email,
    expiresAt: new Date(p.session.expiresAt).toISOString(),
  };
}

/**
 * Signs the browser of `req` in as `userId` (a password or single sign-on checked): a session
 * cookie the browser had before is ended, never carried over (session fixation).
 */
export async function openBrowserSession(
  accounts: AccountStore,
  req: Request,
  res: Response,
  userId: string,
  ttlSeconds: number,
): Promise<Principal> {
  const previous = sessionCookieOf(req);
  if (previous !== undefined) await accounts.endSession(previous);
  const { token, expiresAt } = await accounts.openSession(userId, ttlSeconds);
  setSessionCookie(req, res, token, expiresAt);
  const principal = await accounts.sessionPrincipal(token);
  if (principal === undefined) throw new LivelineError("internal", "the new session could not be read back");
  return principal;
}

const hashed = async (password: string | undefined) =>
  password === undefined ? undefined : await hashPassword(password);

/** Accounts (admin of every feed), and signing in and out with an email and a password. */
export function accountRoutes(o: AccountRoutesOptions): Handlers<AccountOperation> {
  const { accounts, limits } = o;
  const base = (req: Request) => (o.publicUrl ?? `${req.protocol}://${req.get("host") ?? ""}`).replace(/\/$/, "");

  return {
    listUsers: async () => ({ status: 200, body: { users: await accounts.list() }, headers: NO_STORE }),

    createUser: async ({ body }) => {
      const user = await accounts.create({
        email: body.email,
        name: body.name,
        role: body.role,
        feeds: body.feeds ?? "*",
        title: body.title,
        avatarUrl: body.avatarUrl,
        passwordHash: await hashed(body.password),
      });
      return { status: 201, body: user, headers: { Location: `/v1/users/${user.id}` } };
    },

    getUser: async ({ params }) => {
      const { passwordHash, ...user } = await accounts.get(params.userId);
      return { status: 200, body: { ...user, hasPassword: passwordHash !== undefined }, headers: NO_STORE };
    },

    updateUser: async ({ params, body }) => ({
      status: 200,
      body: await accounts.update(params.userId, {
        name: body.name,
        role: body.role,
        feeds: body.feeds,
        title: body.title,
        avatarUrl: body.avatarUrl,
        passwordHash: await hashed(body.password),
      }),
    }),

    deleteUser: async ({ params }) => {
      await accounts.delete(params.userId);
      return { status: 204 };
    },

    issuePasswordReset: async ({ params, req }) => {
      const token = await accounts.issueReset(params.userId, o.resetTtlSeconds);
      const expiresAt = new Date(Date.now() + o.resetTtlSeconds * 1000).toISOString();
      // In the fragment: a browser never sends it to a server, nor in a Referer.
      const url = `${base(req)}/console#reset=${token}`;
      return { status: 201, body: { url, token, expiresAt }, headers: NO_STORE };
    },

    resetPassword: async ({ body, req }) => {
      assertSameOrigin(req);
      await limits.consume("signInAddress", req.ip ?? "unknown");
      const user = await accounts.spendReset(body.token);
      // A new password ends every session the account had (update does).
      await accounts.update(user.id, { passwordHash: await hashPassword(body.password) });
      return { status: 204 };
    },

    signIn: async ({ body, req, res }) => {
      assertSameOrigin(req);
      await limits.consume("signInAddress", req.ip ?? "unknown");
      await limits.consume("signIn", body.email);
      const user = await accounts.findByEmail(body.email);
      const ok = await verifyPassword(body.password, user?.passwordHash);
      if (!ok || user === undefined) {
        throw new LivelineError("invalid_credentials", "no account has this email and password");
      }
      await limits.forget("signIn", body.email);
      const principal = await openBrowserSession(accounts, req, res, user.id, o.sessionTtlSeconds);
      return { status: 200, body: await sessionOf(principal, accounts), headers: NO_STORE };
    },

    getSession: async ({ principal }) => {
      if (principal === undefined) throw new LivelineError("unauthorized", "not signed in, and no bearer token");
      return { status: 200, body: await sessionOf(principal, accounts), headers: NO_STORE };
    },

    signOut: async ({ req, res }) => {
      assertSameOrigin(req);
      const token = sessionCookieOf(req);
      if (token !== undefined) await accounts.endSession(token);
      clearSessionCookie(req, res);
      return { status: 204 };
    },
  };
}
