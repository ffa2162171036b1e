import type { Request } from "express";
import type { Session } from "@liveline/protocol";
import { LivelineError } from "../errors.js";
import type { Handlers } from "../http/operation-router.js";
import type { RateLimits } from "../http/rate-limits.js";
import type { AccountStore } from "./account-store.js";
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

/** What GET /v1/session says of a principal: a person, or a service account's token. */
export function sessionOf(p: Principal): Session {
  const feeds: Session["feeds"] = p.feeds === "*" ? "*" : [...p.feeds];
  const common = { id: p.sub, name: p.name ?? p.sub, role: p.role, feeds };
  if (p.session === undefined) return { kind: "service", ...common };
  return {
    kind: "user",
    ...common,
    email: p.session.email,
    expiresAt: new Date(p.session.expiresAt).toISOString(),
  };
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
      // A session cookie the browser had before is ended, never carried over (session fixation).
      const previous = sessionCookieOf(req);
      if (previous !== undefined) await accounts.endSession(previous);
      const { token, expiresAt } = await accounts.openSession(user.id, o.sessionTtlSeconds);
      setSessionCookie(req, res, token, expiresAt);
      const principal = await accounts.sessionPrincipal(token);
      if (principal === undefined) throw new LivelineError("internal", "the new session could not be read back");
      return { status: 200, body: sessionOf(principal), headers: NO_STORE };
    },

    getSession: ({ principal }) => {
      if (principal === undefined) throw new LivelineError("unauthorized", "not signed in, and no bearer token");
      return { status: 200, body: sessionOf(principal), headers: NO_STORE };
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
