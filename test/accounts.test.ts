import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { PasswordResetLink, RevisionsResponse, Session, User } from "@liveline/protocol";
import { openReader, readerReady, type Reader } from "./helpers/reader.js";
import { useStack } from "./helpers/use-stack.js";
import { mint } from "./helpers/tokens.js";
import { JWT_SECRET } from "./helpers/tokens.js";
import { waitFor } from "./helpers/wait.js";

// Sign-in attempts per email per window: the limit test below spends them on one email.
const { stack } = useStack({ RATE_LIMIT_SIGN_INS: "4", EDITOR_JWT_SECRET: JWT_SECRET });

const code = (body: unknown): unknown => (body as { error?: { code?: string } }).error?.code;
const PASSWORD = "correct horse battery";
let readers: Reader[] = [];
afterEach(() => {
  for (const r of readers) r.close();
  readers = [];
});

beforeAll(async () => {
  for (const id of ["ukraine", "sport"]) expect((await stack.api.createFeed(id)).status).toBe(201);
});

async function createUser(body: Record<string, unknown>): Promise<User> {
  const res = await stack.api.request<User>("POST", "/v1/users", body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** Signs in as a browser on the console would; the session cookie's `name=value`, and the whole header. */
async function signIn(email: string, password = PASSWORD, headers: Record<string, string> = {}) {
  const res = await stack.api.as(null).request<Session>("POST", "/v1/session", { email, password }, headers);
  const setCookie = res.headers.get("set-cookie") ?? "";
  return { res, setCookie, cookie: setCookie.split(";")[0] ?? "" };
}

/** The API as the signed-in person: no bearer token, the cookie, and the headers a same-origin page sends. */
function asPerson(cookie: string, extra: Record<string, string> = {}) {
  const api = stack.api.as(null);
  const headers = { cookie, "sec-fetch-site": "same-origin", ...extra };
  return {
    get: <T>(path: string) => api.request<T>("GET", path, undefined, headers),
    publish: (feedId: string, entry: Record<string, unknown>) =>
      api.request<{ entryId: string }>("POST", `/v1/feeds/${feedId}/entries`, entry, headers),
    request: <T>(method: string, path: string, body?: unknown) => api.request<T>(method, path, body, headers),
  };
}

describe("accounts", () => {
  it("an admin creates, reads, changes and deletes accounts; others may not", async () => {
    const ana = await createUser({
      email: "Ana@Newsroom.example",
      name: "Ana Ruiz",
      role: "editor",
      feeds: ["ukraine"],
    });
    expect(ana).toMatchObject({ email: "ana@newsroom.example", name: "Ana Ruiz", role: "editor", feeds: ["ukraine"] });
    expect(ana.hasPassword).toBe(false);
    expect(ana).not.toHaveProperty("passwordHash");
    const again = await stack.api.request("POST", "/v1/users", {
      email: "ana@newsroom.example",
      name: "A",
      role: "editor",
    });
    expect([again.status, code(again.body)]).toEqual([409, "user_exists"]);
    const bad = await stack.api.request("POST", "/v1/users", { email: "not-an-email", name: "X", role: "boss" });
    expect([bad.status, code(bad.body)]).toEqual([400, "validation_failed"]);

    const list = await stack.api.request<{ users: User[] }>("GET", "/v1/users");
    expect(list.body.users.map((u) => u.email)).toContain("ana@newsroom.example");
    const patched = await stack.api.request<User>("PATCH", `/v1/users/${ana.id}`, { name: "Ana Ruiz-Ortega" });
    expect([patched.status, patched.body.name]).toEqual([200, "Ana Ruiz-Ortega"]);
    expect((await stack.api.request<User>("GET", `/v1/users/${ana.id}`)).body.name).toBe("Ana Ruiz-Ortega");

    // An editor's token, or an admin of one feed only, manages no accounts.
    const editor = stack.api.as(await mint({ sub: "cms", role: "editor", feeds: "*" }));
    const refused = await editor.request("GET", "/v1/users");
    expect([refused.status, code(refused.body)]).toEqual([403, "forbidden"]);
    const nobody = await stack.api
      .as(null)
      .request("POST", "/v1/users", { email: "x@y.example", name: "X", role: "admin" });
    expect([nobody.status, code(nobody.body)]).toEqual([401, "unauthorized"]);

    expect((await stack.api.request("DELETE", `/v1/users/${ana.id}`)).status).toBe(204);
    const gone = await stack.api.request("GET", `/v1/users/${ana.id}`);
    expect([gone.status, code(gone.body)]).toEqual([404, "user_not_found"]);
  });

  it("signs a person in with a session cookie, writes as them in their feeds only, and signs out", async () => {
    const maria = await createUser({
      email: "maria@newsroom.example",
      name: "María Kovalenko",
      role: "editor",
      feeds: ["ukraine"],
      password: PASSWORD,
    });
    expect(maria.hasPassword).toBe(true);

    const wrong = await signIn("maria@newsroom.example", "not the password");
    expect([wrong.res.status, code(wrong.res.body)]).toEqual([401, "invalid_credentials"]);
    expect(wrong.setCookie).toBe("");
    const unknown = await signIn("nobody@newsroom.example");
    expect([unknown.res.status, code(unknown.res.body)]).toEqual([401, "invalid_credentials"]);

    const { res, setCookie, cookie } = await signIn("MARIA@newsroom.example");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ kind: "user", id: maria.id, name: "María Kovalenko", role: "editor" });
    expect(setCookie).toMatch(/^liveline_session=[\w-]{43};/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).not.toMatch(/Secure/i); // plain http here; behind https, see the next test

    const person = asPerson(cookie);
    const me = await person.get<Session>("/v1/session");
    expect(me.body).toMatchObject({ kind: "user", name: "María Kovalenko", email: "maria@newsroom.example" });

    // The whole path: the cookie's write reaches a reader, and the revision names its writer.
    const reader = openReader(stack.url, "ukraine");
    readers.push(reader);
    await readerReady(reader);
    const published = await person.publish("ukraine", { id: "troops", body: "Troops massed near the border." });
    expect(published.status).toBe(202);
    await waitFor(
      () => reader.events.find((e) => e.type === "entry.published" && e.entry.id === "troops"),
      "the reader to get the entry",
    );
    const history = await stack.api.request<RevisionsResponse>("GET", "/v1/feeds/ukraine/entries/troops/revisions");
    expect(history.body.revisions[0]?.by).toEqual({ id: maria.id, name: "María Kovalenko" });

    const elsewhere = await person.publish("sport", { body: "Not my desk" });
    expect([elsewhere.status, code(elsewhere.body)]).toEqual([403, "forbidden"]);
    const feed = await person.request("POST", "/v1/feeds", { id: "mine", title: "Mine" });
    expect([feed.status, code(feed.body)]).toEqual([403, "forbidden"]);

    const out = await person.request("DELETE", "/v1/session");
    expect(out.status).toBe(204);
    const after = await person.get("/v1/session");
    expect([after.status, code(after.body)]).toEqual([401, "unauthorized"]);
    const late = await person.publish("ukraine", { body: "after signing out" });
    expect([late.status, code(late.body)]).toEqual([401, "unauthorized"]);
  });

  it("marks the cookie Secure behind an https proxy", async () => {
    await createUser({ email: "tls@newsroom.example", name: "Tee", role: "contributor", password: PASSWORD });
    // The test's address is loopback, which TRUST_PROXY trusts by default.
    const { res, setCookie } = await signIn("tls@newsroom.example", PASSWORD, { "x-forwarded-proto": "https" });
    expect(res.status).toBe(200);
    expect(setCookie).toMatch(/;\s*Secure/i);
  });

  it("refuses a cookie-authenticated write from another site, and a sign-in form posted from one", async () => {
    await createUser({ email: "olek@newsroom.example", name: "Olek", role: "admin", password: PASSWORD });
    const { cookie } = await signIn("olek@newsroom.example");
    for (const headers of [
      { origin: "https://evil.example" },
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site" },
    ]) {
      const api = stack.api.as(null);
      const res = await api.request("POST", "/v1/feeds/ukraine/entries", { body: "forged" }, { cookie, ...headers });
      expect([res.status, code(res.body)], JSON.stringify(headers)).toEqual([403, "cross_site_request"]);
    }
    // Reads are not writes; and the console's own page (same origin) may write.
    const read = await stack.api
      .as(null)
      .request("GET", "/v1/session", undefined, { cookie, origin: "https://evil.example" });
    expect(read.status).toBe(200);
    const own = await stack.api
      .as(null)
      .request("POST", "/v1/feeds/ukraine/entries", { body: "from the console" }, { cookie, origin: stack.url });
    expect(own.status).toBe(202);
    const login = await signIn("olek@newsroom.example", PASSWORD, { "sec-fetch-site": "cross-site" });
    expect([login.res.status, code(login.res.body)]).toEqual([403, "cross_site_request"]);
    // A bearer token is no cookie: a CMS calling from anywhere is not refused.
    const cms = await stack.api.publish("ukraine", { body: "from a CMS" }, { origin: "https://cms.example" });
    expect(cms.status).toBe(202);
  });

  it("limits sign-in attempts per email", async () => {
    await createUser({ email: "target@newsroom.example", name: "Target", role: "editor", password: PASSWORD });
    for (let i = 0; i < 4; i++) {
      expect((await signIn("target@newsroom.example", `guess number ${i}`)).res.status).toBe(401);
    }
    const limited = await signIn("target@newsroom.example");
    expect([limited.res.status, code(limited.res.body)]).toEqual([429, "rate_limited"]);
    expect(Number(limited.res.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("tells a service account's token from a person", async () => {
    const me = await stack.api.request<Session>("GET", "/v1/session");
    expect(me.body).toMatchObject({ kind: "service", role: "admin", feeds: "*" });
    const jwt = await mint({ sub: "cms-bot", name: "Newsroom CMS", role: "editor", feeds: ["sport"] });
    expect((await stack.api.as(jwt).request<Session>("GET", "/v1/session")).body).toMatchObject({
      kind: "service",
      id: "cms-bot",
      name: "Newsroom CMS",
      role: "editor",
      feeds: ["sport"],
    });
    const none = await stack.api.as(null).request("GET", "/v1/session");
    expect([none.status, code(none.body)]).toEqual([401, "unauthorized"]);
  });

  it("resets a password by a one-time link an admin issues, ending the old sessions", async () => {
    const kim = await createUser({ email: "kim@newsroom.example", name: "Kim", role: "contributor" });
    const noPassword = await signIn("kim@newsroom.example");
    expect([noPassword.res.status, code(noPassword.res.body)]).toEqual([401, "invalid_credentials"]);

    const link = await stack.api.request<PasswordResetLink>("POST", `/v1/users/${kim.id}/password-reset`);
    expect(link.status).toBe(201);
    expect(link.body.url).toBe(`${stack.url}/console#reset=${link.body.token}`);
    const set = await stack.api
      .as(null)
      .request("POST", "/v1/password-reset", { token: link.body.token, password: PASSWORD });
    expect(set.status).toBe(204);
    const first = await signIn("kim@newsroom.example");
    expect(first.res.status).toBe(200);
    const reused = await stack.api
      .as(null)
      .request("POST", "/v1/password-reset", { token: link.body.token, password: "another long one" });
    expect([reused.status, code(reused.body)]).toEqual([404, "reset_link_invalid"]);

    // A second link, used: the session opened with the old password ends with it.
    const second = await stack.api.request<PasswordResetLink>("POST", `/v1/users/${kim.id}/password-reset`);
    const newPassword = "a brand new passphrase";
    await stack.api.as(null).request("POST", "/v1/password-reset", { token: second.body.token, password: newPassword });
    expect((await asPerson(first.cookie).get("/v1/session")).status).toBe(401);
    expect((await signIn("kim@newsroom.example")).res.status).toBe(401);
    expect((await signIn("kim@newsroom.example", newPassword)).res.status).toBe(200);
  });

  it("shows two people signed in to one feed as two named people, not one token", async () => {
    for (const [email, name] of [
      ["iryna@newsroom.example", "Iryna Shevchenko"],
      ["tom@newsroom.example", "Tom Baker"],
    ] as const) {
      await createUser({ email, name, role: "editor", feeds: ["ukraine"], password: PASSWORD });
      const { cookie } = await signIn(email);
      const beat = await asPerson(cookie).request("POST", "/v1/feeds/ukraine/presence", { editing: "troops" });
      expect(beat.status).toBe(204);
    }
    const stats = await stack.api.request<{ editors: { name: string; editing?: string }[] }>(
      "GET",
      "/v1/feeds/ukraine/stats",
    );
    expect(stats.body.editors.map((e) => e.name).sort()).toEqual(["Iryna Shevchenko", "Tom Baker"]);
    expect(stats.body.editors.every((e) => e.editing === "troops")).toBe(true);
  });

  it("names each person who changed an entry, in order, in its revisions", async () => {
    const people = [];
    for (const [email, name] of [
      ["olena@newsroom.example", "Olena Bondar"],
      ["sam@newsroom.example", "Sam Okafor"],
    ] as const) {
      const user = await createUser({ email, name, role: "editor", feeds: ["ukraine"], password: PASSWORD });
      people.push({ user, api: asPerson((await signIn(email)).cookie) });
    }
    const [olena, sam] = people;
    if (olena === undefined || sam === undefined) throw new Error("two people were made");
    expect((await olena.api.publish("ukraine", { id: "talks", body: "Talks begin in Geneva." })).status).toBe(202);
    const edit = await sam.api.request("PATCH", "/v1/feeds/ukraine/entries/talks", { body: "Talks began in Geneva." });
    expect(edit.status).toBe(202);
    // A service account's token is named by its label: here, a JWT's subject and name.
    const cms = stack.api.as(await mint({ sub: "cms-bot", name: "Newsroom CMS", role: "editor", feeds: "*" }));
    expect((await cms.edit("ukraine", "talks", { keyEvent: true })).status).toBe(202);
    const path = "/v1/feeds/ukraine/entries/talks/revisions";
    const history = await waitFor(async () => {
      const r = await olena.api.get<RevisionsResponse>(path);
      return r.body.revisions.length === 3 ? r.body.revisions : undefined;
    }, "three revisions");
    expect(history.map((r) => [r.revision, r.type, r.by])).toEqual([
      [1, "entry.published", { id: olena.user.id, name: "Olena Bondar" }],
      [2, "entry.updated", { id: sam.user.id, name: "Sam Okafor" }],
      [3, "entry.updated", { id: "cms-bot", name: "Newsroom CMS" }],
    ]);
  });

  it("takes a changed role, or a deleted account, into account at once", async () => {
    const lee = await createUser({ email: "lee@newsroom.example", name: "Lee", role: "editor", password: PASSWORD });
    const { cookie } = await signIn("lee@newsroom.example");
    expect((await asPerson(cookie).publish("sport", { body: "Kick-off" })).status).toBe(202);
    await stack.api.request("PATCH", `/v1/users/${lee.id}`, { role: "contributor" });
    expect((await asPerson(cookie).get("/v1/session")).status).toBe(401);
    const again = await signIn("lee@newsroom.example");
    expect((await asPerson(again.cookie).get<Session>("/v1/session")).body.role).toBe("contributor");
    await stack.api.request("DELETE", `/v1/users/${lee.id}`);
    expect((await asPerson(again.cookie).get("/v1/session")).status).toBe(401);
    expect((await signIn("lee@newsroom.example")).res.status).toBe(401);
  });
});
