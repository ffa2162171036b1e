import { describe, expect, it, beforeAll, afterAll } from "vitest";
import { Redis } from "ioredis";
import { PushPayload } from "@liveline/protocol";
import { createLogger } from "@liveline/core";
import { loadWorkerConfig, startWorker } from "@liveline/worker";
import { useStack } from "./helpers/use-stack.js";
import { startReceiver, type LocalReceiver } from "./helpers/local-receiver.js";
import { decryptAes128gcm, newSubscriber, verifyVapid } from "./helpers/web-push-decrypt.js";
import { sleep, waitFor } from "./helpers/wait.js";

// Breaking-news alerts through the real path: HTTP publish → publish queue → worker → outputs
// queue → a local RFC 8030 push service, which decrypts what it receives with the subscriber's keys.
const fixture = useStack({ ALLOW_PRIVATE_OUTBOUND: "true", ALERTS_PER_HOUR: "3" });
let push: LocalReceiver;

beforeAll(async () => {
  // /gone/* answers 410 like a push service whose subscription expired.
  push = await startReceiver((req, res) => {
    res.writeHead(req.path.startsWith("/gone/") ? 410 : 201).end();
  });
});
afterAll(async () => push.close());

const forPath = (prefix: string) => push.received.filter((r) => r.path.startsWith(prefix));

