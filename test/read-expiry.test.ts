import { io as connect, type Socket } from "socket.io-client";
import { beforeAll, describe, expect, it } from "vitest";
import type { FeedErrorNotice, FeedEvent, RefreshAck, SubscribeAck } from "@liveline/protocol";
import { openReader, readerReady } from "./helpers/reader.js";
import { openSse } from "./helpers/sse.js";
import { useStack } from "./helpers/use-stack.js";
import { JWT_SECRET, mint, nowSeconds } from "./helpers/tokens.js";
import { sleep, waitFor } from "./helpers/wait.js";

const { stack } = useStack({ EDITOR_JWT_SECRET: JWT_SECRET });
let published = 0;

/** The entry id an event carries (published and updated events), else undefined. */
const entryIdOf = (e: FeedEvent): string | undefined => ("entry" in e ? e.entry.id : undefined);

beforeAll(async () => {
  expect(
    (await stack.api.request("POST", "/v1/feeds", { id: "paid", title: "Paid", visibility: "private" })).status,
  ).toBe(201);
});

/** Publish one entry to the private feed and wait until it is applied; returns its id. */
async function publish(): Promise<string> {
  published += 1;
  const id = `p${published}`;
  expect((await stack.api.publish("paid", { id, body: `entry ${published}` })).status).toBe(202);
  await waitFor(async () => (await stack.store.getEntry("paid", id)) !== undefined, `${id} applied`);
  return id;
}

/** A token for the private feed that expires `seconds` from now (JWT exp has 1 s resolution). */
const shortToken = (seconds: number): Promise<string> =>
  mint({ scope: "read", feeds: ["paid"], exp: nowSeconds() + seconds });

function rawSocket(token?: string): Socket {
  return connect(stack.url, {
    transports: ["websocket"],
    forceNew: true,
    reconnection: false,
    ...(token === undefined ? {} : { auth: { token } }),
  });
}

