import { Writable } from "node:stream";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SubscribeAck } from "@liveline/protocol";
import { loadConfig } from "@liveline/server";
import { createLogger } from "@liveline/core";
import { startStack, TOKEN, type Stack } from "./helpers/stack.js";
import { useStack } from "./helpers/use-stack.js";
import { JWT_SECRET, mint, nowSeconds } from "./helpers/tokens.js";

const logLines: string[] = [];

const LIMITED = {
  KEY_PREFIX: "limits:",
  EDITOR_JWT_SECRET: JWT_SECRET,
  RATE_LIMIT_PUBLISHES: "6",
  RATE_LIMIT_SUBSCRIBES: "4",
  RATE_LIMIT_CONNECTIONS: "8",
  CORS_ORIGINS: "https://news.example, https://www.news.example",
};

const capture = new Writable({
  write(chunk: Buffer, _enc, done) {
    logLines.push(chunk.toString());
    done();
  },
});
/** Two server processes' worth of Liveline sharing one Redis and one key prefix. */
const { stack: a, redis } = useStack(LIMITED, {
  logger: createLogger("test", "debug", capture),
  extend: (app) => {
    app.get("/live/:feedId", (_req, res) => {
      res
        .type("html")
        .send(
          '<!doctype html><script type="application/ld+json">{"@type":"LiveBlogPosting"}</script>' +
            '<div data-liveline-feed="x"></div><script async src="/widget.js"></script>',
        );
    });
    app.get("/boom", () => {
      throw new Error("kaboom from a page handler");
    });
  },
});
let b: Stack;
beforeAll(async () => {
  b = await startStack(redis.url, { ...LIMITED, ROLE: "server" });
  expect((await a.api.createFeed("flood")).status).toBe(201);
});
afterAll(async () => {
  await b?.close();
});

function open(url: string, ip: string, extra: Record<string, string> = {}): Socket {
  return connect(url, {
    transports: ["websocket"],
    forceNew: true,
    reconnection: false,
    // Both stacks listen on loopback, where X-Forwarded-For is trusted (as behind a proxy).
    extraHeaders: { "x-forwarded-for": ip, ...extra },
  });
}

function outcome(s: Socket): Promise<string> {
  return new Promise((resolve) => {
    s.once("connect", () => resolve("connected"));
    s.once("connect_error", (err: Error & { data?: { code?: string } }) => resolve(err.data?.code ?? err.message));
  });
}

describe("rate limits shared through Redis", () => {
  it("limits writes per token across server processes with 429 and Retry-After", async () => {
    const token = await mint({ sub: "flooder", role: "editor", feeds: ["flood"] });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await (i % 2 ? b : a).api.as(token).publish("flood", { body: `${i}` })).status);
    expect(statuses).toEqual([202, 202, 202, 202, 202, 202]);
    for (const s of [a, b]) {
      const res = await s.api.as(token).publish("flood", { body: "one too many" });
      expect(res.status).toBe(429);
      expect(res.body).toMatchObject({ error: { code: "rate_limited" } });
      const retry = Number(res.headers.get("retry-after"));
      expect(retry).toBeGreaterThanOrEqual(1);
      expect(retry).toBeLessThanOrEqual(60);
    }
    // Another token (another subject) is unaffected.
    const other = await mint({ sub: "calm", role: "editor", feeds: ["flood"] });
    expect((await b.api.as(other).publish("flood", { body: "fine" })).status).toBe(202);
  });

  it("limits subscribe attempts per connection", async () => {
    const s = open(a.url, "198.51.100.1");
    expect(await outcome(s)).toBe("connected");
    const answers: SubscribeAck[] = [];
    for (const feedId of ["flood", "nope-1", "nope-2", "flood", "flood"]) {
      answers.push((await s.timeout(5000).emitWithAck("subscribe", { feedId })) as SubscribeAck);
    }
    expect(answers.map((x) => (x.ok ? "ok" : x.error.code))).toEqual([
      "ok",
      "feed_not_found",
      "feed_not_found",
      "ok",
      "rate_limited",
    ]);
    // The limit is the connection's own: a new connection from the same address starts afresh.
    const again = open(a.url, "198.51.100.1");
    expect(await outcome(again)).toBe("connected");
    const ack = (await again.timeout(5000).emitWithAck("subscribe", { feedId: "flood" })) as SubscribeAck;
    expect(ack.ok).toBe(true);
    s.close();
    again.close();
  });

  it("limits new connections per client address across server processes", async () => {
    const results: string[] = [];
    const sockets: Socket[] = [];
    for (let i = 0; i < 9; i++) {
      const s = open((i % 2 ? b : a).url, "203.0.113.9");
      sockets.push(s);
      results.push(await outcome(s));
    }
    expect(results.slice(0, 8).every((r) => r === "connected")).toBe(true);
    expect(results[8]).toBe("rate_limited");
    const elsewhere = open(b.url, "203.0.113.10");
    expect(await outcome(elsewhere)).toBe("connected");
    for (const s of [...sockets, elsewhere]) s.close();
  });
});

