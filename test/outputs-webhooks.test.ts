import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { Outbound, OutboundRefused } from "@liveline/outputs";
import { useStack } from "./helpers/use-stack.js";
import { startReceiver, type LocalReceiver, type Received } from "./helpers/local-receiver.js";
import { sleep, waitFor } from "./helpers/wait.js";

// Webhooks through the real path, checked by the `standardwebhooks` package (the scheme's own
// reference implementation), not by Liveline's signing code.
const fixture = useStack({ ALLOW_PRIVATE_OUTBOUND: "true", WEBHOOK_ATTEMPTS: "4", WEBHOOK_BACKOFF_MS: "20" });

interface Delivered {
  id: string;
  seq: number;
  type: string;
  entryId: string | undefined;
}

/** A receiver that verifies every request and fails the first `failFirst` tries of each message. */
async function flakyReceiver(failFirst: (msgId: string, body: Delivered) => number) {
  const secret = { value: "" };
  const tries = new Map<string, number>();
  const accepted: Delivered[] = [];
  const receiver = await startReceiver((req: Received, res) => {
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    const parsed = new StandardWebhook(secret.value).verify(req.body.toString("utf8"), headers) as {
      type: string;
      data: { seq: number; entry?: { id: string }; entryId?: string };
    };
    const id = headers["webhook-id"] ?? "";
    const d: Delivered = {
      id,
      seq: parsed.data.seq,
      type: parsed.type,
      entryId: parsed.data.entry?.id ?? parsed.data.entryId,
    };
    const n = (tries.get(id) ?? 0) + 1;
    tries.set(id, n);
    if (n <= failFirst(id, d)) return void res.writeHead(503).end();
    accepted.push(d);
    res.writeHead(204).end();
  });
  return { receiver, secret, tries, accepted };
}

const receivers: LocalReceiver[] = [];
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
});

