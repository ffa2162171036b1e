import { describe, expect, it } from "vitest";
import type { RevisionsResponse, Session, User } from "@liveline/protocol";
import { configProblems } from "./helpers/config-problems.js";
import { grantOf, loadConfig, parseRoleMap } from "@liveline/server";
import { loadWorkerConfig } from "@liveline/worker";
import { ssoStackEnv } from "./helpers/oidc-provider.js";
import { useStack } from "./helpers/use-stack.js";
import { waitFor } from "./helpers/wait.js";

// Single sign-on against a real OpenID Connect provider (oidc-provider, its own process on
// 127.0.0.1), driven as a browser would be: redirects followed by hand, cookies kept per
// origin, the provider's login and consent forms posted. Every check is on what Liveline did.

const sso = ssoStackEnv();
const { stack } = useStack(sso.env);

const code = (body: unknown): unknown => (body as { error?: { code?: string } }).error?.code;

/** A browser without a screen: a cookie jar per origin (path and expiry kept simple), redirects by hand. */
class Navigator {
  private readonly jar = new Map<string, Map<string, string>>();

  cookie(origin: string, name: string): string | undefined {
    return this.jar.get(origin)?.get(name);
  }

  setCookie(origin: string, name: string, value: string | undefined): void {
    const cookies = this.jar.get(origin) ?? new Map<string, string>();
    if (value === undefined) cookies.delete(name);
    else cookies.set(name, value);
    this.jar.set(origin, cookies);
  }

  async go(url: string, init: { method?: string; form?: Record<string, string>; accept?: string } = {}) {
    const { origin } = new URL(url);
    const cookies = [...(this.jar.get(origin) ?? new Map<string, string>())].map(([k, v]) => `${k}=${v}`).join("; ");
    const res = await fetch(url, {
      method: init.method ?? "GET",
      redirect: "manual",
      headers: {
        accept: init.accept ?? "text/html",
        ...(cookies === "" ? {} : { cookie: cookies }),
        ...(init.form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
      },
      ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = "", ...attrs] = line.split(";");
      const cut = pair.indexOf("=");
      const gone = attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a) || /^\s*max-age=0\s*$/i.test(a));
      this.setCookie(origin, pair.slice(0, cut).trim(), gone ? undefined : pair.slice(cut + 1).trim());
    }
    const location = res.headers.get("location");
    return { res, text: await res.text(), location: location === null ? undefined : new URL(location, url).href };
  }
}

const CALLBACK = "/v1/session/oidc/callback";

/**
 * Starts single sign-on at Liveline and goes through the provider's pages as `login` (its login
 * form, then its consent form) until the provider sends the browser back: the callback URL, not
 * yet opened.
 */
async function throughProvider(nav: Navigator, login: string, opts: { cancel?: boolean } = {}): Promise<string> {
  let next = (await nav.go(`${stack.url}/v1/session/oidc`)).location;
  for (let hop = 0; hop < 12 && next !== undefined; hop++) {
    if (next.startsWith(stack.url)) return next;
    const page = await nav.go(next);
    if (page.location !== undefined) {
      next = page.location;
      continue;
    }
    expect(page.res.status, page.text.slice(0, 300)).toBe(200);
    const action = /<form[^>]*action="([^"]+)"/.exec(page.text)?.[1];
    const prompt = /name="prompt" value="(\w+)"/.exec(page.text)?.[1];
    if (action === undefined || prompt === undefined) throw new Error(`no form on the provider's page: ${page.text}`);
    if (opts.cancel === true) {
      const abort = /href="([^"]+\/abort)"/.exec(page.text)?.[1];
      if (abort === undefined) throw new Error("no cancel link on the provider's page");
      next = new URL(abort, next).href;
      continue;
    }
    const form: Record<string, string> = prompt === "login" ? { prompt, login, password: "any password" } : { prompt };
    next = (await nav.go(new URL(action, next).href, { method: "POST", form })).location;
  }
  throw new Error(`the provider did not send the browser back (at ${next})`);
}

/** The whole sign-in: the callback's answer, and the session cookie it set. */
async function signInAs(login: string, accept = "text/html") {
  const nav = new Navigator();
  const callback = await throughProvider(nav, login);
  const answer = await nav.go(callback, { accept });
  return { nav, answer, session: nav.cookie(stack.url, "liveline_session") };
}

