import * as oidc from "openid-client";
import { z } from "zod";
import { AvatarUrl } from "@liveline/protocol";
import type { AccountKeys, RedisClient } from "@liveline/core";
import { LivelineError } from "../errors.js";
import type { SsoSettings } from "./sso-settings.js";

/** How long a person has to come back from the provider's sign-in pages. */
export const SSO_FLOW_SECONDS = 600;

/** What a sign-in under way keeps in Redis, by its `state`, until the provider sends the person back. */
const Flow = z.object({ verifier: z.string().min(43).max(128), nonce: z.string().min(1).max(200) });

/** Who the provider says signed in: the claims Liveline keeps, and every claim for the role map. */
export interface SsoIdentity {
  issuer: string;
  subject: string;
  email: string;
  /** False when the provider says the email is not verified (an account is then never linked by it). */
  emailVerified: boolean;
  name: string;
  picture: string | undefined;
  claims: Record<string, unknown>;
}

const EmailClaim = z.email().max(254);
/** A picture a byline may carry (https), or none. */
const PictureClaim = AvatarUrl;
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

const text = (v: unknown): string | undefined => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);

/** The person's name, email and picture from standard claims (Entra often has no `email`: its UPN is one). */
function identityOf(issuer: string, claims: Record<string, unknown>): SsoIdentity {
  const subject = text(claims.sub);
  const email = [claims.email, claims.preferred_username, claims.upn]
    .map((c) => EmailClaim.safeParse(c))
    .find((r) => r.success)?.data;
  if (subject === undefined || email === undefined) {
    throw new LivelineError("sso_failed", "the provider gave no subject or email for this person (scope email)");
  }
  const given = [text(claims.given_name), text(claims.family_name)].filter((v) => v !== undefined).join(" ");
  const name = (text(claims.name) ?? (given === "" ? email : given)).slice(0, 200);
  const picture = PictureClaim.safeParse(claims.picture);
  return {
    issuer,
    subject,
    email: email.toLowerCase(),
    emailVerified: claims.email_verified !== false && claims.email_verified !== "false",
    name,
    picture: picture.success ? picture.data : undefined,
    claims,
  };
}

/**
 * The OpenID Connect relying party: the authorization code flow with PKCE, state and nonce
 * (openid-client does the protocol's checks: the ID token's signature, issuer, audience, nonce;
 * the `iss` of the answer, RFC 9207). The provider is discovered on first use, not at start, so
 * a provider that is down delays sign-in, never the service.
 */
export class SsoClient {
  private config: Promise<oidc.Configuration> | undefined;

  constructor(
    readonly settings: SsoSettings,
    private readonly redis: RedisClient,
    private readonly keys: AccountKeys,
  ) {}

  private discover(): Promise<oidc.Configuration> {
    const s = this.settings;
    const issuer = new URL(s.issuer);
    // Plain http only for a provider on this machine (a development or test provider).
    const options =
      issuer.protocol === "http:" && LOOPBACK.has(issuer.hostname)
        ? { execute: [oidc.allowInsecureRequests] }
        : undefined;
    const auth = s.clientSecret === undefined ? oidc.None() : undefined;
    const config =
      this.config ??
      oidc.discovery(issuer, s.clientId, s.clientSecret, auth, options).catch((err: unknown) => {
        this.config = undefined; // the next sign-in tries again
        throw new LivelineError("sso_failed", `the provider's discovery document could not be read: ${String(err)}`);
      });
    this.config = config;
    return config;
  }

  /** The provider's sign-in URL for a new flow, and its `state` (for the browser's cookie). */
  async start(): Promise<{ url: string; state: string }> {
    const config = await this.discover();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    await this.redis.set(this.keys.ssoFlow(state), JSON.stringify({ verifier, nonce }), "EX", SSO_FLOW_SECONDS);
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUrl,
      scope: this.settings.scopes,
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
    });
    return { url: url.href, state };
  }

  /**
   * Checks the provider's answer (`search`: the callback's query string) against the flow that
   * this browser started (`cookieState`), spends the flow, and exchanges the code.
   */
  async finish(search: string, cookieState: string | undefined): Promise<SsoIdentity> {
    const params = new URLSearchParams(search);
    const state = params.get("state");
    const foreign = new LivelineError("sso_state_invalid", "this answer names no sign-in that this browser started");
    if (state === null || state.length > 200) throw foreign;
    // GETDEL: one answer per flow, even when two race; an answer opened in another browser spends it too.
    const raw = await this.redis.getdel(this.keys.ssoFlow(state));
    const flow = raw === null ? undefined : Flow.safeParse(JSON.parse(raw)).data;
    if (flow === undefined) {
      throw new LivelineError(
        "sso_state_invalid",
        `this sign-in expired (${SSO_FLOW_SECONDS / 60} minutes) or was used`,
      );
    }
    if (cookieState !== state) throw foreign;
    const error = params.get("error");
    if (error !== null) {
      const why = params.get("error_description") ?? error;
      throw new LivelineError("sso_refused", `the provider refused the sign-in: ${why}`.slice(0, 500));
    }
    const config = await this.discover();
    const callback = new URL(this.settings.redirectUrl);
    callback.search = search;
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: flow.verifier,
        expectedState: state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      throw new LivelineError("sso_failed", `the provider's answer failed the checks: ${String(err)}`.slice(0, 500));
    }
    const idClaims = tokens.claims();
    if (idClaims === undefined) throw new LivelineError("sso_failed", "the provider sent no ID token");
    // Many providers put the profile and groups in the userinfo answer, not the ID token.
    let info: Record<string, unknown> = {};
    if (config.serverMetadata().userinfo_endpoint !== undefined) {
      try {
        info = { ...(await oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub)) };
      } catch (err) {
        throw new LivelineError(
          "sso_failed",
          `the provider's userinfo could not be read: ${String(err)}`.slice(0, 500),
        );
      }
    }
    return identityOf(config.serverMetadata().issuer, { ...info, ...idClaims });
  }
}
