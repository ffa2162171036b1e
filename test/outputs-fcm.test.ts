import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalJWKSet, exportJWK, jwtVerify, importSPKI } from "jose";
import { useStack } from "./helpers/use-stack.js";
import { startReceiver, type LocalReceiver } from "./helpers/local-receiver.js";
import { sleep, waitFor } from "./helpers/wait.js";

// Mobile push through a local server speaking FCM HTTP v1: the OAuth 2.0 JWT-bearer exchange
// (the assertion checked with the service account's public key) and messages:send with its
// error format (404 UNREGISTERED removes the token).
const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const account = {
  type: "service_account",
  project_id: "liveline-test",
  client_email: "push@liveline-test.iam.gserviceaccount.com",
  private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
};
const ACCESS_TOKEN = "ya29.test-access-token";

let fcm: LocalReceiver;
let dir: string;
const messages: { token: string; message: Record<string, unknown> }[] = [];
const exchanges: Record<string, unknown>[] = [];

beforeAll(async () => {
  const spki = publicKey.export({ type: "spki", format: "pem" }).toString();
  const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(await importSPKI(spki, "RS256"))), alg: "RS256" }] });
  fcm = await startReceiver(async (req, res) => {
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    };
    if (req.path === "/token") {
      const form = new URLSearchParams(req.body.toString("utf8"));
      expect(form.get("grant_type")).toBe("urn:ietf:params:oauth:grant-type:jwt-bearer");
      const { payload } = await jwtVerify(form.get("assertion") ?? "", jwks, {
        issuer: account.client_email,
        audience: `${fcm.url}/token`,
      });
      exchanges.push(payload);
      return json(200, { access_token: ACCESS_TOKEN, expires_in: 3599, token_type: "Bearer" });
    }
    if (req.path === `/v1/projects/${account.project_id}/messages:send`) {
      if (req.headers.authorization !== `Bearer ${ACCESS_TOKEN}`)
        return json(401, { error: { code: 401, status: "UNAUTHENTICATED" } });
      const body = JSON.parse(req.body.toString("utf8")) as { message: { token: string } & Record<string, unknown> };
      if (body.message.token === "uninstalled-app") {
        return json(404, {
          error: {
            code: 404,
            message: "Requested entity was not found.",
            status: "NOT_FOUND",
            details: [{ "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", errorCode: "UNREGISTERED" }],
          },
        });
      }
      messages.push({ token: body.message.token, message: body.message });
      return json(200, { name: `projects/${account.project_id}/messages/${messages.length}` });
    }
    return json(404, { error: { code: 404, status: "NOT_FOUND" } });
  });
  dir = mkdtempSync(join(tmpdir(), "liveline-fcm-"));
  writeFileSync(join(dir, "service-account.json"), JSON.stringify(account));
});

afterAll(async () => {
  await fcm.close();
  rmSync(dir, { recursive: true, force: true });
});
const { stack } = useStack(() => ({
  ALLOW_PRIVATE_OUTBOUND: "true",
  FCM_SERVICE_ACCOUNT_FILE: join(dir, "service-account.json"),
  FCM_ENDPOINT: fcm.url,
  FCM_TOKEN_URL: `${fcm.url}/token`,
}));

describe("FCM HTTP v1", () => {
  it("sends breaking entries to registered devices, with one token exchange, and forgets an unregistered token", async () => {
    const { api } = stack;
    await api.createFeed("fcm-story");
    const register = (token: string) =>
      api.as(null).request("POST", "/v1/feeds/fcm-story/push/devices", { platform: "fcm", token });
    expect((await register("phone-1")).status).toBe(201);
    expect((await register("uninstalled-app")).status).toBe(201);
    expect(
      (await api.as(null).request("POST", "/v1/feeds/fcm-story/push/devices", { platform: "apns", token: "x" })).status,
    ).toBe(400);

    await api.publish("fcm-story", {
      id: "f1",
      headline: "Polls close",
      body: "<p>Counting starts.</p>",
      breaking: true,
    });
    await waitFor(() => messages.length === 1, "the FCM message");
    const [sent] = messages;
    expect(sent?.token).toBe("phone-1");
    expect(sent?.message).toMatchObject({
      notification: { title: "Feed fcm-story", body: "Polls close" },
      data: { feedId: "fcm-story", entryId: "f1", url: "/feeds/fcm-story#entry-f1" },
      android: { collapse_key: "fcm-story" },
      apns: { headers: { "apns-collapse-id": "fcm-story" } },
    });
    expect(exchanges).toHaveLength(1);
    expect(exchanges[0]).toMatchObject({ scope: "https://www.googleapis.com/auth/firebase.messaging" });

    await api.publish("fcm-story", { id: "f2", headline: "First results", body: "<p>In.</p>", breaking: true });
    await waitFor(() => messages.length === 2, "the second FCM message");
    await sleep(300);
    // The unregistered token was tried once (for f1), then removed; the access token was reused.
    expect(fcm.received.filter((r) => r.path.endsWith("messages:send"))).toHaveLength(3);
    expect(exchanges).toHaveLength(1);
    const metrics = await (await fetch(`${stack.url}/metrics`)).text();
    expect(metrics).toMatch(/liveline_output_removed_subscriptions_total\{[^}]*output="fcm"[^}]*\} 1/);

    expect(
      (await api.as(null).request("DELETE", "/v1/feeds/fcm-story/push/devices", { platform: "fcm", token: "phone-1" }))
        .status,
    ).toBe(204);
    await api.publish("fcm-story", { id: "f3", headline: "Result", body: "<p>Done.</p>", breaking: true });
    await waitFor(
      async () => (await api.request<{ last: unknown[] }>("GET", "/v1/feeds/fcm-story/alerts")).body.last.length === 3,
      "the third alert decision",
    );
    await sleep(300);
    expect(messages).toHaveLength(2);
  });
});
