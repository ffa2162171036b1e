import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openReader, readerReady } from "./helpers/reader.js";
import { spawnRole, type RoleProcess } from "./helpers/role-process.js";
import { Api } from "./helpers/stack.js";
import { waitFor } from "./helpers/wait.js";
import { useRedis } from "./helpers/shared-redis.js";

/** Fan-out crosses processes: ROLE=server and ROLE=worker as separate OS processes. */
const redis = useRedis();
const roles: RoleProcess[] = [];

beforeAll(async () => {
  const env = { REDIS_URL: redis.url, KEY_PREFIX: "fanout:" };
  roles.push(...(await Promise.all([spawnRole("server", env), spawnRole("server", env), spawnRole("worker", env)])));
});
afterAll(async () => {
  await Promise.all(roles.map((r) => r.kill("SIGKILL")));
});

describe("fan-out across processes", () => {
  it("delivers an entry published through one server to readers on the other", async () => {
    const [a, b] = roles;
    if (!a?.url || !b?.url) throw new Error("servers have no url");
    const apiA = new Api(a.url);
    expect((await apiA.createFeed("fanout")).status).toBe(201);
    const onA = openReader(a.url, "fanout");
    const onB = openReader(b.url, "fanout");
    await Promise.all([readerReady(onA), readerReady(onB)]);

    const viaA = await apiA.publish("fanout", { body: "published through A" });
    const viaB = await new Api(b.url).publish("fanout", { body: "published through B" });
    expect([viaA.status, viaB.status]).toEqual([202, 202]);
    for (const reader of [onA, onB]) {
      await waitFor(() => reader.events.length === 2, "both entries on every reader");
      expect(reader.events.map((e) => e.seq)).toEqual([1, 2]);
      expect(reader.sub.entries.map((e) => e.id).sort()).toEqual([viaA.body.entryId, viaB.body.entryId].sort());
    }
    onA.close();
    onB.close();
  });
});