describe("a private subscription ends when its token expires", () => {
  it("Socket.IO: an unrefreshed reader is told token_expired at exp and receives nothing after", async () => {
    const token = await shortToken(2);
    const expiresAt = (nowSeconds() + 2) * 1000;
    const s = rawSocket(token);
    const events: FeedEvent[] = [];
    const notices: { at: number; notice: FeedErrorNotice }[] = [];
    s.on("feed:event", (e: FeedEvent) => events.push(e));
    s.on("feed:error", (notice: FeedErrorNotice) => notices.push({ at: Date.now(), notice }));
    const ack = (await s.timeout(5000).emitWithAck("subscribe", { feedId: "paid" })) as SubscribeAck;
    expect(ack.ok).toBe(true);
    const before = await publish();
    await waitFor(() => events.some((e) => entryIdOf(e) === before), "an event before exp");

    await waitFor(() => notices.length > 0, "feed:error at exp", 6000);
    expect(notices[0]?.notice).toMatchObject({ feedId: "paid", error: { code: "token_expired" } });
    // Ended at exp, not before it (and within a second after: the timer is set for exp).
    expect(notices[0]?.at).toBeGreaterThanOrEqual(expiresAt - 1000);
    const after = await publish();
    await sleep(300);
    expect(events.map((e) => entryIdOf(e))).not.toContain(after);
    // The connection itself stays up (public feeds would go on), and a fresh token resumes.
    expect(s.connected).toBe(true);
    const resumed = (await s.timeout(5000).emitWithAck("subscribe", {
      feedId: "paid",
      since: ack.ok ? ack.seq : 0,
      token: await shortToken(60),
    })) as SubscribeAck;
    expect(resumed.ok && "events" in resumed ? resumed.events.map((e) => entryIdOf(e)) : resumed).toEqual([
      before,
      after,
    ]);
    s.close();
  });

  it("Socket.IO: a reader of a public feed with a subscribe token keeps it when it turns private, until exp", async () => {
    expect((await stack.api.createFeed("turns")).status).toBe(201);
    const s = rawSocket();
    const notices: { at: number; notice: FeedErrorNotice }[] = [];
    s.on("feed:error", (notice: FeedErrorNotice) => notices.push({ at: Date.now(), notice }));
    const token = await mint({ scope: "read", feeds: ["turns"], exp: nowSeconds() + 3 });
    const expiresAt = (nowSeconds() + 3) * 1000;
    const ack = (await s.timeout(5000).emitWithAck("subscribe", { feedId: "turns", token })) as SubscribeAck;
    expect(ack.ok).toBe(true);
    expect((await stack.api.request("PATCH", "/v1/feeds/turns", { visibility: "private" })).status).toBe(202);
    await waitFor(async () => (await stack.api.as(null).request("GET", "/v1/feeds/turns")).status === 404, "private");
    await sleep(300);
    // Kept: its token reads the private feed; and ended at that token's exp, as a private subscribe is.
    expect(s.connected).toBe(true);
    expect(notices).toEqual([]);
    await waitFor(() => notices.length > 0, "feed:error at exp", 6000);
    expect(notices[0]?.notice).toMatchObject({ feedId: "turns", error: { code: "token_expired" } });
    expect(notices[0]?.at).toBeGreaterThanOrEqual(expiresAt - 1000);
    s.close();
  });

  it("Socket.IO: a refresh before exp keeps the subscription across it; a bad refresh is refused", async () => {
    const s = rawSocket(await shortToken(2));
    const events: FeedEvent[] = [];
    const notices: FeedErrorNotice[] = [];
    s.on("feed:event", (e: FeedEvent) => events.push(e));
    s.on("feed:error", (n: FeedErrorNotice) => notices.push(n));
    expect(((await s.timeout(5000).emitWithAck("subscribe", { feedId: "paid" })) as SubscribeAck).ok).toBe(true);
    const bad = (await s.timeout(5000).emitWithAck("refresh", { token: "not-a-token-0123456789" })) as RefreshAck;
    expect(bad).toMatchObject({ ok: false, error: { code: "unauthorized" } });
    const good = (await s.timeout(5000).emitWithAck("refresh", { token: await shortToken(60) })) as RefreshAck;
    expect(good).toEqual({ ok: true });
    await sleep(3500); // past the first token's exp
    const id = await publish();
    await waitFor(() => events.some((e) => entryIdOf(e) === id), "an event after the old token's exp");
    expect(notices).toEqual([]);
    s.close();
  });

  it("SDK: a reader whose getToken hands out 3-second tokens keeps receiving across several exps", async () => {
    let tokens = 0;
    const reader = openReader(stack.url, "paid", {
      getToken: () => {
        tokens += 1;
        return shortToken(3);
      },
    });
    const errors: string[] = [];
    reader.sub.on("error", (e) => errors.push(e.code));
    await readerReady(reader);
    const ids: string[] = [];
    const started = Date.now();
    while (Date.now() - started < 7000) {
      ids.push(await publish());
      await sleep(400);
    }
    const last = ids.at(-1) ?? "";
    await waitFor(() => reader.sub.entry(last), "the last entry");
    for (const id of ids) expect(reader.sub.entry(id)?.id).toBe(id);
    // Applied once each, in order, with no interruption: refreshed in time every time.
    const seqs = reader.events.map((e) => e.seq);
    expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
    expect(errors).toEqual([]);
    expect(tokens).toBeGreaterThanOrEqual(3);
    reader.close();
  });

  it("SDK: told token_expired (getToken hands out the same token), it reports the code, refreshes and resumes", async () => {
    let calls = 0;
    let current = await shortToken(2);
    const reader = openReader(stack.url, "paid", {
      // The first token is handed out twice: the refresh before exp brings nothing new.
      getToken: async () => {
        calls += 1;
        if (calls > 2) current = await shortToken(60);
        return current;
      },
    });
    const errors: string[] = [];
    const reasons: string[] = [];
    reader.sub.on("error", (e) => errors.push(e.code));
    reader.sub.on("state", (c) => reasons.push(c.reason));
    await readerReady(reader);
    await waitFor(() => errors.includes("token_expired"), "token_expired reported", 6000);
    const id = await publish();
    await waitFor(() => reader.sub.entry(id), "an entry after the resume");
    expect(reasons).toContain("subscription_ended");
    expect(reader.sub.state).toBe("subscribed");
    reader.close();
  });

  it("SSE: a stream with an expiring token is ended at exp with a feed:error event", async () => {
    const sse = await openSse(`${stack.url}/v1/feeds/paid/stream`, {
      authorization: `Bearer ${await shortToken(2)}`,
    });
    expect(sse.status).toBe(200);
    await waitFor(() => sse.ended(), "the stream to end at exp", 6000);
    const last = sse.messages.at(-1);
    expect(last?.event).toBe("feed:error");
    expect(last?.id).toBeUndefined();
    expect(JSON.parse(last?.data ?? "{}")).toMatchObject({ feedId: "paid", error: { code: "token_expired" } });
    // EventSource would reconnect with the same (expired) token: refused, never a silent stream.
    const again = await fetch(`${stack.url}/v1/feeds/paid/stream`, {
      headers: { authorization: `Bearer ${await mint({ scope: "read", feeds: ["paid"], exp: nowSeconds() - 1 })}` },
    });
    expect(again.status).toBe(401);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe("token_expired");
  });

  it("a public feed's stream is not ended by any timer", async () => {
    expect((await stack.api.createFeed("open")).status).toBe(201);
    const sse = await openSse(`${stack.url}/v1/feeds/open/stream`);
    await sleep(1200);
    expect(sse.ended()).toBe(false);
    sse.close();
  });
});

describe("an unknown feed and a private feed the caller may not read answer the same", () => {
  it("over HTTP, SSE and Socket.IO, with no token, another feed's token or a bad token", async () => {
    const other = await mint({ scope: "read", feeds: ["open"] });
    for (const [who, token] of [
      ["anonymous", null],
      ["another feed's token", other],
    ] as const) {
      const api = stack.api.as(token);
      for (const path of ["", "/entries", "/entries/p1", "/events?since=0", "/stream"]) {
        const hidden = await api.request("GET", `/v1/feeds/paid${path}`);
        const unknown = await api.request("GET", `/v1/feeds/nothing-here${path}`);
        expect([who, path, hidden.status, hidden.body]).toEqual([
          who,
          path,
          unknown.status,
          JSON.parse(JSON.stringify(unknown.body).replace("nothing-here", "paid")),
        ]);
        expect(hidden.status).toBe(404);
        expect(hidden.headers.get("cache-control")).toBe(unknown.headers.get("cache-control"));
      }
    }
    const s = rawSocket();
    const ask = async (payload: object) =>
      JSON.stringify(await s.timeout(5000).emitWithAck("subscribe", payload)).replace("nothing-here", "paid");
    for (const token of [undefined, other, "bad-token-0123456789"]) {
      const extra = token === undefined ? {} : { token };
      expect(await ask({ feedId: "paid", ...extra })).toBe(await ask({ feedId: "nothing-here", ...extra }));
    }
    s.close();
  });
});
