import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Webhook as StandardWebhook } from "standardwebhooks";
import {
  PushPayload,
  WebhookMessage,
  alertBody,
  alertTitle,
  type AlertReach,
  type AlertStatus,
  type Delivery,
} from "@liveline/protocol";
import { loadConfig } from "@liveline/server";
import { startReceiver, type LocalReceiver } from "./helpers/local-receiver.js";
import { useStack } from "./helpers/use-stack.js";
import { mint } from "./helpers/tokens.js";
import { JWT_SECRET } from "./helpers/tokens.js";
import { decryptAes128gcm, newSubscriber } from "./helpers/web-push-decrypt.js";
import { sleep, waitFor } from "./helpers/wait.js";

// An alert waits out its undo window (a delayed job) before anything leaves, and an editor may
// recall it meanwhile: through the real path, HTTP publish → worker → outputs queue → a local
// push service that decrypts what it receives.
const UNDO_SECONDS = 2;
const fixture = useStack({
  ALLOW_PRIVATE_OUTBOUND: "true",
  ALERT_UNDO_SECONDS: String(UNDO_SECONDS),
  EDITOR_JWT_SECRET: JWT_SECRET,
  WEBHOOK_BACKOFF_MS: "50",
});
let push: LocalReceiver;
/** When each push arrived (ms since the epoch), by path. */
const arrivals = new Map<string, number>();
const reader = newSubscriber();

beforeAll(async () => {
  push = await startReceiver((req, res) => {
    arrivals.set(req.path, Date.now());
    res.writeHead(201).end();
  });
  const { api } = fixture.stack;
  expect((await api.createFeed("undo")).status).toBe(201);
  const sub = await api
    .as(null)
    .request("POST", "/v1/feeds/undo/push/web", { endpoint: `${push.url}/undo/1`, keys: reader.keys });
  expect(sub.status).toBe(201);
});
afterAll(async () => push.close());

/** The entry ids of the alerts the push service got for `reader`, in order. */
const alerted = () =>
  push.received
    .filter((r) => r.path === "/undo/1")
    .map((r) => PushPayload.parse(JSON.parse(decryptAes128gcm(r.body, reader))).entryId);

const code = (body: unknown): unknown => (body as { error?: { code?: string } }).error?.code;

describe("alerts on purpose", () => {
  it("sends an alert only once its undo window is over, and then a recall is too late (409)", async () => {
    const { api } = fixture.stack;
    const before = push.received.length;
    const published = Date.now();
    const res = await api.publish("undo", { id: "flash", headline: "Ceasefire announced", body: "x", breaking: true });
    expect(res.status).toBe(202);
    await waitFor(() => alerted().includes("flash"), "the alert after its undo window", 30_000);
    expect(push.received.length).toBe(before + 1);
    const waited = (arrivals.get("/undo/1") ?? 0) - published;
    console.log(`alert arrived ${waited} ms after the publish (undo window ${UNDO_SECONDS} s)`);
    expect(waited).toBeGreaterThanOrEqual(UNDO_SECONDS * 1000);

    const late = await api.request("DELETE", "/v1/feeds/undo/entries/flash/alert");
    expect([late.status, code(late.body)]).toEqual([409, "alert_already_sent"]);
  });

  it("never sends a recalled alert; one marked after it still goes out after its own window", async () => {
    const { api } = fixture.stack;
    expect((await api.publish("undo", { id: "oops", headline: "Wrong flash", body: "x", breaking: true })).status).toBe(
      202,
    );
    const recalled = await api.request("DELETE", "/v1/feeds/undo/entries/oops/alert");
    expect(recalled.status).toBe(204);
    // An entry published after it and alerted normally: once its alert is in, the recalled one's
    // window (which began earlier) is long over.
    expect((await api.publish("undo", { id: "real", headline: "Real flash", body: "x", breaking: true })).status).toBe(
      202,
    );
    await waitFor(() => alerted().includes("real"), "the alert published after the recalled one", 30_000);
    expect(alerted()).not.toContain("oops");
    // Marking it breaking again does not bring it back.
    await api.edit("undo", "oops", { breaking: false });
    await api.edit("undo", "oops", { breaking: true });
    expect((await api.publish("undo", { id: "real2", headline: "Later", body: "x", breaking: true })).status).toBe(202);
    await waitFor(() => alerted().includes("real2"), "a later alert", 30_000);
    expect(alerted()).not.toContain("oops");

    const status = await api.request<AlertStatus>("GET", "/v1/feeds/undo/alerts");
    const oops = status.body.last.filter((r) => r.entryId === "oops");
    expect(oops.every((r) => r.status === "recalled")).toBe(true);
    const missing = await api.request("DELETE", "/v1/feeds/undo/entries/never/alert");
    expect([missing.status, code(missing.body)]).toEqual([404, "entry_not_found"]);
  });

  it("tells editors who an alert would reach and how long it waits; contributors may not ask or recall", async () => {
    const { api } = fixture.stack;
    await api.as(null).request("POST", "/v1/feeds/undo/push/web", {
      endpoint: `${push.url}/undo/2`,
      keys: newSubscriber().keys,
    });
    const hook = await api.request("POST", "/v1/webhooks", { url: `${push.url}/hook`, feeds: ["undo"] });
    expect(hook.status).toBe(201);
    const elsewhere = await api.request("POST", "/v1/webhooks", { url: `${push.url}/other`, feeds: ["other"] });
    expect(elsewhere.status).toBe(201);
    const reach = await api.request<AlertReach>("GET", "/v1/feeds/undo/alerts/reach");
    expect(reach.status).toBe(200);
    expect(reach.body).toEqual({ browsers: 2, devices: 0, webhooks: 1, undoSeconds: UNDO_SECONDS });

    const contributor = api.as(await mint({ sub: "cora", role: "contributor", feeds: ["undo"] }));
    expect((await contributor.request("GET", "/v1/feeds/undo/alerts/reach")).status).toBe(403);
    expect((await contributor.request("DELETE", "/v1/feeds/undo/entries/real/alert")).status).toBe(403);
    expect((await api.as(null).request("GET", "/v1/feeds/undo/alerts/reach")).status).toBe(401);
  });

  it("reads ALERT_UNDO_SECONDS as a whole number of seconds, 0 to 3600", () => {
    const base = { NODE_ENV: "test", EDITOR_TOKENS: "t".repeat(32) };
    expect(loadConfig({ ...base, ALERT_UNDO_SECONDS: "0" }).outputs.alertUndoSeconds).toBe(0);
    expect(loadConfig(base).outputs.alertUndoSeconds).toBe(30);
    for (const bad of ["-1", "3601", "2.5", "soon"]) {
      expect(() => loadConfig({ ...base, ALERT_UNDO_SECONDS: bad }), bad).toThrow(/ALERT_UNDO_SECONDS/);
    }
  });
});