describe("origins", () => {
  it("answers CORS only for configured origins", async () => {
    const ok = await fetch(`${a.url}/v1/feeds/flood`, { headers: { origin: "https://news.example" } });
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://news.example");
    expect(ok.headers.get("access-control-expose-headers")).toContain("Retry-After");
    const evil = await fetch(`${a.url}/v1/feeds/flood`, { headers: { origin: "https://evil.example" } });
    expect(evil.headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await fetch(`${a.url}/v1/feeds/flood/entries`, {
      method: "OPTIONS",
      headers: {
        origin: "https://www.news.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type,idempotency-key",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://www.news.example");
    expect(preflight.headers.get("access-control-allow-headers")).toContain("Authorization");
  });

  it("refuses Socket.IO connections from other browser origins, on every transport", async () => {
    for (const transports of [["websocket"], ["polling"]] as const) {
      const good = connect(a.url, {
        transports: [...transports],
        forceNew: true,
        reconnection: false,
        extraHeaders: { origin: "https://news.example", "x-forwarded-for": "192.0.2.1" },
      });
      expect(await outcome(good)).toBe("connected");
      good.close();
      const bad = connect(a.url, {
        transports: [...transports],
        forceNew: true,
        reconnection: false,
        extraHeaders: { origin: "https://evil.example", "x-forwarded-for": "192.0.2.2" },
      });
      expect(await outcome(bad)).not.toBe("connected");
      bad.close();
    }
  });

  it("defaults to any origin for reads, and validates the settings", () => {
    expect(loadConfig({ NODE_ENV: "development" }).corsOrigins).toBe("*");
    expect(loadConfig({ NODE_ENV: "production", EDITOR_TOKENS: TOKEN }).corsOrigins).toBe("*");
    expect(loadConfig({ CORS_ORIGINS: "https://a.example/, *" }).corsOrigins).toBe("*");
    expect(() => loadConfig({ CORS_ORIGINS: "news.example" })).toThrow(/CORS_ORIGINS/);
    expect(() => loadConfig({ RATE_LIMIT_PUBLISHES: "-1" })).toThrow(/RATE_LIMIT_PUBLISHES/);
    expect(() => loadConfig({ EDITOR_JWT_SECRET: "short" })).toThrow(/EDITOR_JWT_SECRET/);
    expect(() => loadConfig({ EDITOR_JWT_PUBLIC_KEY: "not a pem" })).toThrow(/EDITOR_JWT_PUBLIC_KEY/);
    // Production may run on signed tokens alone.
    expect(loadConfig({ NODE_ENV: "production", EDITOR_JWT_SECRET: JWT_SECRET }).editorTokens).toEqual([]);
  });
});

describe("headers, errors and logs", () => {
  it("sets security headers; a strict CSP on JSON, none on HTML pages", async () => {
    const api = await fetch(`${a.url}/v1/feeds/flood`);
    expect(api.headers.get("content-security-policy")).toBe("default-src 'none';frame-ancestors 'none'");
    expect(api.headers.get("x-content-type-options")).toBe("nosniff");
    expect(api.headers.get("x-powered-by")).toBeNull();
    expect(api.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
    expect(api.headers.get("strict-transport-security")).toContain("max-age=");
    const page = await fetch(`${a.url}/live/flood`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toBeNull();
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    expect(page.headers.get("x-frame-options")).toBe("SAMEORIGIN");
  });

  it("never puts a token or a stack trace in an answer or a log line", async () => {
    const forged = await mint({ role: "admin", key: new TextEncoder().encode("x".repeat(40)) });
    const expired = await mint({ role: "admin", exp: nowSeconds() - 3600 });
    const scoped = await mint({ role: "editor", feeds: ["elsewhere"] });
    const bodies: string[] = [];
    const send = async (token: string, path: string, init: RequestInit = {}) => {
      const res = await fetch(`${a.url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      });
      bodies.push(await res.text());
      return res.status;
    };
    expect(await send(forged, "/v1/feeds/flood/entries", { method: "POST", body: '{"body":"x"}' })).toBe(401);
    expect(await send(expired, "/v1/feeds/flood", { method: "PATCH", body: '{"title":"x"}' })).toBe(401);
    expect(await send(scoped, "/v1/feeds/flood/entries", { method: "POST", body: '{"body":"x"}' })).toBe(403);
    expect(await send(TOKEN, "/v1/feeds/flood/entries", { method: "POST", body: '{"body": oops' })).toBe(400);
    expect(await send(TOKEN, "/boom")).toBe(500);
    const s = open(a.url, "192.0.2.50");
    s.auth = { token: forged };
    expect(await outcome(s)).toBe("unauthorized");
    s.close();

    expect(bodies.at(-1)).toBe('{"error":{"code":"internal","message":"internal error"}}');
    const log = logLines.join("");
    expect(log).toContain("token refused");
    expect(log).toContain("kaboom"); // the 500 is logged, with its stack, on the server side only
    for (const token of [forged, expired, scoped, TOKEN]) {
      const signature = token.split(".").at(-1) ?? token;
      expect(log).not.toContain(signature);
      for (const body of bodies) expect(body).not.toContain(signature);
    }
    for (const body of bodies) expect(body).not.toMatch(/\bat .+\(.+:\d+:\d+\)|kaboom/);
  });
});
