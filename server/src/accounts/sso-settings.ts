import { z } from "zod";
import { reportProblems } from "@liveline/core";
import { FeedId, UserFeeds, UserRole, type UserRole as Role } from "@liveline/protocol";
import { PublicUrl } from "../public-url.js";

/**
 * Single sign-on with an OpenID Connect provider (Google Workspace, Microsoft Entra ID, Okta …):
 * the OIDC_* variables, and how a person's groups or role claim become a Liveline role.
 */

/** A role and the feeds it covers, as one OIDC_ROLE_MAP entry (or OIDC_DEFAULT_ROLE) grants it. */
export interface Grant {
  readonly role: Role;
  readonly feeds: "*" | readonly string[];
}

/** One OIDC_ROLE_MAP entry: a claim value (a group's name or id, a role) and what it grants. */
export interface RoleRule extends Grant {
  readonly value: string;
}

/** `role` or `role:feed|feed` (every feed when none is named). */
function parseGrant(text: string): Grant {
  const [role, feeds] = text.split(":", 2).map((s) => s.trim());
  const parsedRole = UserRole.parse(role);
  if (feeds === undefined || feeds === "" || feeds === "*") return { role: parsedRole, feeds: "*" };
  const list = feeds.split("|").map((f) => FeedId.parse(f.trim()));
  return { role: parsedRole, feeds: UserFeeds.parse(list) };
}

/** `value=role[:feed|feed],…`: `newsroom-admins=admin,desk=editor,stringers=contributor:election-night`. */
export function parseRoleMap(text: string): RoleRule[] {
  return text
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "")
    .map((entry) => {
      const cut = entry.lastIndexOf("=");
      const value = entry.slice(0, cut).trim();
      if (cut <= 0 || value === "") throw new Error(`'${entry}' is not value=role[:feed|feed]`);
      return { value, ...parseGrant(entry.slice(cut + 1)) };
    });
}

/** A parse that reports a thrown error (a zod one too) as the variable's problem. */
const parsing = <T>(parse: (s: string) => T) =>
  z.string().transform((value, ctx) => {
    try {
      return parse(value);
    } catch (err) {
      const message = err instanceof z.ZodError ? err.issues.map((i) => i.message).join("; ") : String(err);
      ctx.addIssue({ code: "custom", message: `${message} (roles: admin, editor, contributor)` });
      return z.NEVER;
    }
  });

/**
 * Single sign-on's section of the environment: the OIDC_*, read by the server role only, and
 * PUBLIC_URL, whose callback is the default one. The transform checks the OIDC_* together (an
 * issuer needs its client id, a role map or a default role, and a callback URL) and gives the
 * settings when OIDC_ISSUER is set, else undefined (single sign-on off). The settings type is
 * inferred from it.
 */