// The undo window holds the alert for webhooks too: an endpoint subscribed to `alert.sent` gets
// the entry's own event at once (a site mirroring the feed needs it) and the alert only once the
// window is over, never for one recalled. A local endpoint checks every signature with the
// Standard Webhooks reference package.
describe("alerts on purpose, for webhooks", () => {
  const FEED = "undo-hooks";
  const browser = newSubscriber();
  let hooks: LocalReceiver;
  let secret = "";
  let hookId = "";
  /** What the endpoint accepted, verified and parsed, with when it arrived. */
  const got: { message: WebhookMessage; id: string; arrived: number }[] = [];
  /** Tries of each alert.sent message, by message id; and the entries any try was about. */
  const alertTries = new Map<string, number>();
  const alertsTried = new Set<string>();

  beforeAll(async () => {
    hooks = await startReceiver((req, res) => {
      if (req.path !== "/mirror") return void res.writeHead(204).end();
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      let message: WebhookMessage;
      try {
        message = WebhookMessage.parse(new StandardWebhook(secret).verify(req.body.toString("utf8"), headers));
      } catch {
        // Unsigned, badly signed or not a message of the contract: refused (and so never counted).
        return void res.writeHead(400).end();
      }
      const id = headers["webhook-id"] ?? "";
      if (message.type === "alert.sent") {
        alertsTried.add(message.data.entryId);
        // The first try of each alert fails: it is retried like every delivery.
        const tries = (alertTries.get(id) ?? 0) + 1;
        alertTries.set(id, tries);
        if (tries === 1) return void res.writeHead(503).end();
      }
      got.push({ message, id, arrived: Date.now() });
      res.writeHead(204).end();
    });
    const { api } = fixture.stack;
    expect((await api.createFeed(FEED, "Election night, live")).status).toBe(201);
    const sub = { endpoint: `${push.url}/hooks/1`, keys: browser.keys };
    expect((await api.as(null).request("POST", `/v1/feeds/${FEED}/push/web`, sub)).status).toBe(201);
    const hook = await api.request<{ id: string; secret: string }>("POST", "/v1/webhooks", {
      url: `${hooks.url}/mirror`,
      feeds: [FEED],
      events: ["entry.published", "alert.sent"],
    });
    expect(hook.status).toBe(201);
    [secret, hookId] = [hook.body.secret, hook.body.id];
  });
  afterAll(async () => hooks.close());

  const entryOf = (m: WebhookMessage) =>
    m.type === "alert.sent" ? m.data.entryId : "entry" in m.data ? m.data.entry.id : undefined;
  const received = (type: string, entryId: string) =>
    got.find(({ message }) => message.type === type && entryOf(message) === entryId);
  const pushed = (entryId: string) =>
    push.received
      .filter((r) => r.path === "/hooks/1")
      .some((r) => PushPayload.parse(JSON.parse(decryptAes128gcm(r.body, browser))).entryId === entryId);

  it("delivers the entry at once and alert.sent only after the window, with the words push sent", async () => {
    const { api } = fixture.stack;
    const published = Date.now();
    const entry = { id: "polls-close", headline: "Polls close in the capital", body: "<p>Counting starts.</p>" };
    expect((await api.publish(FEED, { ...entry, breaking: true })).status).toBe(202);
    const event = await waitFor(() => received("entry.published", entry.id), "the entry's own event", 10_000);
    expect(event.arrived - published).toBeLessThan(UNDO_SECONDS * 1000);
    expect(received("alert.sent", entry.id)).toBeUndefined();

    const alert = await waitFor(() => received("alert.sent", entry.id), "alert.sent after the undo window", 30_000);
    console.log(
      `entry.published after ${event.arrived - published} ms, alert.sent after ${alert.arrived - published} ms`,
    );
    expect(alert.arrived - published).toBeGreaterThanOrEqual(UNDO_SECONDS * 1000);
    expect(pushed(entry.id)).toBe(true);
    const seq = event.message.type === "entry.published" ? event.message.data.seq : 0;
    expect(alert.message.data).toMatchObject({
      feedId: FEED,
      entryId: entry.id,
      seq,
      title: alertTitle("Election night, live"),
      body: alertBody(entry),
      url: `/feeds/${FEED}#entry-${entry.id}`,
      webPush: 1,
      fcm: 0,
      webhooks: 1,
    });
    // Signed and retried like every delivery: its first try was refused, the second accepted.
    expect(alertTries.get(alert.id)).toBe(2);
    const deliveries = await api.request<{ deliveries: Delivery[] }>("GET", `/v1/webhooks/${hookId}/deliveries`);
    const record = deliveries.body.deliveries.find((d) => d.id === alert.id);
    expect(record).toMatchObject({ type: "alert.sent", seq, status: "delivered" });
    expect(record?.attempts.map((a) => a.status)).toEqual([503, 204]);
    const status = await api.request<AlertStatus>("GET", `/v1/feeds/${FEED}/alerts`);
    expect(status.body.last[0]).toMatchObject({ entryId: entry.id, status: "sent", webPush: 1, fcm: 0, webhooks: 1 });
    // And replayed like every delivery: the same message id and the same message.
    const replay = await api.request("POST", `/v1/webhooks/${hookId}/deliveries/${alert.id}/replay`);
    expect(replay.status).toBe(202);
    const again = await waitFor(() => got.filter((g) => g.id === alert.id)[1], "the replayed alert.sent");
    expect(again.message).toEqual(alert.message);
  });

  it("never sends alert.sent for a recalled alert; push gets nothing either", async () => {
    const { api } = fixture.stack;
    const entry = { id: "wrong-call", headline: "Winner declared", body: "x", breaking: true };
    expect((await api.publish(FEED, entry)).status).toBe(202);
    expect((await api.request("DELETE", `/v1/feeds/${FEED}/entries/${entry.id}/alert`)).status).toBe(204);
    await waitFor(() => received("entry.published", entry.id), "the recalled entry's own event");
    // Well past the window: an alert not recalled, published after it, has come and gone.
    expect(
      (await api.publish(FEED, { id: "turnout", headline: "Turnout at 71%", body: "x", breaking: true })).status,
    ).toBe(202);
    await waitFor(() => received("alert.sent", "turnout"), "the next alert", 30_000);
    await sleep(UNDO_SECONDS * 1000);
    expect(received("alert.sent", entry.id)).toBeUndefined();
    expect(alertsTried.has(entry.id)).toBe(false); // not even a try that failed
    expect(pushed(entry.id)).toBe(false);
    expect(pushed("turnout")).toBe(true);
  });

  it("counts as its reach only the endpoints subscribed to alert.sent for the feed", async () => {
    const { api } = fixture.stack;
    const feed = "undo-reach";
    expect((await api.createFeed(feed)).status).toBe(201);
    const register = async (body: Record<string, unknown>) =>
      expect((await api.request("POST", "/v1/webhooks", { url: `${hooks.url}/reach`, ...body })).status).toBe(201);
    await register({ feeds: [feed], events: ["entry.published", "entry.updated"] }); // the entries only
    await register({ feeds: ["elsewhere"], events: ["alert.sent"] }); // another feed's alerts
    await register({ feeds: [feed], events: ["alert.sent"] });
    await register({ feeds: ["elsewhere", feed], events: ["entry.deleted", "alert.sent"] });
    const reach = async () => (await api.request<AlertReach>("GET", `/v1/feeds/${feed}/alerts/reach`)).body;
    expect(await reach()).toEqual({ browsers: 0, devices: 0, webhooks: 2, undoSeconds: UNDO_SECONDS });
    await register({}); // every feed, every type: the alert too
    expect((await reach()).webhooks).toBe(3);
  });
});
