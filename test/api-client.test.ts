import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { ApiError, LivelineApi } from "@liveline/client-sdk";
import { checkAnswer } from "./helpers/contract.js";
import { TOKEN } from "./helpers/stack.js";
import { useStack } from "./helpers/use-stack.js";
import { waitFor } from "./helpers/wait.js";

/**
 * The SDK's typed API client (what the console and CMS integrations use) against a real stack:
 * each route named as the README names it, its parts typed from the operation definitions, and
 * every answer it gets checked against /openapi.json like any test's.
 */
const fx = useStack();

/** The platform's fetch, with each answer checked against the document before the client reads it. */
const checkedFetch = async (url: string, init: Parameters<typeof fetch>[1]) => {
  const res = await fetch(url, init);
  const text = await res.clone().text();
  const { pathname, search } = new URL(url);
  checkAnswer({
    method: init?.method ?? "GET",
    path: pathname + search,
    status: res.status,
    headers: res.headers,
    text,
  });
  return res;
};

const client = (token?: string) =>
  new LivelineApi({ url: fx.stack.url, ...(token === undefined ? {} : { token }), fetch: checkedFetch });

describe("LivelineApi", () => {
  it("creates a feed, publishes with an Idempotency-Key, reads it back with its ETag and edits with If-Match", async () => {
    const api = client(TOKEN);
    const created = await api.request("POST /v1/feeds", { body: { id: "typed", title: "Typed" } });
    expect([created.status, created.data.id, created.headers.get("location")]).toEqual([
      201,
      "typed",
      "/v1/feeds/typed",
    ]);

    const params = { feedId: "typed" };
    const published = await api.request("POST /v1/feeds/:feedId/entries", {
      params,
      headers: { "Idempotency-Key": "typed-1" },
      body: { id: "first", body: "<p>Hello</p>", keyEvent: true },
    });
    expect(published.data).toEqual({ entryId: "first", status: "queued" });
    await waitFor(async () => (await fx.stack.store.currentSeq("typed")) === 1, "the entry applied");

    const reader = client();
    const page = await reader.request("GET /v1/feeds/:feedId/entries", { params, query: { limit: 5 } });
    expect(page.data.entries.map((e) => [e.id, e.keyEvent])).toEqual([["first", true]]);
    const one = await reader.request("GET /v1/feeds/:feedId/entries/:entryId", {
      params: { ...params, entryId: "first" },
    });
    const etag = one.headers.get("etag") ?? "";
    expect(etag).toBe('"r1"');

    const edited = await api.request("PATCH /v1/feeds/:feedId/entries/:entryId", {
      params: { ...params, entryId: "first" },
      headers: { "If-Match": etag },
      body: { headline: "Now with a headline" },
    });
    expect(edited.status).toBe(202);
    await waitFor(async () => (await fx.stack.store.currentSeq("typed")) === 2, "the edit applied");
    const events = await reader.request("GET /v1/feeds/:feedId/events", { params, query: { since: 1 } });
    expect("events" in events.data && events.data.events.map((e) => e.type)).toEqual(["entry.updated"]);
  });

  it("rejects with the server's stable code, and `network` when nothing answers", async () => {
    const noToken = client();
    const refused = await noToken
      .request("POST /v1/feeds", { body: { id: "nope", title: "No" } })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect([(refused as ApiError).status, (refused as ApiError).code]).toEqual([401, "unauthorized"]);

    const missing = await noToken
      .request("GET /v1/feeds/:feedId", { params: { feedId: "no-such-feed" } })
      .catch((e: unknown) => e);
    expect([(missing as ApiError).status, (missing as ApiError).code]).toEqual([404, "feed_not_found"]);

    const away = new LivelineApi({ url: "http://127.0.0.1:9" });
    const gone = await away.request("GET /v1/feeds").catch((e: unknown) => e);
    expect([(gone as ApiError).status, (gone as ApiError).code]).toEqual([0, "network"]);
  });

  it("uploads an image as multipart and retracts with a reason", async () => {
    const api = client(TOKEN);
    const image = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#0a0" } })
      .png()
      .toBuffer();
    const form = new FormData();
    form.append("file", new Blob([new Uint8Array(image)], { type: "image/png" }), "dot.png");
    const uploaded = await api.request("POST /v1/media", { body: form });
    expect(uploaded.status).toBe(201);
    expect(uploaded.data.variants.length).toBeGreaterThan(0);

    await api.request("POST /v1/feeds/:feedId/entries", {
      params: { feedId: "typed" },
      body: { id: "gone", body: "x" },
    });
    const retracted = await api.request("DELETE /v1/feeds/:feedId/entries/:entryId", {
      params: { feedId: "typed", entryId: "gone" },
      body: { reason: "duplicate" },
    });
    expect(retracted.status).toBe(202);
  });

  it("is typed from the operation definitions", () => {
    const api = client();
    // Never called: each line is a compile-time check of what the client accepts.
    const checks = [
      // @ts-expect-error not a route of the API
      () => api.request("GET /v1/nowhere"),
      // @ts-expect-error the path needs its :feedId
      () => api.request("GET /v1/feeds/:feedId"),
      // @ts-expect-error catch-up needs `since`
      () => api.request("GET /v1/feeds/:feedId/events", { params: { feedId: "x" }, query: {} }),
      // @ts-expect-error a publish needs a body with `body`
      () => api.request("POST /v1/feeds/:feedId/entries", { params: { feedId: "x" }, body: { headline: "h" } }),
      // @ts-expect-error the SSE stream is read with EventSource, not this client
      () => api.request("GET /v1/feeds/:feedId/stream", { params: { feedId: "x" } }),
    ];
    expect(checks).toHaveLength(5);
  });
});
