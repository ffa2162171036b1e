import {
  CreateUserBody,
  PasswordResetBody,
  PasswordResetLink,
  Session,
  SignInBody,
  SignInMethods,
  SsoCallbackQuery,
  UpdateUserBody,
  User,
  UserList,
} from "../accounts.js";
import { defineOperation } from "./operation.js";
import { err } from "./replies.js";

/**
 * People and their sessions: accounts managed by an admin (of every feed), and the console's
 * sign-in with an email and a password, which sets an HttpOnly session cookie. A request carrying
 * that cookie is authenticated as the person; bearer tokens (service accounts) work as before.
 * Signing in, out and setting a password need no token (`reader`): like every `/v1` operation
 * they refuse a bearer token that is not valid, and count against the caller's address.
 */

const crossSite = err("cross_site_request: a cookie-authenticated write sent from another site");

export const listUsers = defineOperation({
  method: "get",
  path: "/v1/users",
  summary: "Every account, by name",
  access: "admin-all",
  responses: { 200: { description: "the accounts", schema: UserList } },
});

export const createUser = defineOperation({
  method: "post",
  path: "/v1/users",
  summary: "Create an account (admin, editor or contributor; optionally limited to some feeds)",
  access: "admin-all",
  body: CreateUserBody,
  responses: {
    201: { description: "created", schema: User },
    409: err("user_exists: an account has this email already"),
  },
});

export const getUser = defineOperation({
  method: "get",
  path: "/v1/users/:userId",
  summary: "One account",
  access: "admin-all",
  responses: { 200: { description: "the account", schema: User }, 404: err("user_not_found") },
});

export const updateUser = defineOperation({
  method: "patch",
  path: "/v1/users/:userId",
  summary: "Change an account's name, role, feeds or password (a new role or password ends its sessions)",
  access: "admin-all",
  body: UpdateUserBody,
  responses: { 200: { description: "the account as changed", schema: User }, 404: err("user_not_found") },
});

export const deleteUser = defineOperation({
  method: "delete",
  path: "/v1/users/:userId",
  summary: "Delete an account and end its sessions (what it wrote keeps its name)",
  access: "admin-all",
  responses: { 204: { description: "deleted" }, 404: err("user_not_found") },
});

export const issuePasswordReset = defineOperation({
  method: "post",
  path: "/v1/users/:userId/password-reset",
  summary: "Issue a one-time link that lets the user set a new password (the admin hands it over)",
  access: "admin-all",
  responses: { 201: { description: "the link", schema: PasswordResetLink }, 404: err("user_not_found") },
});

export const resetPassword = defineOperation({
  method: "post",
  path: "/v1/password-reset",
  summary: "Set a password with the token of a reset link (once; it ends the user's other sessions)",
  access: "reader",
  body: PasswordResetBody,
  responses: {
    204: { description: "the password is set; sign in with it" },
    404: err("reset_link_invalid: the link was used, has expired or was never issued"),
    403: crossSite,
  },
});

export const signIn = defineOperation({
  method: "post",
  path: "/v1/session",
  summary: "Sign in with an email and a password: sets the session cookie",
  access: "reader",
  body: SignInBody,
  responses: {
    200: { description: "signed in (Set-Cookie carries the session)", schema: Session },
    401: err("invalid_credentials: no account has this email and password"),
    403: crossSite,
  },
});

export const getSession = defineOperation({
  method: "get",
  path: "/v1/session",
  summary: "Who this request speaks for: the signed-in person, or the bearer token's service account",
  access: "reader",
  responses: {
    200: { description: "who", schema: Session },
    401: err("unauthorized: not signed in, and no bearer token"),
  },
});

export const signOut = defineOperation({
  method: "delete",
  path: "/v1/session",
  summary: "Sign out: ends the session and clears its cookie",
  access: "reader",
  responses: { 204: { description: "signed out (also when no session was open)" }, 403: crossSite },
});

export const getSignInMethods = defineOperation({
  method: "get",
  path: "/v1/session/methods",
  summary: "How people sign in here: email and password, and single sign-on when it is configured",
  access: "reader",
  withoutRedis: true,
  responses: { 200: { description: "the sign-in methods", schema: SignInMethods } },
});

export const startSso = defineOperation({
  method: "get",
  path: "/v1/session/oidc",
  summary: "Start single sign-on (OpenID Connect, code flow with PKCE): redirects to the provider",
  access: "reader",
  responses: {
    302: { description: "to the provider's sign-in page (a short-lived cookie binds the answer to this browser)" },
    404: err("not_configured: single sign-on is not set up here (OIDC_ISSUER)"),
    502: err("sso_failed: the provider's discovery document could not be read"),
  },
});

export const finishSso = defineOperation({
  method: "get",
  path: "/v1/session/oidc/callback",
  summary: "Where the provider sends the person back: checks the answer, signs them in, redirects to /console",
  access: "reader",
  query: SsoCallbackQuery,
  responses: {
    303: { description: "signed in (Set-Cookie carries the session): on to /console" },
    400: err("sso_state_invalid: the answer names no sign-in this browser started (or it expired)"),
    403: err("sso_refused: the provider said no; sso_no_role: no role is mapped to the person's groups"),
    404: err("not_configured: single sign-on is not set up here (OIDC_ISSUER)"),
    409: err("user_exists: an account has this email, and the provider does not say the email is verified"),
    431: err(
      "headers_too_large: the address, with the provider's parameters, is longer than the server reads (16 KiB)",
    ),
    502: err("sso_failed: the provider could not be reached, or its answer failed the checks"),
  },
});
