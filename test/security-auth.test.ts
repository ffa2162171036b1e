import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, exportSPKI, generateKeyPair } from "jose";
import { io as connect } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Feed, Revision, SubscribeAck } from "@liveline/protocol";
import { mintToken } from "@liveline/server";
import { openReader, readerReady } from "./helpers/reader.js";
import { useStack } from "./helpers/use-stack.js";
import { JWT_SECRET, mint, nowSeconds } from "./helpers/tokens.js";
import { sleep, waitFor } from "./helpers/wait.js";

let jwksServer: Server;
let rsa: Awaited<ReturnType<typeof generateKeyPair>>;
let ec: Awaited<ReturnType<typeof generateKeyPair>>;
let jwksHits = 0;

beforeAll(async () => {
  rsa = await generateKeyPair("RS256", { extractable: true });
  ec = await generateKeyPair("ES256", { extractable: true });
  const jwk = { ...(await exportJWK(ec.publicKey)), kid: "cms-1", alg: "ES256", use: "sig" };
  jwksServer = createServer((req, res) => {
    jwksHits += 1;
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => jwksServer.listen(0, "127.0.0.1", r));
});
afterAll(async () => {
  await new Promise((r) => jwksServer?.close(r));
});
const { stack } = useStack(async () => ({
  EDITOR_JWT_SECRET: JWT_SECRET,
  // As it is often written in an environment file: one line, newlines escaped.
  EDITOR_JWT_PUBLIC_KEY: (await exportSPKI(rsa.publicKey)).replace(/\n/g, "\\n"),
  EDITOR_JWKS_URL: `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`,
}));
beforeAll(async () => {
  for (const id of ["sports", "politics", "weather"]) expect((await stack.api.createFeed(id)).status).toBe(201);
});

const code = (body: unknown): unknown => (body as { error?: { code?: string } }).error?.code;

describe("editor tokens", () => {
  it("lets an editor publish, edit and retract only in its feeds", async () => {
    const api = stack.api.as(await mint({ sub: "ana", role: "editor", feeds: ["sports"] }));
    const ok = await api.publish("sports", { id: "goal", body: "Goal!" });
    expect(ok.status).toBe(202);
    expect((await api.edit("sports", "goal", { headline: "1-0" })).status).toBe(202);
    const other = await api.publish("politics", { body: "not mine" });
    expect([other.status, code(other.body)]).toEqual([403, "forbidden"]);
    // Editors may not create feeds or change feed metadata: that is the admin role.
    const create = await api.createFeed("sports-2");
    expect([create.status, code(create.body)]).toEqual([403, "forbidden"]);
    const patch = await api.request("PATCH", "/v1/feeds/sports", { title: "Mine now" });
    expect([patch.status, code(patch.body)]).toEqual([403, "forbidden"]);
    expect((await api.retract("sports", "goal")).status).toBe(202);
  });

  it("lets an admin create and change feeds within its scope", async () => {
    const api = stack.api.as(await mint({ sub: "desk", role: "admin", feeds: ["elections", "politics"] }));
    expect((await api.createFeed("elections")).status).toBe(201);
    expect((await api.request("PATCH", "/v1/feeds/politics", { title: "Politics live" })).status).toBe(202);
    const outside = await api.createFeed("finance");
    expect([outside.status, code(outside.body)]).toEqual([403, "forbidden"]);
    const star = stack.api.as(await mint({ sub: "chief", role: "admin", feeds: "*" }));
    expect((await star.createFeed("finance")).status).toBe(201);
  });

  it("refuses expired, forged, unsigned and malformed tokens with 401", async () => {
    const expired = await mint({ role: "editor", exp: nowSeconds() - 60 });
    const forged = await mint({
      role: "admin",
      key: new TextEncoder().encode("another-secret-of-32-characters-or-more"),
    });
    const noExp = await mint({ role: "admin", exp: null });
    const [h, p] = (await mint({ role: "admin" })).split(".");
    const algNone = `${Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url")}.${p ?? ""}.`;
    const noRole = await mint({});
    const badFeeds = await mint({ role: "editor", feeds: ["Not A Slug"] });
    const cases: [string, string | null, string][] = [
      ["expired", expired, "token_expired"],
      ["forged", forged, "unauthorized"],
      ["no exp", noExp, "unauthorized"],
      ["alg none", algNone, "unauthorized"],
      ["header swapped", `${h ?? ""}.${p ?? ""}.AAAA`, "unauthorized"],
      ["no role", noRole, "unauthorized"],
      ["bad feeds claim", badFeeds, "unauthorized"],
      ["garbage", "not-a-token-at-all-0123456789", "unauthorized"],
      ["missing", null, "unauthorized"],
    ];
    for (const [what, token, expected] of cases) {
      const res = await stack.api.as(token).publish("sports", { body: "x" });
      expect([what, res.status, code(res.body)]).toEqual([what, 401, expected]);
    }
    const malformedHeader = await stack.api.as(null).publish("sports", { body: "x" }, { authorization: "Basic YTpi" });
    expect(malformedHeader.status).toBe(401);
  });

  it("accepts RS256 tokens from the PEM key and ES256 tokens from the JWKS", async () => {
    const rs = await mint({ alg: "RS256", key: rsa.privateKey, role: "editor", feeds: ["weather"], sub: "cms-rsa" });
    expect((await stack.api.as(rs).publish("weather", { body: "Rain" })).status).toBe(202);
    const es = await mint({ alg: "ES256", kid: "cms-1", key: ec.privateKey, role: "editor", feeds: ["weather"] });
    expect((await stack.api.as(es).publish("weather", { body: "Sun" })).status).toBe(202);
    expect(jwksHits).toBeGreaterThan(0);
    const unknownKid = await mint({ alg: "ES256", kid: "nope", key: ec.privateKey, role: "editor" });
    expect((await stack.api.as(unknownKid).publish("weather", { body: "x" })).status).toBe(401);
    // An RS256 token signed by some other key.
    const other = await generateKeyPair("RS256");
    const stranger = await mint({ alg: "RS256", key: other.privateKey, role: "admin" });
    expect((await stack.api.as(stranger).publish("weather", { body: "x" })).status).toBe(401);
  });

  it("accepts tokens from the README's mint-token helper", async () => {
    const editor = await mintToken({ secret: JWT_SECRET, sub: "cms", feeds: ["sports"], role: "editor" });
    expect((await stack.api.as(editor).publish("sports", { body: "minted" })).status).toBe(202);
    const reader = await mintToken({ secret: JWT_SECRET, sub: "app", feeds: ["sports"], role: "read", ttlSeconds: 60 });
    expect((await stack.api.as(reader).publish("sports", { body: "no" })).status).toBe(403);
  });

  it("keeps static EDITOR_TOKENS as admins of every feed", async () => {
    expect((await stack.api.createFeed("static-ok")).status).toBe(201);
    expect((await stack.api.request("PATCH", "/v1/feeds/static-ok", { status: "ended" })).status).toBe(202);
  });
});

describe("revision history", () => {
  it("records who made each change and shows it to editors only", async () => {
    const ana = stack.api.as(await mint({ sub: "ana@newsroom", role: "editor", feeds: ["politics"] }));
    const ben = stack.api.as(await mint({ sub: "ben@newsroom", role: "editor", feeds: ["politics"] }));
    expect((await ana.publish("politics", { id: "vote", body: "Vote begins" })).status).toBe(202);
    expect((await ben.edit("politics", "vote", { body: "Vote has begun" })).status).toBe(202);
    expect((await stack.api.retract("politics", "vote")).status).toBe(202);
    const path = "/v1/feeds/politics/entries/vote/revisions";
    const res = await waitFor(async () => {
      const r = await ana.request<{ revisions: Revision[] }>("GET", path);
      return r.body.revisions?.length === 3 ? r : undefined;
    }, "three revisions");
    // Tokens without a name are named by their subject.
    expect(res.body.revisions.map((r) => [r.revision, r.by, r.type])).toEqual([
      [1, { id: "ana@newsroom", name: "ana@newsroom" }, "entry.published"],
      [2, { id: "ben@newsroom", name: "ben@newsroom" }, "entry.updated"],
      [2, { id: "token-1", name: "token-1" }, "entry.deleted"],
    ]);
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect((await stack.api.as(null).request("GET", path)).status).toBe(401);
    const reader = stack.api.as(await mint({ scope: "read", feeds: ["politics"] }));
    expect((await reader.request("GET", path)).status).toBe(403);
    const elsewhere = stack.api.as(await mint({ role: "editor", feeds: ["sports"] }));
    expect((await elsewhere.request("GET", path)).status).toBe(403);
    expect(code((await ana.request("GET", "/v1/feeds/politics/entries/never/revisions")).body)).toBe("entry_not_found");
  });
});

describe("private feeds", () => {
  const ack = (s: ReturnType<typeof connect>, payload: unknown): Promise<SubscribeAck> =>
    s.timeout(5000).emitWithAck("subscribe", payload) as Promise<SubscribeAck>;

  it("needs a subscriber token to read over HTTP", async () => {
    const created = await stack.api.request<Feed>("POST", "/v1/feeds", {
      id: "vip",
      title: "VIP",
      visibility: "private",
    });
    expect(created.body).toMatchObject({ id: "vip", visibility: "private" });
    expect((await stack.api.publish("vip", { id: "v1", body: "secret" })).status).toBe(202);
    await waitFor(async () => (await stack.store.currentSeq("vip")) === 1, "applied");
    const anon = stack.api.as(null);
    for (const path of [
      "/v1/feeds/vip",
      "/v1/feeds/vip/entries",
      "/v1/feeds/vip/entries/v1",
      "/v1/feeds/vip/events?since=0",
    ]) {
      // Answered as an unknown feed is (no existence leak): same status, code and message.
      const r = await anon.request("GET", path);
      const unknown = await anon.request("GET", path.replace("/vip", "/no-such-vip"));
      expect([path, r.status, r.body]).toEqual([
        path,
        404,
        { error: { code: "feed_not_found", message: "feed 'vip' does not exist" } },
      ]);
      expect(unknown.body).toEqual({ error: { code: "feed_not_found", message: "feed 'no-such-vip' does not exist" } });
    }
    const wrongFeed = stack.api.as(await mint({ scope: "read", feeds: ["sports"] }));
    expect(code((await wrongFeed.request("GET", "/v1/feeds/vip/entries")).body)).toBe("feed_not_found");
    const expired = stack.api.as(await mint({ scope: "read", feeds: ["vip"], exp: nowSeconds() - 60 }));
    expect(code((await expired.request("GET", "/v1/feeds/vip")).body)).toBe("token_expired");
    const reader = stack.api.as(await mint({ scope: "read", feeds: ["vip"] }));
    const events = await reader.request<{ events: unknown[] }>("GET", "/v1/feeds/vip/events?since=0");
    expect(events.status).toBe(200);
    expect(events.body.events).toHaveLength(1);
    expect(events.headers.get("cache-control")).toBe("private, no-store");
    // A reader token cannot write, and the feed list hides the feed from strangers.
    expect((await reader.publish("vip", { body: "x" })).status).toBe(403);
    const listed = async (api: typeof anon) =>
      (await api.request<{ feeds: Feed[] }>("GET", "/v1/feeds")).body.feeds.map((f) => f.id).includes("vip");
    expect(await listed(anon)).toBe(false);
    expect(await listed(reader)).toBe(true);
    // Public feeds stay open.
    expect((await anon.request("GET", "/v1/feeds/sports/entries")).status).toBe(200);
    // The SSE stream needs the token too, and the public feed page does not exist for it.
    expect((await fetch(`${stack.url}/v1/feeds/vip/stream`)).status).toBe(404);
    const aborter = new AbortController();
    const stream = await fetch(`${stack.url}/v1/feeds/vip/stream`, {
      headers: { authorization: `Bearer ${await mint({ scope: "read", feeds: ["vip"] })}` },
      signal: aborter.signal,
    });
    expect([stream.status, stream.headers.get("content-type")]).toEqual([200, "text/event-stream; charset=utf-8"]);
    aborter.abort();
    expect((await fetch(`${stack.url}/feeds/vip`)).status).toBe(404);
    expect((await fetch(`${stack.url}/feeds/sports`)).status).toBe(200);
  });

  it("needs a subscriber token to subscribe over Socket.IO (handshake or payload)", async () => {
    const token = await mint({ scope: "read", feeds: ["vip"] });
    const anon = connect(stack.url, { transports: ["websocket"], forceNew: true });
    const refused = await ack(anon, { feedId: "vip" });
    expect(refused).toMatchObject({ ok: false, error: { code: "feed_not_found" } });
    expect(await ack(anon, { feedId: "vip", token })).toMatchObject({ ok: true, seq: 1 });
    const other = await mint({ scope: "read", feeds: ["sports"] });
    expect(await ack(anon, { feedId: "vip", token: other })).toMatchObject({
      ok: false,
      error: { code: "feed_not_found" },
    });
    anon.close();

    const authed = connect(stack.url, { transports: ["websocket"], forceNew: true, auth: { token } });
    expect(await ack(authed, { feedId: "vip" })).toMatchObject({ ok: true, seq: 1 });
    authed.close();

    const stale = connect(stack.url, {
      transports: ["websocket"],
      forceNew: true,
      reconnection: false,
      auth: { token: await mint({ scope: "read", feeds: ["vip"], exp: nowSeconds() - 60 }) },
    });
    const err = await new Promise<Error & { data?: { code?: string } }>((r) => stale.once("connect_error", r));
    expect(err.data?.code).toBe("token_expired");
    stale.close();
  });

  it("SDK: getToken is used at connect, after a refusal, and again before expiry", async () => {
    const calls: number[] = [];
    const reader = openReader(stack.url, "vip", {
      getToken: async () => {
        calls.push(Date.now());
        // First an expired token (refused at the handshake), then 3-second tokens.
        const exp = calls.length === 1 ? nowSeconds() - 60 : nowSeconds() + 3;
        return mint({ scope: "read", feeds: ["vip"], exp });
      },
    });
    await readerReady(reader);
    expect(reader.sub.entries.map((e) => e.id)).toEqual(["v1"]);
    const before = calls.length;
    expect(before).toBeGreaterThanOrEqual(2);
    await waitFor(() => calls.length > before, "a refresh before the token expires", 5000);
    expect((await stack.api.publish("vip", { id: "v2", body: "more" })).status).toBe(202);
    await waitFor(() => reader.sub.entry("v2"), "live entry on the private feed");
    reader.close();
  });

  it("SDK: a subscribe refused for want of a token asks getToken again", async () => {
    let n = 0;
    const reader = openReader(stack.url, "vip", {
      getToken: async () => (++n === 1 ? undefined : mint({ scope: "read", feeds: ["vip"] })),
    });
    await readerReady(reader);
    expect(n).toBe(2);
    reader.close();
  });

  it("drops readers without a token when a feed turns private", async () => {
    expect((await stack.api.createFeed("turning")).status).toBe(201);
    const token = await mint({ scope: "read", feeds: ["turning"] });
    const anon = connect(stack.url, { transports: ["websocket"], forceNew: true, reconnection: false });
    const viaPayload = connect(stack.url, { transports: ["websocket"], forceNew: true, reconnection: false });
    const viaHandshake = connect(stack.url, {
      transports: ["websocket"],
      forceNew: true,
      reconnection: false,
      auth: { token },
    });
    expect(await ack(anon, { feedId: "turning" })).toMatchObject({ ok: true });
    expect(await ack(viaPayload, { feedId: "turning", token })).toMatchObject({ ok: true });
    expect(await ack(viaHandshake, { feedId: "turning" })).toMatchObject({ ok: true });
    const dropped = new Promise((r) => anon.once("disconnect", r));
    expect((await stack.api.request("PATCH", "/v1/feeds/turning", { visibility: "private" })).status).toBe(202);
    await dropped;
    // The readers with a token stay: given time to be dropped too (a reader that subscribed with
    // a token of its own was, when only the connection's token counted), they are not.
    await sleep(300);
    expect(viaPayload.connected).toBe(true);
    expect(viaHandshake.connected).toBe(true);
    for (const s of [anon, viaPayload, viaHandshake]) s.close();
  });

  it("an admin can make a feed public again", async () => {
    expect((await stack.api.request("PATCH", "/v1/feeds/vip", { visibility: "public" })).status).toBe(202);
    await waitFor(async () => (await stack.api.as(null).request("GET", "/v1/feeds/vip")).status === 200, "public");
    const editor = stack.api.as(await mint({ role: "editor", feeds: ["vip"] }));
    expect((await editor.request("PATCH", "/v1/feeds/vip", { visibility: "private" })).status).toBe(403);
  });
});