/** The API as a page of the console would call it with this session cookie. */
function asPerson(session: string | undefined) {
  const headers = { cookie: `liveline_session=${session ?? ""}`, "sec-fetch-site": "same-origin" };
  return <T>(method: string, path: string, body?: unknown) =>
    stack.api.as(null).request<T>(method, path, body, headers);
}

describe("single sign-on with OpenID Connect", () => {
  it("tells the sign-in screen that SSO is offered, under its label", async () => {
    const res = await stack.api.as(null).request("GET", "/v1/session/methods");
    expect(res.body).toEqual({ password: true, sso: { label: "Newsroom SSO", url: "/v1/session/oidc" } });
  });

  it("signs a person in through the provider: account from the claims, the session cookie, a write, presence by name", async () => {
    expect((await stack.api.createFeed("election-night", "Election night")).status).toBe(201);
    const { answer, session } = await signInAs("ada");
    expect([answer.res.status, answer.location]).toEqual([303, `${stack.url}/console`]);
    expect(session).toMatch(/^[\w-]{43}$/);
    const as = asPerson(session);

    const me = await as<Session>("GET", "/v1/session");
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      kind: "user",
      name: "Ada Lovelace",
      email: "ada@newsroom.test",
      role: "editor",
      feeds: "*",
      // The provider's picture is the byline's (and the console's header's).
      byline: { name: "Ada Lovelace", avatarUrl: "https://images.newsroom.test/ada.jpg" },
    });

    // The session writes: an entry published with it is stored, its revision by this account.
    const published = await as<{ entryId: string }>("POST", "/v1/feeds/election-night/entries", {
      headline: "Polls close",
      body: "<p>Counting begins.</p>",
    });
    expect(published.status, JSON.stringify(published.body)).toBe(202);
    const entryId = published.body.entryId;
    await waitFor(
      async () => (await stack.api.request("GET", `/v1/feeds/election-night/entries/${entryId}`)).status === 200,
      "the SSO editor's entry stored",
    );
    const revisions = await stack.api.request<RevisionsResponse>(
      "GET",
      `/v1/feeds/election-night/entries/${entryId}/revisions`,
    );
    expect(revisions.body.revisions[0]?.by).toEqual({ id: me.body.id, name: "Ada Lovelace" });
    // Who is here shows the person's name.
    expect((await as("POST", "/v1/feeds/election-night/presence", {})).status).toBe(204);
    const stats = await stack.api.request<{ editors: { sub: string; name: string }[] }>(
      "GET",
      "/v1/feeds/election-night/stats",
    );
    expect(stats.body.editors).toContainEqual(expect.objectContaining({ sub: me.body.id, name: "Ada Lovelace" }));

    // Signing in again finds the same account (by the provider's subject), never a second one.
    const again = await signInAs("ada");
    expect(again.answer.res.status).toBe(303);
    expect((await asPerson(again.session)<Session>("GET", "/v1/session")).body.id).toBe(me.body.id);
    const users = (await stack.api.request<{ users: User[] }>("GET", "/v1/users")).body.users;
    expect(users.filter((u) => u.email === "ada@newsroom.test")).toHaveLength(1);
    expect(users.find((u) => u.email === "ada@newsroom.test")).toMatchObject({
      name: "Ada Lovelace",
      hasPassword: false,
    });
  });

  it("maps a group to a role scoped to feeds (a stringer: contributor of one feed)", async () => {
    const { answer, session } = await signInAs("cora");
    expect(answer.res.status).toBe(303);
    const me = await asPerson(session)<Session>("GET", "/v1/session");
    expect(me.body).toMatchObject({ name: "Cora Stringer", role: "contributor", feeds: ["election-night"] });
  });

  it("refuses a person whose groups map to no role: 403 sso_no_role, no account, no session", async () => {
    const browser = await signInAs("max");
    expect(browser.answer.res.status).toBe(403);
    expect(browser.answer.res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(browser.answer.text).toContain("sso_no_role");
    expect(browser.session).toBeUndefined();
    const script = await signInAs("max", "application/json");
    expect([script.answer.res.status, code(JSON.parse(script.answer.text))]).toEqual([403, "sso_no_role"]);
    const users = (await stack.api.request<{ users: User[] }>("GET", "/v1/users")).body.users;
    expect(users.some((u) => u.email === "max@newsroom.test")).toBe(false);
  });

  it("follows the provider's groups at each sign-in: a new role is taken, no mapped group ends the sessions", async () => {
    const provider = sso.provider();
    await provider.setGroups("dana", ["live-desk"]);
    const first = await signInAs("dana");
    const as = asPerson(first.session);
    expect((await as<Session>("GET", "/v1/session")).body).toMatchObject({ role: "editor", feeds: "*" });

    await provider.setGroups("dana", ["stringers"]);
    const second = await signInAs("dana");
    expect((await asPerson(second.session)<Session>("GET", "/v1/session")).body).toMatchObject({
      role: "contributor",
      feeds: ["election-night"],
    });
    // The session opened as an editor ended with the role.
    expect((await as("GET", "/v1/session")).status).toBe(401);

    await provider.setGroups("dana", ["marketing"]);
    const third = await signInAs("dana", "application/json");
    expect([third.answer.res.status, code(JSON.parse(third.answer.text))]).toEqual([403, "sso_no_role"]);
    expect((await asPerson(second.session)("GET", "/v1/session")).status).toBe(401);
  });

  it("refuses a tampered state, an answer for another browser, and a replayed answer", async () => {
    const nav = new Navigator();
    const callback = new URL(await throughProvider(nav, "ada"));
    const tampered = new URL(callback);
    tampered.searchParams.set("state", `${callback.searchParams.get("state") ?? ""}x`);
    const bad = await nav.go(tampered.href, { accept: "application/json" });
    expect([bad.res.status, code(JSON.parse(bad.text))]).toEqual([400, "sso_state_invalid"]);
    expect(nav.cookie(stack.url, "liveline_session")).toBeUndefined();

    // The right answer, sent from a browser that did not start this sign-in (no flow cookie).
    const elsewhere = await new Navigator().go(callback.href, { accept: "application/json" });
    expect([elsewhere.res.status, code(JSON.parse(elsewhere.text))]).toEqual([400, "sso_state_invalid"]);

    // Another person's answer opened in a browser that started a sign-in of its own (login CSRF):
    // the flow cookie names another state.
    const victim = new Navigator();
    await victim.go(`${stack.url}/v1/session/oidc`);
    const attackers = await throughProvider(new Navigator(), "ada");
    const planted = await victim.go(attackers, { accept: "application/json" });
    expect([planted.res.status, code(JSON.parse(planted.text))]).toEqual([400, "sso_state_invalid"]);
    expect(victim.cookie(stack.url, "liveline_session")).toBeUndefined();

    // Once used, the same answer is refused (the flow is spent), also from the browser that started it.
    const fresh = new Navigator();
    const good = await throughProvider(fresh, "ada");
    const flowCookie = fresh.cookie(stack.url, "liveline_sso");
    expect((await fresh.go(good)).res.status).toBe(303);
    fresh.setCookie(stack.url, "liveline_sso", flowCookie);
    const replay = await fresh.go(good, { accept: "application/json" });
    expect([replay.res.status, code(JSON.parse(replay.text))]).toEqual([400, "sso_state_invalid"]);
  });

  it("says so when the person cancels at the provider: 403 sso_refused", async () => {
    const nav = new Navigator();
    const callback = await throughProvider(nav, "ada", { cancel: true });
    expect(new URL(callback).searchParams.get("error")).toBe("access_denied");
    const answer = await nav.go(callback, { accept: "application/json" });
    expect([answer.res.status, code(JSON.parse(answer.text))]).toEqual([403, "sso_refused"]);
  });

  it("lists the SSO routes in /openapi.json", async () => {
    const doc = await stack.api
      .as(null)
      .request<{ paths: Record<string, Record<string, unknown>> }>("GET", "/openapi.json");
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(["/v1/session/methods", "/v1/session/oidc", CALLBACK]),
    );
  });
});

