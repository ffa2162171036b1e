import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, TOKEN, type Stack } from "./helpers/stack.js";
import { useStack } from "./helpers/use-stack.js";

// The exact headers of the API's answers: security headers, CORS and Vary are part of what a
// browser and a cache see, so a cheaper way of writing them must write the same ones. Only the
// values that differ per answer (date, request id, length, body hash, connection) are left out.
const { stack, redis } = useStack();
let listed: Stack;
beforeAll(async () => {
  listed = await startStack(redis.url, { CORS_ORIGINS: "https://news.example" });
  for (const s of [stack, listed]) expect((await s.api.createFeed("headers")).status).toBe(201);
});
afterAll(async () => {
  await listed?.close();
});

const PER_ANSWER = new Set(["date", "x-request-id", "content-length", "etag", "connection", "keep-alive"]);

async function headersOf(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<{ status: number; headers: Record<string, string> }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { "content-type": "application/json", authorization: `Bearer ${TOKEN}` }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  await res.arrayBuffer();
  const kept = [...res.headers].filter(([name]) => !PER_ANSWER.has(name)).sort(([a], [b]) => a.localeCompare(b));
  return { status: res.status, headers: Object.fromEntries(kept) };
}

const PREFLIGHT = {
  "access-control-request-method": "POST",
  "access-control-request-headers": "authorization,content-type,idempotency-key",
};

