import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PushPayload, type AlertReach, type AlertStatus } from "@liveline/protocol";
import { loadConfig } from "@liveline/server";
import { startReceiver, type LocalReceiver } from "./helpers/local-receiver.js";
import { useStack } from "./helpers/use-stack.js";
import { mint } from "./helpers/tokens.js";
import { JWT_SECRET } from "./helpers/tokens.js";
import { decryptAes128gcm, newSubscriber } from "./helpers/web-push-decrypt.js";
import { waitFor } from "./helpers/wait.js";

// An alert waits out its undo window (a delayed job) before anything leaves, and an editor may
// recall it meanwhile: through the real path, HTTP publish → worker → outputs queue → a local
// push service that decrypts what it receives.
const UNDO_SECONDS = 2;
const fixture = useStack({
  ALLOW_PRIVATE_OUTBOUND: "true",
  ALERT_UNDO_SECONDS: String(UNDO_SECONDS),
  EDITOR_JWT_SECRET: JWT_SECRET,
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

/** The entry ids of the alerts the push service got, in order. */
const alerted = () => push.received.map((r) => PushPayload.parse(JSON.parse(decryptAes128gcm(r.body, reader))).entryId);

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