describe("Web Push alerts", () => {
  it("sends a breaking entry once, encrypted for the subscription, and drops a gone subscription", async () => {
    const { api } = fixture.stack;
    expect((await api.createFeed("wp-story")).status).toBe(201);
    const key = await api.as(null).request<{ publicKey: string }>("GET", "/v1/push/web/key");
    expect(key.status).toBe(200);
    const reader = newSubscriber();
    const goneReader = newSubscriber();
    const sub = (path: string, keys: typeof reader.keys) =>
      api.as(null).request("POST", "/v1/feeds/wp-story/push/web", { endpoint: `${push.url}${path}`, keys });
    expect((await sub("/ok/1", reader.keys)).status).toBe(201);
    expect((await sub("/gone/1", goneReader.keys)).status).toBe(201);
    expect((await api.as(null).request("POST", "/v1/feeds/wp-story/push/web", { endpoint: "x" })).status).toBe(400);

    await api.publish("wp-story", { id: "calm", body: "<p>Nothing much.</p>" });
    await api.publish("wp-story", {
      id: "flash",
      headline: "Ceasefire announced",
      body: "<p>Details follow.</p>",
      breaking: true,
    });
    await waitFor(
      () => forPath("/ok/").length === 1 && forPath("/gone/").length === 1,
      "the push service to get the alert",
    );

    const [got] = forPath("/ok/");
    if (got === undefined) throw new Error("no push received");
    expect(got.headers["content-encoding"]).toBe("aes128gcm");
    expect(got.headers.ttl).toBe("3600");
    expect(got.headers.urgency).toBe("high");
    expect(got.headers.topic).toMatch(/^[\w-]{1,32}$/);
    const vapid = verifyVapid(got.headers.authorization);
    expect(vapid.k).toBe(key.body.publicKey);
    expect(vapid.aud).toBe(push.url);
    const payload = PushPayload.parse(JSON.parse(decryptAes128gcm(got.body, reader)));
    expect(payload).toMatchObject({
      feedId: "wp-story",
      entryId: "flash",
      body: "Ceasefire announced",
      url: "/feeds/wp-story#entry-flash",
    });

    // Re-marking, correcting, and walking the whole log again (as a retried job would) send nothing more.
    await api.edit("wp-story", "flash", { breaking: false });
    await api.edit("wp-story", "flash", { breaking: true, headline: "Ceasefire announced (updated)" });
    const redis = new Redis(fixture.redis.url);
    await redis.zrem(`${fixture.stack.keyPrefix}out:cursors`, "wp-story");
    redis.disconnect();
    await api.publish("wp-story", { id: "calm2", body: "<p>Still calm.</p>" });
    await waitFor(async () => (await fixture.stack.store.currentSeq("wp-story")) >= 5, "the edits to apply");
    await sleep(800);
    expect(forPath("/ok/")).toHaveLength(1);

    // The 410 removed its subscription: the next alert goes to the live one only.
    await api.publish("wp-story", { id: "flash2", headline: "Second flash", body: "<p>More.</p>", breaking: true });
    await waitFor(() => forPath("/ok/").length === 2, "the second alert");
    await sleep(300);
    expect(forPath("/gone/")).toHaveLength(1);

    const metrics = await (await fetch(`${fixture.stack.url}/metrics`)).text();
    expect(metrics).toMatch(/liveline_output_removed_subscriptions_total\{[^}]*output="webpush"[^}]*\} 1/);
    expect(metrics).toMatch(/liveline_output_sent_total\{[^}]*output="webpush"[^}]*\} 2/);
    expect(metrics).toMatch(/liveline_output_latency_seconds_count\{[^}]*output="webpush"[^}]*\} 2/);
  });

  it("moves a quiet feed's outputs cursor without a job, and still walks to a breaking entry", async () => {
    const { api, keyPrefix, store } = fixture.stack;
    const redis = new Redis(fixture.redis.url);
    const cursor = async () => Number((await redis.zscore(`${keyPrefix}out:cursors`, "wp-quiet")) ?? 0);
    const advanceJob = (seq: number) => redis.exists(`${store.keys.queuePrefix()}:outputs:adv.wp-quiet.${seq}`);
    await api.createFeed("wp-quiet");
    await api.as(null).request("POST", "/v1/feeds/wp-quiet/push/web", {
      endpoint: `${push.url}/quiet/1`,
      keys: newSubscriber().keys,
    });
    await api.publish("wp-quiet", { id: "q1", body: "<p>Calm.</p>" });
    await waitFor(async () => (await cursor()) === 1, "the cursor to pass the calm entry");
    expect(await advanceJob(1)).toBe(0);
    await api.publish("wp-quiet", { id: "q2", headline: "Flash", body: "<p>x</p>", breaking: true });
    await waitFor(() => forPath("/quiet/").length === 1, "the breaking entry's alert");
    expect(await cursor()).toBe(2);
    expect(await advanceJob(2)).toBe(1);
    redis.disconnect();
  });

  it("passes a burst of quiet feeds together, and still walks the breaking one among them", async () => {
    const { api, keyPrefix, store } = fixture.stack;
    const redis = new Redis(fixture.redis.url);
    const calm = Array.from({ length: 12 }, (_, i) => `wp-burst-${i}`);
    const flash = "wp-burst-flash";
    for (const feedId of [...calm, flash]) await api.createFeed(feedId);
    await api.as(null).request("POST", `/v1/feeds/${flash}/push/web`, {
      endpoint: `${push.url}/burst/1`,
      keys: newSubscriber().keys,
    });
    // All at once, so that one drain job applies several of them and their passes meet.
    await Promise.all([
      ...calm.map((feedId) => api.publish(feedId, { id: "calm", body: "<p>Calm.</p>" })),
      api.publish(flash, { id: "flash", headline: "Flash", body: "<p>x</p>", breaking: true }),
    ]);
    await waitFor(() => forPath("/burst/").length === 1, "the breaking entry's alert");
    const cursors = async () => (await redis.zmscore(`${keyPrefix}out:cursors`, ...calm)).map(Number);
    await waitFor(async () => (await cursors()).every((c) => c === 1), "every calm feed's cursor to pass its entry");
    const jobs = async (feedIds: string[]) =>
      Promise.all(feedIds.map((f) => redis.exists(`${store.keys.queuePrefix()}:outputs:adv.${f}.1`)));
    expect(await jobs(calm)).toEqual(calm.map(() => 0));
    expect(await jobs([flash])).toEqual([1]);
    redis.disconnect();
  });

  it("caps alerts per feed and hour, and shows editors what went out", async () => {
    const { api } = fixture.stack;
    await api.createFeed("wp-cap");
    const reader = newSubscriber();
    await api
      .as(null)
      .request("POST", "/v1/feeds/wp-cap/push/web", { endpoint: `${push.url}/cap/1`, keys: reader.keys });
    for (const id of ["a1", "a2", "a3", "a4"]) {
      await api.publish("wp-cap", { id, headline: `Flash ${id}`, body: "<p>x</p>", breaking: true });
    }
    await waitFor(() => forPath("/cap/").length === 3, "three alerts");
    const status = await waitFor(async () => {
      const r = await api.request<{ sentLastHour: number; cap: number; last: { entryId: string; status: string }[] }>(
        "GET",
        "/v1/feeds/wp-cap/alerts",
      );
      return r.body.last.length === 4 ? r : undefined;
    }, "four alert decisions");
    expect(status.body.sentLastHour).toBe(3);
    expect(status.body.cap).toBe(3);
    expect(status.body.last.filter((a) => a.status === "capped")).toHaveLength(1);
    await sleep(300);
    expect(forPath("/cap/")).toHaveLength(3);
    expect((await api.as(null).request("GET", "/v1/feeds/wp-cap/alerts")).status).toBe(401);
  });

  it("unsubscribes with DELETE", async () => {
    const { api } = fixture.stack;
    await api.createFeed("wp-unsub");
    const reader = newSubscriber();
    const body = { endpoint: `${push.url}/unsub/1`, keys: reader.keys };
    await api.as(null).request("POST", "/v1/feeds/wp-unsub/push/web", body);
    expect((await api.as(null).request("DELETE", "/v1/feeds/wp-unsub/push/web", body)).status).toBe(204);
    await api.publish("wp-unsub", { id: "b1", headline: "Flash", body: "<p>x</p>", breaking: true });
    await waitFor(
      async () => (await api.request<{ last: unknown[] }>("GET", "/v1/feeds/wp-unsub/alerts")).body.last.length === 1,
      "the alert decision",
    );
    await sleep(300);
    expect(forPath("/unsub/")).toHaveLength(0);
  });

  it("sends once with a second worker process taking outputs jobs beside the first", async () => {
    const { api, keyPrefix } = fixture.stack;
    const second = await startWorker(
      loadWorkerConfig({
        KEY_PREFIX: keyPrefix,
        NODE_ENV: "test",
        ALLOW_PRIVATE_OUTBOUND: "true",
        ALERTS_PER_HOUR: "3",
        ALERT_UNDO_SECONDS: "0",
        SWEEP_INTERVAL_MS: "100",
      }),
      { redisUrl: fixture.redis.url, logger: createLogger("second", "silent") },
    );
    try {
      await api.createFeed("wp-two");
      const reader = newSubscriber();
      await api
        .as(null)
        .request("POST", "/v1/feeds/wp-two/push/web", { endpoint: `${push.url}/two/1`, keys: reader.keys });
      for (let i = 1; i <= 5; i++) {
        await api.publish("wp-two", { id: `t${i}`, headline: `Flash ${i}`, body: "<p>x</p>", breaking: i % 2 === 1 });
        await api.edit("wp-two", `t${i}`, { breaking: true });
      }
      await waitFor(() => forPath("/two/").length >= 3, "three alerts (the cap)");
      await sleep(1000);
      const entries = forPath("/two/").map(
        (r) => PushPayload.parse(JSON.parse(decryptAes128gcm(r.body, reader))).entryId,
      );
      expect(entries).toHaveLength(3);
      expect(new Set(entries).size).toBe(3);
    } finally {
      await second.close();
    }
  });
});