export const SsoSettings = z
  .object({
    /** The provider's issuer URL; SSO is on when it is set. */
    OIDC_ISSUER: z.url({ protocol: /^https?$/, error: "must be the provider's issuer URL" }).optional(),
    OIDC_CLIENT_ID: z.string().trim().min(1).optional(),
    /** Unset: a public client (PKCE alone), as some providers allow for it. */
    OIDC_CLIENT_SECRET: z.string().trim().min(1).optional(),
    /** The callback registered with the provider: …/v1/session/oidc/callback (unset: PUBLIC_URL's). */
    OIDC_REDIRECT_URL: z.url({ protocol: /^https?$/ }).optional(),
    OIDC_SCOPES: z.string().trim().min(1).default("openid email profile"),
    /** The claim that carries the groups or roles (dots walk into an object: `realm_access.roles`). */
    OIDC_ROLE_CLAIM: z.string().trim().min(1).default("groups"),
    /** `value=role[:feed|feed],…`: what each group or role value of the claim grants. */
    OIDC_ROLE_MAP: parsing(parseRoleMap).optional(),
    /** What a person whose claim maps to nothing gets; unset: they are refused (`sso_no_role`). */
    OIDC_DEFAULT_ROLE: parsing(parseGrant).optional(),
    /** The sign-in button's words: "Sign in with <label>". */
    OIDC_LABEL: z.string().trim().min(1).max(60).default("SSO"),
    PUBLIC_URL: PublicUrl,
  })
  .transform((c, ctx) => {
    if (c.OIDC_ISSUER === undefined) {
      // Single sign-on off: a variable only an issuer uses is a typo or a half-finished setup.
      const only = ["OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_REDIRECT_URL", "OIDC_ROLE_MAP"] as const;
      reportProblems(
        ctx,
        only.filter((k) => c[k] !== undefined).map((k) => `${k}: only with OIDC_ISSUER`),
      );
      return undefined;
    }
    const problems: string[] = [];
    if (c.OIDC_CLIENT_ID === undefined) problems.push("OIDC_CLIENT_ID: required with OIDC_ISSUER");
    if (c.OIDC_ROLE_MAP === undefined && c.OIDC_DEFAULT_ROLE === undefined)
      problems.push("OIDC_ROLE_MAP: required with OIDC_ISSUER (or OIDC_DEFAULT_ROLE, a role for everyone)");
    const redirectUrl =
      c.OIDC_REDIRECT_URL ??
      (c.PUBLIC_URL === undefined ? undefined : `${c.PUBLIC_URL.replace(/\/$/, "")}/v1/session/oidc/callback`);
    if (redirectUrl === undefined)
      problems.push("OIDC_REDIRECT_URL: required with OIDC_ISSUER when PUBLIC_URL is unset");
    if (!c.OIDC_SCOPES.split(/\s+/).includes("openid")) problems.push("OIDC_SCOPES: must include openid");
    if (reportProblems(ctx, problems) || c.OIDC_CLIENT_ID === undefined || redirectUrl === undefined) return z.NEVER;
    return Object.freeze({
      issuer: c.OIDC_ISSUER,
      clientId: c.OIDC_CLIENT_ID,
      clientSecret: c.OIDC_CLIENT_SECRET,
      redirectUrl,
      scopes: c.OIDC_SCOPES,
      roleClaim: c.OIDC_ROLE_CLAIM,
      roleMap: Object.freeze(c.OIDC_ROLE_MAP ?? []),
      defaultRole: c.OIDC_DEFAULT_ROLE,
      label: c.OIDC_LABEL,
    });
  });

/** Single sign-on's settings, when OIDC_ISSUER is set (the variables' JSDoc says what each is). */
export type SsoSettings = NonNullable<z.output<typeof SsoSettings>>;

const RANK: Record<Role, number> = { contributor: 1, editor: 2, admin: 3 };

/** The claim at `path` (dots walk into objects), as a list of strings. */
function claimValues(claims: Record<string, unknown>, path: string): string[] {
  let at: unknown = claims;
  for (const part of path.split(".")) {
    at =
      typeof at === "object" && at !== null && !Array.isArray(at) ? (at as Record<string, unknown>)[part] : undefined;
  }
  const list = Array.isArray(at) ? (at as unknown[]) : [at];
  return list.filter((v): v is string => typeof v === "string");
}

/**
 * What a person's claims grant: the highest role any of their values maps to, with the feeds of
 * every entry of that role together; else the default role; else undefined (refused).
 */
export function grantOf(
  s: Pick<SsoSettings, "roleClaim" | "roleMap" | "defaultRole">,
  claims: Record<string, unknown>,
): Grant | undefined {
  const values = new Set(claimValues(claims, s.roleClaim));
  const matched = s.roleMap.filter((r) => values.has(r.value));
  const top = Math.max(0, ...matched.map((r) => RANK[r.role]));
  const best = matched.filter((r) => RANK[r.role] === top);
  const first = best[0];
  if (first === undefined) return s.defaultRole;
  if (best.some((r) => r.feeds === "*")) return { role: first.role, feeds: "*" };
  return { role: first.role, feeds: [...new Set(best.flatMap((r) => [...r.feeds]))] };
}