describe("OIDC settings", () => {
  const base = { OIDC_ISSUER: "https://login.example.com", OIDC_CLIENT_ID: "liveline" };

  it("needs the client id, a role map or default role, and a callback URL with an issuer", () => {
    expect(configProblems({ OIDC_ISSUER: "https://login.example.com" })).toEqual([
      "OIDC_CLIENT_ID: required with OIDC_ISSUER",
      "OIDC_ROLE_MAP: required with OIDC_ISSUER (or OIDC_DEFAULT_ROLE, a role for everyone)",
      "OIDC_REDIRECT_URL: required with OIDC_ISSUER when PUBLIC_URL is unset",
    ]);
    expect(configProblems({ OIDC_CLIENT_ID: "x" })).toEqual(["OIDC_CLIENT_ID: only with OIDC_ISSUER"]);
    expect(configProblems({ ...base, OIDC_ROLE_MAP: "desk=boss", PUBLIC_URL: "https://live.example" })).toEqual([
      expect.stringMatching(/^OIDC_ROLE_MAP: .*roles: admin, editor, contributor/),
    ]);
  });

  it("are a section of their own, read by the server role only and checked beside the server's", () => {
    // A bad server variable does not hide what is missing for single sign-on; a bad PUBLIC_URL,
    // which both sections read, is reported once.
    expect(configProblems({ OIDC_ISSUER: "https://login.example.com", PORT: "http", PUBLIC_URL: "nope" })).toEqual([
      "PORT: must be a whole number",
      "PUBLIC_URL: Invalid URL",
    ]);
    expect(configProblems({ OIDC_ISSUER: "https://login.example.com", PORT: "http" })).toEqual([
      "PORT: must be a whole number",
      "OIDC_CLIENT_ID: required with OIDC_ISSUER",
      "OIDC_ROLE_MAP: required with OIDC_ISSUER (or OIDC_DEFAULT_ROLE, a role for everyone)",
      "OIDC_REDIRECT_URL: required with OIDC_ISSUER when PUBLIC_URL is unset",
    ]);
    expect(loadWorkerConfig({ OIDC_CLIENT_ID: "liveline", OIDC_ROLE_MAP: "desk=boss" })).not.toHaveProperty("sso");
    expect(loadConfig({ ROLE: "server" }).sso).toBeUndefined();
  });

  it("reads the role map and takes the callback from PUBLIC_URL", () => {
    const config = loadConfig({
      ...base,
      PUBLIC_URL: "https://live.example/",
      OIDC_ROLE_MAP: "Newsroom Admins=admin, desk=editor,stringers=contributor:a|b",
    });
    expect(config.sso).toMatchObject({
      redirectUrl: "https://live.example/v1/session/oidc/callback",
      roleClaim: "groups",
      roleMap: [
        { value: "Newsroom Admins", role: "admin", feeds: "*" },
        { value: "desk", role: "editor", feeds: "*" },
        { value: "stringers", role: "contributor", feeds: ["a", "b"] },
      ],
      defaultRole: undefined,
    });
  });

  it("gives the highest role any claim value maps to, with the feeds of every entry of that role", () => {
    const settings = {
      roleClaim: "groups",
      roleMap: parseRoleMap("desk=editor:a,late-desk=editor:b,stringers=contributor,admins=admin"),
      defaultRole: undefined,
    };
    expect(grantOf(settings, { groups: ["stringers", "desk", "late-desk"] })).toEqual({
      role: "editor",
      feeds: ["a", "b"],
    });
    expect(grantOf(settings, { groups: ["stringers", "admins"] })).toEqual({ role: "admin", feeds: "*" });
    // One value rather than a list (a `role` claim), and a claim inside an object.
    expect(grantOf({ ...settings, roleClaim: "role" }, { role: "stringers" })).toEqual({
      role: "contributor",
      feeds: "*",
    });
    expect(grantOf({ ...settings, roleClaim: "realm.roles" }, { realm: { roles: ["desk"] } })).toEqual({
      role: "editor",
      feeds: ["a"],
    });
    expect(grantOf(settings, { groups: ["marketing"] })).toBeUndefined();
    expect(grantOf(settings, {})).toBeUndefined();
    const everyone = { ...settings, defaultRole: { role: "contributor" as const, feeds: "*" as const } };
    expect(grantOf(everyone, { groups: ["marketing"] })).toEqual({ role: "contributor", feeds: "*" });
  });
});