describe("the headers of API answers", () => {
  it("are these for a publish, its error and its preflight, with any origin allowed to read", async () => {
    const origin = { origin: "https://somewhere.example" };
    const publish = await headersOf(stack.url, "POST", "/v1/feeds/headers/entries", origin, { body: "hello" });
    expect(publish).toMatchInlineSnapshot(`
      {
        "headers": {
          "content-security-policy": "default-src 'none';frame-ancestors 'none'",
          "content-type": "application/json; charset=utf-8",
          "cross-origin-opener-policy": "same-origin",
          "cross-origin-resource-policy": "cross-origin",
          "origin-agent-cluster": "?1",
          "referrer-policy": "no-referrer",
          "strict-transport-security": "max-age=31536000; includeSubDomains",
          "vary": "Accept-Encoding",
          "x-content-type-options": "nosniff",
          "x-dns-prefetch-control": "off",
          "x-download-options": "noopen",
          "x-frame-options": "SAMEORIGIN",
          "x-permitted-cross-domain-policies": "none",
          "x-xss-protection": "0",
        },
        "status": 202,
      }
    `);
    const invalid = await headersOf(stack.url, "POST", "/v1/feeds/headers/entries", {}, { body: 42 });
    expect(invalid).toMatchInlineSnapshot(`
      {
        "headers": {
          "content-security-policy": "default-src 'none';frame-ancestors 'none'",
          "content-type": "application/json; charset=utf-8",
          "cross-origin-opener-policy": "same-origin",
          "cross-origin-resource-policy": "cross-origin",
          "origin-agent-cluster": "?1",
          "referrer-policy": "no-referrer",
          "strict-transport-security": "max-age=31536000; includeSubDomains",
          "vary": "Accept-Encoding",
          "x-content-type-options": "nosniff",
          "x-dns-prefetch-control": "off",
          "x-download-options": "noopen",
          "x-frame-options": "SAMEORIGIN",
          "x-permitted-cross-domain-policies": "none",
          "x-xss-protection": "0",
        },
        "status": 400,
      }
    `);
    const preflight = await headersOf(stack.url, "OPTIONS", "/v1/feeds/headers/entries", { ...origin, ...PREFLIGHT });
    expect(preflight).toMatchInlineSnapshot(`
      {
        "headers": {
          "allow": "GET, HEAD, POST",
          "content-security-policy": "default-src 'none';frame-ancestors 'none'",
          "content-type": "text/plain",
          "cross-origin-opener-policy": "same-origin",
          "cross-origin-resource-policy": "cross-origin",
          "origin-agent-cluster": "?1",
          "referrer-policy": "no-referrer",
          "strict-transport-security": "max-age=31536000; includeSubDomains",
          "vary": "Accept-Encoding",
          "x-content-type-options": "nosniff",
          "x-dns-prefetch-control": "off",
          "x-download-options": "noopen",
          "x-frame-options": "SAMEORIGIN",
          "x-permitted-cross-domain-policies": "none",
          "x-xss-protection": "0",
        },
        "status": 200,
      }
    `);
    const read = await headersOf(stack.url, "GET", "/v1/feeds/headers", origin);
    expect(read).toMatchInlineSnapshot(`
      {
        "headers": {
          "access-control-allow-origin": "*",
          "access-control-expose-headers": "Retry-After,X-Request-Id,Location",
          "content-security-policy": "default-src 'none';frame-ancestors 'none'",
          "content-type": "application/json; charset=utf-8",
          "cross-origin-opener-policy": "same-origin",
          "cross-origin-resource-policy": "cross-origin",
          "origin-agent-cluster": "?1",
          "referrer-policy": "no-referrer",
          "strict-transport-security": "max-age=31536000; includeSubDomains",
          "vary": "Accept-Encoding",
          "x-content-type-options": "nosniff",
          "x-dns-prefetch-control": "off",
          "x-download-options": "noopen",
          "x-frame-options": "SAMEORIGIN",
          "x-permitted-cross-domain-policies": "none",
          "x-xss-protection": "0",
        },
        "status": 200,
      }
    `);
    const readPreflight = await headersOf(stack.url, "OPTIONS", "/v1/feeds/headers", {
      ...origin,
      "access-control-request-method": "GET",
    });
    expect(readPreflight).toMatchInlineSnapshot(`
      {
        "headers": {
          "access-control-allow-headers": "Authorization,Content-Type,Idempotency-Key,X-Request-Id",
          "access-control-allow-methods": "GET,HEAD,POST,PATCH,DELETE",
          "access-control-allow-origin": "*",
          "access-control-expose-headers": "Retry-After,X-Request-Id,Location",
          "access-control-max-age": "600",
          "content-security-policy": "default-src 'none';frame-ancestors 'none'",
          "cross-origin-opener-policy": "same-origin",
          "cross-origin-resource-policy": "cross-origin",
          "origin-agent-cluster": "?1",
          "referrer-policy": "no-referrer",
          "strict-transport-security": "max-age=31536000; includeSubDomains",
          "x-content-type-options": "nosniff",
          "x-dns-prefetch-control": "off",
          "x-download-options": "noopen",
          "x-frame-options": "SAMEORIGIN",
          "x-permitted-cross-domain-policies": "none",
          "x-xss-protection": "0",
        },
        "status": 204,
      }
    `);
    const health = await headersOf(stack.url, "GET", "/healthz");
    expect(health).toMatchInlineSnapshot(`
      {
        "headers": {
          "access-control-allow-origin": "*",
          "access-control-expose-headers": "Retry-After,X-Request-Id,Location",
          "content-security-policy": "default-src 'none';frame-ancestors 'none'",
          "content-type": "application/json; charset=utf-8",
          "cross-origin-opener-policy": "same-origin",
          "cross-origin-resource-policy": "cross-origin",
          "origin-agent-cluster": "?1",
          "referrer-policy": "no-referrer",
          "strict-transport-security": "max-age=31536000; includeSubDomains",
          "vary": "Accept-Encoding",
          "x-content-type-options": "nosniff",
          "x-dns-prefetch-control": "off",
          "x-download-options": "noopen",
          "x-frame-options": "SAMEORIGIN",
          "x-permitted-cross-domain-policies": "none",
          "x-xss-protection": "0",
        },
        "status": 200,
      }
    `);
  });

  it("are these for a publish and its preflight from a listed origin, and from another", async () => {
    const news = { origin: "https://news.example" };
    const publish = await headersOf(listed.url, "POST", "/v1/feeds/headers/entries", news, { body: "hello" });
    expect(publish).toMatchInlineSnapshot(`
      {
        "headers": {
          "access-control-allow-origin": "https://news.example",
          "access-control-expose-headers": "Retry-After,X-Request-Id,Location",
          "content-security-policy": "default-src 'none';frame-ancestors 'none'",
          "content-type": "application/json; charset=utf-8",
          "cross-origin-opener-policy": "same-origin",
          "cross-origin-resource-policy": "cross-origin",
          "origin-agent-cluster": "?1",
          "referrer-policy": "no-referrer",
          "strict-transport-security": "max-age=31536000; includeSubDomains",
          "vary": "Origin, Accept-Encoding",
          "x-content-type-options": "nosniff",
          "x-dns-prefetch-control": "off",
          "x-download-options": "noopen",
          "x-frame-options": "SAMEORIGIN",
          "x-permitted-cross-domain-policies": "none",
          "x-xss-protection": "0",
        },
        "status": 202,
      }
    `);
    const preflight = await headersOf(listed.url, "OPTIONS", "/v1/feeds/headers/entries", { ...news, ...PREFLIGHT });
    expect(preflight).toMatchInlineSnapshot(`
      {
        "headers": {
          "access-control-allow-headers": "Authorization,Content-Type,Idempotency-Key,X-Request-Id",
          "access-control-allow-methods": "GET,HEAD,POST,PATCH,DELETE",
          "access-control-allow-origin": "https://news.example",
          "access-control-expose-headers": "Retry-After,X-Request-Id,Location",
          "access-control-max-age": "600",
          "content-security-policy": "default-src 'none';frame-ancestors 'none'",
          "cross-origin-opener-policy": "same-origin",
          "cross-origin-resource-policy": "cross-origin",
          "origin-agent-cluster": "?1",
          "referrer-policy": "no-referrer",
          "strict-transport-security": "max-age=31536000; includeSubDomains",
          "vary": "Origin",
          "x-content-type-options": "nosniff",
          "x-dns-prefetch-control": "off",
          "x-download-options": "noopen",
          "x-frame-options": "SAMEORIGIN",
          "x-permitted-cross-domain-policies": "none",
          "x-xss-protection": "0",
        },
        "status": 204,
      }
    `);
    const other = { origin: "https://evil.example" };
    const otherPublish = await headersOf(listed.url, "POST", "/v1/feeds/headers/entries", other, { body: "hi" });
    expect(otherPublish).toMatchInlineSnapshot(`
      {
        "headers": {
          "content-security-policy": "default-src 'none';frame-ancestors 'none'",
          "content-type": "application/json; charset=utf-8",
          "cross-origin-opener-policy": "same-origin",
          "cross-origin-resource-policy": "cross-origin",
          "origin-agent-cluster": "?1",
          "referrer-policy": "no-referrer",
          "strict-transport-security": "max-age=31536000; includeSubDomains",
          "vary": "Accept-Encoding",
          "x-content-type-options": "nosniff",
          "x-dns-prefetch-control": "off",
          "x-download-options": "noopen",
          "x-frame-options": "SAMEORIGIN",
          "x-permitted-cross-domain-policies": "none",
          "x-xss-protection": "0",
        },
        "status": 202,
      }
    `);
    const otherPreflight = await headersOf(listed.url, "OPTIONS", "/v1/feeds/headers/entries", {
      ...other,
      ...PREFLIGHT,
    });
    expect(otherPreflight).toMatchInlineSnapshot(`
      {
        "headers": {
          "allow": "GET, HEAD, POST",
          "content-security-policy": "default-src 'none';frame-ancestors 'none'",
          "content-type": "text/plain",
          "cross-origin-opener-policy": "same-origin",
          "cross-origin-resource-policy": "cross-origin",
          "origin-agent-cluster": "?1",
          "referrer-policy": "no-referrer",
          "strict-transport-security": "max-age=31536000; includeSubDomains",
          "vary": "Accept-Encoding",
          "x-content-type-options": "nosniff",
          "x-dns-prefetch-control": "off",
          "x-download-options": "noopen",
          "x-frame-options": "SAMEORIGIN",
          "x-permitted-cross-domain-policies": "none",
          "x-xss-protection": "0",
        },
        "status": 200,
      }
    `);
  });
});
