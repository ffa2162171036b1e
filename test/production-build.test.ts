import { randomUUID } from "node:crypto";
import { freePort } from "@liveline/core";
import { afterEach, describe, expect, it } from "vitest";
import { spawnRole, type RoleProcess } from "./helpers/role-process.js";
import { Api } from "./helpers/stack.js";
import { waitFor } from "./helpers/wait.js";
import { useRedis } from "./helpers/shared-redis.js";

/**
 * Production runs the build with plain node, no tsx: `node server/dist/main.js` (any ROLE) and
 * `node worker/dist/main.js` (the worker alone). `npm test` builds first. These fail if a
 * package's `exports` still lead to TypeScript, if a compiled import lost its extension, or if
 * the Lua files are not beside core/dist/scripts.js (read as the process starts).
 */
const redis = useRedis();
const running: RoleProcess[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.kill("SIGKILL")));
});

async function start(role: "all" | "server" | "worker", entry: "server" | "worker", env: Record<string, string>) {
  const p = await spawnRole(role, { REDIS_URL: redis.url, ...env }, { entry, compiled: true });
  running.push(p);
  return p;
}

function apiOf(p: RoleProcess): Api {
  if (p.url === undefined) throw new Error(`${p.role} logged no url`);
  return new Api(p.url);
}

/** GET the entry through the API until a worker has applied it. */
function readBack(api: Api, feedId: string, entryId: string) {
  return waitFor(async () => {
    const res = await api.request<{ id: string; body: string }>("GET", `/v1/feeds/${feedId}/entries/${entryId}`);
    return res.status === 200 ? res.body : undefined;
  }, `entry ${entryId} readable through the API`);
}

describe("the compiled build", () => {
  it("node server/dist/main.js with ROLE=all accepts, applies and serves an entry, and the SDK's widget", async () => {
    const all = await start("all", "server", { KEY_PREFIX: `prod-${randomUUID().slice(0, 8)}:` });
    const api = apiOf(all);
    expect((await api.createFeed("compiled")).status).toBe(201);
    const published = await api.publish("compiled", { body: "from the build" });
    expect(published.status).toBe(202);
    expect(await readBack(api, "compiled", published.body.entryId)).toMatchObject({
      id: published.body.entryId,
      body: "from the build",
    });
    // /widget.js comes from the client SDK's dist through the package's exports.
    const widget = await fetch(`${api.base}/widget.js`);
    expect(widget.status).toBe(200);
    expect((await widget.text()).length).toBeGreaterThan(1000);
  });

  it("node worker/dist/main.js applies what a ROLE=server process accepted, and answers its health checks", async () => {
    const env = { KEY_PREFIX: `prod-${randomUUID().slice(0, 8)}:` };
    const api = apiOf(await start("server", "server", env));
    expect((await api.createFeed("split")).status).toBe(201);
    const published = await api.publish("split", { body: "applied by the worker entry point" });
    expect(published.status).toBe(202);
    // A server role accepts but never applies: the entry waits for a worker.
    const before = await api.request("GET", `/v1/feeds/split/entries/${published.body.entryId}`);
    expect(before.status).toBe(404);

    const metricsPort = await freePort();
    await start("worker", "worker", { ...env, METRICS_PORT: String(metricsPort) });
    expect(await readBack(api, "split", published.body.entryId)).toMatchObject({
      body: "applied by the worker entry point",
    });
    for (const path of ["/healthz", "/readyz"]) {
      expect((await fetch(`http://127.0.0.1:${metricsPort}${path}`)).status, path).toBe(200);
    }
  });
});
