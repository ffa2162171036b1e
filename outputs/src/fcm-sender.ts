import { readFileSync } from "node:fs";
import { SignJWT, importPKCS8, type CryptoKey } from "jose";
import { z } from "zod";
import { ConfigError } from "@liveline/core";
import type { PushPayload } from "@liveline/protocol";
import type { Outbound } from "./outbound.js";
import type { StoredDevice } from "./push-store.js";
import type { SendOutcome } from "./web-push-sender.js";

/** The fields of a Google service-account key file that the OAuth exchange needs. */
const ServiceAccount = z.object({
  project_id: z.string().min(1),
  client_email: z.string().min(1),
  private_key: z.string().includes("PRIVATE KEY"),
  token_uri: z.url().optional(),
});
type ServiceAccount = z.infer<typeof ServiceAccount>;

const TokenAnswer = z.object({ access_token: z.string().min(1), expires_in: z.number().positive() });

/** FCM v1's error document; `details[].errorCode` says whether the token itself is bad. */
const FcmError = z.object({
  error: z.object({
    status: z.string().optional(),
    details: z.array(z.object({ errorCode: z.string().optional() }).loose()).optional(),
  }),
});

const SCOPE = "https://www.googleapis.com/auth/firebase.messaging";
const DEFAULT_TOKEN_URL = "https://oauth2.googleapis.com/token";

export function loadServiceAccount(file: string): ServiceAccount {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new ConfigError([`FCM_SERVICE_ACCOUNT_FILE: cannot read ${file}: ${(err as Error).message}`]);
  }
  const parsed = ServiceAccount.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError([
      `FCM_SERVICE_ACCOUNT_FILE: not a service-account key (project_id, client_email, private_key)`,
    ]);
  }
  return parsed.data;
}

/**
 * Firebase Cloud Messaging HTTP v1. Authorisation is OAuth 2.0's JWT-bearer grant (RFC 7523):
 * a JWT signed with the service account's key is exchanged for an access token, which is
 * cached until shortly before it expires.
 */
export class FcmSender {
  private token: { value: string; expiresAt: number } | undefined;
  /** The exchange in flight: a chunk's parallel sends share one instead of each starting one. */
  private exchanging: Promise<string> | undefined;
  private key: Promise<CryptoKey> | undefined;
  private readonly tokenUrl: string;

  constructor(
    private readonly account: ServiceAccount,
    private readonly endpoint: string,
    tokenUrl: string | undefined,
    private readonly outbound: Outbound,
  ) {
    this.tokenUrl = tokenUrl ?? account.token_uri ?? DEFAULT_TOKEN_URL;
  }

  private accessToken(): Promise<string> {
    if (this.token !== undefined && this.token.expiresAt > Date.now()) return Promise.resolve(this.token.value);
    this.exchanging ??= this.exchange().finally(() => {
      this.exchanging = undefined;
    });
    return this.exchanging;
  }

  private async exchange(): Promise<string> {
    this.key ??= importPKCS8(this.account.private_key, "RS256");
    const assertion = await new SignJWT({ scope: SCOPE })
      .setProtectedHeader({ alg: "RS256", typ: "JWT" })
      .setIssuer(this.account.client_email)
      .setSubject(this.account.client_email)
      .setAudience(this.tokenUrl)
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(await this.key);
    const body = new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion });
    const res = await this.outbound.send(this.tokenUrl, {
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: body.toString(),
    });
    if (res.status !== 200) throw new Error(`FCM token exchange answered ${res.status}`);
    const answer = TokenAnswer.parse(JSON.parse(res.text));
    // Renew a minute early, so a token never expires on its way.
    this.token = { value: answer.access_token, expiresAt: Date.now() + (answer.expires_in - 60) * 1000 };
    return answer.access_token;
  }

  async send(device: StoredDevice, payload: PushPayload): Promise<SendOutcome> {
    try {
      const token = await this.accessToken();
      const message = {
        message: {
          token: device.token,
          notification: { title: payload.title, body: payload.body },
          data: { feedId: payload.feedId, entryId: payload.entryId, seq: String(payload.seq), url: payload.url },
          // One visible alert per feed: a newer one replaces an older one not yet shown.
          android: { collapse_key: payload.feedId, priority: "high" },
          apns: { headers: { "apns-collapse-id": payload.feedId, "apns-priority": "10" } },
        },
      };
      const url = `${this.endpoint.replace(/\/+$/, "")}/v1/projects/${encodeURIComponent(this.account.project_id)}/messages:send`;
      const res = await this.outbound.send(url, {
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify(message),
      });
      if (res.status === 200) return { result: "sent", ms: res.ms };
      if (res.status === 401) this.token = undefined;
      if (isGoneToken(res.status, res.text)) return { result: "gone" };
      return { result: "failed", error: `FCM answered ${res.status}` };
    } catch (err) {
      return { result: "failed", error: (err as Error).message };
    }
  }
}

/** 404 UNREGISTERED (the app was uninstalled) or 400 INVALID_ARGUMENT (not a token): forget it. */
function isGoneToken(status: number, text: string): boolean {
  if (status !== 404 && status !== 400) return false;
  let parsed: ReturnType<typeof FcmError.safeParse>;
  try {
    parsed = FcmError.safeParse(JSON.parse(text));
  } catch {
    return false;
  }
  if (!parsed.success) return false;
  const codes = [parsed.data.error.status, ...(parsed.data.error.details ?? []).map((d) => d.errorCode)];
  return codes.includes("UNREGISTERED") || (status === 400 && codes.includes("INVALID_ARGUMENT"));
}