describe("webhooks", () => {
  let flaky: Awaited<ReturnType<typeof flakyReceiver>>;
  beforeAll(async () => {
    flaky = await flakyReceiver(() => 2);
    receivers.push(flaky.receiver);
  });

  it("are admin-only and show their secret once", async () => {
    const { api } = fixture.stack;
    expect((await api.as(null).request("POST", "/v1/webhooks", { url: "https://example.com/hook" })).status).toBe(401);
    expect((await api.request("POST", "/v1/webhooks", { url: "ftp://example.com" })).status).toBe(400);
    const created = await api.request<{ id: string; secret: string }>("POST", "/v1/webhooks", {
      url: "https://example.com/hook",
      feeds: ["nothing-here"],
    });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const list = await api.request<{ webhooks: Record<string, unknown>[] }>("GET", "/v1/webhooks");
    expect(list.body.webhooks.some((w) => w.id === created.body.id && !("secret" in w))).toBe(true);
    expect((await api.request("DELETE", `/v1/webhooks/${created.body.id}`)).status).toBe(204);
    expect((await api.request("GET", `/v1/webhooks/${created.body.id}/deliveries`)).status).toBe(404);
  });

  it("deliver every event once, signed and in seq order, through two failed tries each", async () => {
    const { api } = fixture.stack;
    await api.createFeed("wh-order");
    const hook = await api.request<{ id: string; secret: string }>("POST", "/v1/webhooks", {
      url: `${flaky.receiver.url}/hook`,
      feeds: ["wh-order"],
    });
    flaky.secret.value = hook.body.secret;
    for (let i = 1; i <= 5; i++) await api.publish("wh-order", { id: `e${i}`, body: `<p>${i}</p>` });
    await api.edit("wh-order", "e2", { body: "<p>2, corrected</p>" });
    await api.retract("wh-order", "e3");
    await waitFor(() => flaky.accepted.length === 7, "seven deliveries", 20_000);
    await sleep(300);
    expect(flaky.accepted.map((d) => d.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(flaky.accepted.map((d) => d.type)).toEqual([
      ...Array<string>(5).fill("entry.published"),
      "entry.updated",
      "entry.deleted",
    ]);
    expect([...flaky.tries.values()].every((n) => n === 3)).toBe(true);
    const deliveries = await api.request<{ deliveries: { status: string; attempts: { status?: number }[] }[] }>(
      "GET",
      `/v1/webhooks/${hook.body.id}/deliveries`,
    );
    expect(deliveries.body.deliveries).toHaveLength(7);
    for (const d of deliveries.body.deliveries) {
      expect(d.status).toBe("delivered");
      expect(d.attempts.map((a) => a.status)).toEqual([503, 503, 204]);
    }
  });

  it("set a delivery aside after its last try, move on, and replay it on request", async () => {
    const { api } = fixture.stack;
    await api.createFeed("wh-dead");
    let refuse = true;
    // e1 is refused until told otherwise; everything else goes through first time.
    const sink = await flakyReceiver((_id, d) => (d.entryId === "d1" && refuse ? 100 : 0));
    receivers.push(sink.receiver);
    const hook = await api.request<{ id: string; secret: string }>("POST", "/v1/webhooks", {
      url: `${sink.receiver.url}/hook`,
      feeds: ["wh-dead"],
      events: ["entry.published"],
    });
    sink.secret.value = hook.body.secret;
    await api.publish("wh-dead", { id: "d1", body: "<p>1</p>" });
    await api.publish("wh-dead", { id: "d2", body: "<p>2</p>" });
    await api.edit("wh-dead", "d2", { body: "<p>2 again</p>" }); // not subscribed: entry.updated
    await api.publish("wh-dead", { id: "d3", body: "<p>3</p>" });
    await waitFor(() => sink.accepted.length === 2, "the deliveries behind the dead one");
    expect(sink.accepted.map((d) => d.entryId)).toEqual(["d2", "d3"]);
    const dead = await api.request<{ deliveries: { id: string; seq: number; status: string; attempts: unknown[] }[] }>(
      "GET",
      `/v1/webhooks/${hook.body.id}/deliveries?status=dead`,
    );
    expect(dead.body.deliveries).toHaveLength(1);
    const [letter] = dead.body.deliveries;
    expect(letter).toMatchObject({ seq: 1, status: "dead" });
    expect(letter?.attempts).toHaveLength(4);

    refuse = false;
    const replay = await api.request("POST", `/v1/webhooks/${hook.body.id}/deliveries/${letter?.id}/replay`);
    expect(replay.status).toBe(202);
    await waitFor(() => sink.accepted.length === 3, "the replayed delivery");
    expect(sink.accepted[2]).toMatchObject({ id: letter?.id, entryId: "d1", seq: 1 });
    const after = await api.request<{ deliveries: unknown[] }>(
      "GET",
      `/v1/webhooks/${hook.body.id}/deliveries?status=dead`,
    );
    expect(after.body.deliveries).toHaveLength(0);
    // A delivery id that is no delivery's is 404; one that is not a delivery id at all is 400.
    const unknown = `/v1/webhooks/${hook.body.id}/deliveries/msg_${"A".repeat(26)}/replay`;
    expect((await api.request("POST", unknown)).status).toBe(404);
    expect((await api.request("POST", `/v1/webhooks/${hook.body.id}/deliveries/msg_nope/replay`)).status).toBe(400);
    const metrics = await (await fetch(`${fixture.stack.url}/metrics`)).text();
    expect(metrics).toMatch(/liveline_webhook_dead_letters_total\{[^}]*\} 1/);
  });
});

describe("outbound requests without ALLOW_PRIVATE_OUTBOUND", () => {
  it("never reach loopback or private addresses, by literal or by name", async () => {
    const target = await startReceiver((_req, res) => void res.writeHead(204).end());
    receivers.push(target);
    const outbound = new Outbound({ allowPrivate: false, timeoutMs: 2000 });
    const port = new URL(target.url).port;
    for (const url of [
      target.url,
      `http://localhost:${port}/`,
      `http://[::1]:${port}/`,
      `http://[::ffff:127.0.0.1]:${port}/`,
      "http://10.1.2.3/",
      "http://169.254.169.254/latest/meta-data",
    ]) {
      await expect(outbound.send(url, { headers: {}, body: "{}" }), url).rejects.toBeInstanceOf(OutboundRefused);
    }
    outbound.close();
    expect(target.received).toHaveLength(0);
    // The same target is reachable once allowed, so the refusals above are the check's doing.
    const allowed = new Outbound({ allowPrivate: true, timeoutMs: 2000 });
    expect((await allowed.send(target.url, { headers: {}, body: "{}" })).status).toBe(204);
    allowed.close();
  });
});
