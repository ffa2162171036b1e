import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DraftEntry } from "@liveline/protocol";
import { openReader, readerReady } from "./helpers/reader.js";
import { spawnRole, type RoleProcess } from "./helpers/role-process.js";
import { Api } from "./helpers/stack.js";
import { waitFor } from "./helpers/wait.js";
import { useRedis } from "./helpers/shared-redis.js";

// A scheduled entry is a BullMQ delayed job kept in Redis: the worker that would have run it
// can die (SIGKILL) and another one, started later, publishes it on time.

const redis = useRedis();
const roles: RoleProcess[] = [];
const env = () => ({ REDIS_URL: redis.url, KEY_PREFIX: "sched-restart:" });

beforeAll(async () => {
  roles.push(...(await Promise.all([spawnRole("server", env()), spawnRole("worker", env(), { entry: "worker" })])));
});
afterAll(async () => {
  await Promise.all(roles.map((r) => r.kill("SIGKILL")));
});

describe("a scheduled entry across a worker restart", () => {
  it("is published on time by a worker started after the first one was killed", async () => {
    const [server, worker] = roles;
    if (server?.url === undefined || worker === undefined) throw new Error("roles did not start");
    const api = new Api(server.url);
    expect((await api.createFeed("restart")).status).toBe(201);
    const reader = openReader(server.url, "restart");
    await readerReady(reader);

    const publishAt = new Date(Date.now() + 12_000).toISOString();
    expect((await api.publish("restart", { id: "later", body: "on time anyway", publishAt })).status).toBe(202);
    await waitFor(
      async () =>
        (await api.request<{ entries: DraftEntry[] }>("GET", "/v1/feeds/restart/drafts")).body.entries[0]?.status ===
        "scheduled",
      "the entry scheduled (applied by the first worker)",
    );
    await worker.kill("SIGKILL");
    const second = await spawnRole("worker", env(), { entry: "worker" });
    roles.push(second);
    expect(Date.now()).toBeLessThan(Date.parse(publishAt)); // the new worker is up before publishAt
    expect(reader.events).toEqual([]);

    await waitFor(() => reader.events.length === 1, "the scheduled entry", 20_000, 5);
    const late = Date.now() - Date.parse(publishAt);
    console.log(`scheduled entry after a worker SIGKILL reached the reader ${late} ms after publishAt`);
    expect(late).toBeGreaterThanOrEqual(-20);
    expect(late).toBeLessThan(1000);
    expect(reader.events[0]).toMatchObject({ type: "entry.published", seq: 1, entry: { id: "later" } });
    reader.close();
  });
});
