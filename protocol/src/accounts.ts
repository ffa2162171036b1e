import { z } from "zod";
import { LIMITS } from "./limits.js";
import { Author, AvatarUrl, FeedId } from "./schemas.js";
import { Text, TextLine } from "./text.js";

/**
 * People who sign in to the console: local accounts (email and password) and, later, accounts
 * made at a first single sign-on. Each has a role and the feeds it may work on; the role maps to
 * the access levels of the API (contributor: its own drafts; editor: entries; admin: feeds,
 * accounts and the deployment's webhooks).
 */

export const USER_ROLES = ["admin", "editor", "contributor"] as const;
export const UserRole = z.enum(USER_ROLES);
export type UserRole = z.infer<typeof UserRole>;

/** A user's id: `u_` and 22 base64url characters (made by the server). */
export const UserId = z.string().regex(/^u_[\w-]{22}$/, "must be a user id (u_ and 22 characters)");

/**
 * Stored lower-cased; at most 254 characters (RFC 5321). The rule is the pattern alone, which
 * /openapi.json states: no `format: email`, whose checkers differ from it and from each other
 * (a domain label ending in `-` passes the pattern and fails some of them).
 */
export const Email = z
  .string()
  .max(254)
  .regex(z.regexes.email, "must be an email address")
  .transform((e) => e.toLowerCase());

/** At least 10 characters (NIST SP 800-63B asks for 8; no other composition rule), at most 200. */
export const Password = Text.min(10, "must be at least 10 characters").max(200);

/** The feeds a user may work on: every one ("*", the default) or a list. */
export const UserFeeds = z.union([z.literal("*"), z.array(FeedId).min(1).max(1000)]);

/** A user as the API shows it (never its password hash). */
export const User = z.object({
  id: UserId,
  email: Email,
  name: TextLine(200),
  role: UserRole,
  feeds: UserFeeds,
  /** Their job title, the role of their byline ("Political editor"). */
  title: TextLine(LIMITS.maxAuthorRoleChars).optional(),
  /** Their picture on bylines: an https URL or a path under /media/ (an upload). */
  avatarUrl: AvatarUrl.optional(),
  /** Whether the user can sign in with a password (one was set). */
  hasPassword: z.boolean(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type User = z.infer<typeof User>;

export const CreateUserBody = z.strictObject({
  email: Email,
  name: TextLine(200),
  role: UserRole,
  feeds: UserFeeds.optional(),
  title: TextLine(LIMITS.maxAuthorRoleChars).optional(),
  avatarUrl: AvatarUrl.optional(),
  /** Without one the user signs in through the link of POST /v1/users/:userId/password-reset. */
  password: Password.optional(),
});
export type CreateUserBody = z.input<typeof CreateUserBody>;

export const UpdateUserBody = z
  .strictObject({
    name: TextLine(200).optional(),
    role: UserRole.optional(),
    feeds: UserFeeds.optional(),
    /** null removes it. */
    title: TextLine(LIMITS.maxAuthorRoleChars).nullable().optional(),
    /** null removes it. */
    avatarUrl: AvatarUrl.nullable().optional(),
    password: Password.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: "name, role, feeds, title, avatarUrl or password is required" })
  .meta({ minProperties: 1 });
export type UpdateUserBody = z.input<typeof UpdateUserBody>;

export const UserList = z.object({ users: z.array(User) });
export type UserList = z.infer<typeof UserList>;

export const SignInBody = z.strictObject({ email: Email, password: Text.min(1).max(200) });
export type SignInBody = z.input<typeof SignInBody>;

/**
 * Who the request speaks for (GET /v1/session): a signed-in person (`kind: "user"`, by the
 * session cookie) or a service account's token (`kind: "service"`: a CMS, a script).
 */
export const Session = z.object({
  kind: z.enum(["user", "service"]),
  id: Text.min(1).max(200),
  name: Text.min(1).max(200),
  email: Email.optional(),
  role: z.enum(["reader", ...USER_ROLES]),
  feeds: z.union([z.literal("*"), z.array(Text)]),
  /**
   * What a new entry of theirs is signed with unless they change it (people only): their name,
   * their title as the byline's role, and their picture, when the account has them.
   */
  byline: Author.optional(),
  /** When the session ends (user sessions only). */
  expiresAt: z.iso.datetime().optional(),
});
export type Session = z.infer<typeof Session>;

/** How people may sign in to the console here (GET /v1/session/methods), for its sign-in screen. */
export const SignInMethods = z.object({
  /** Email and password (local accounts): always offered. */
  password: z.boolean(),
  /** Single sign-on (OIDC), when configured: the button's label names the provider. */
  sso: z.object({ label: z.string(), url: z.string() }).optional(),
});
export type SignInMethods = z.infer<typeof SignInMethods>;

/** The provider's answer on the redirect back (RFC 6749 §4.1.2; `iss` from RFC 9207). */
export const SsoCallbackQuery = z.object({
  code: z.string().max(4096).optional(),
  state: z.string().max(512).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(2000).optional(),
  iss: z.string().max(2000).optional(),
});

/** An admin-issued, one-time link to set a user's password. */
export const PasswordResetLink = z.object({
  url: z.string(),
  /** The one-time token the link carries (POST /v1/password-reset takes it). */
  token: z.string(),
  expiresAt: z.iso.datetime(),
});
export type PasswordResetLink = z.infer<typeof PasswordResetLink>;

export const PasswordResetBody = z.strictObject({
  token: z.string().regex(/^[\w-]{43}$/, "must be the token of a password-reset link"),
  password: Password,
});
export type PasswordResetBody = z.input<typeof PasswordResetBody>;
