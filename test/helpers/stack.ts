import { randomUUID } from "node:crypto";
import { loadConfig, startLiveline, type LivelineHandle, type StartOptions } from "@liveline/server";
import { createLogger, type Logger } from "@liveline/core";
import { checkAnswer } from "./contract.js";

export const TOKEN = "test-editor-token-0123456789";

export interface Stack extends LivelineHandle {
  readonly url: string;
  readonly keyPrefix: string;
  api: Api;
}

export interface StackOptions {
  /** Where the stack logs; by default nowhere (TEST_LOG_LEVEL=info shows it). */
  logger?: Logger;
  extend?: StartOptions["extend"];
}

/**
 * Start Liveline in this process (all roles unless `ROLE` says otherwise) on port 0, under a
 * fresh key prefix unless `KEY_PREFIX` is given. A test file usually wants `useStack` instead.
 */
export async function startStack(
  redisUrl: string,
  env: Record<string, string> = {},
  opts: StackOptions = {},
): Promise<Stack> {
  const keyPrefix = env.KEY_PREFIX ?? `test-${randomUUID().slice(0, 8)}:`;
  const config = loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    EDITOR_TOKENS: TOKEN,
    NODE_ENV: "test",
    KEY_PREFIX: keyPrefix,
    HEAD_CHECK_MS: "500",
    DRAIN_SPREAD_MS: "0",
    // No test asks the real YouTube or X: those that look embeds up name a local provider.
    OEMBED_ENDPOINTS: "off",
    // Alerts leave at once unless a test is about the undo window (test/outputs-alert-undo.test.ts).
    ALERT_UNDO_SECONDS: "0",
    ...env,
  });
  const handle = await startLiveline(config, {
    redisUrl,
    logger: opts.logger ?? createLogger("test", process.env.TEST_LOG_LEVEL ?? "silent"),
    ...(opts.extend ? { extend: opts.extend } : {}),
  });
  if (handle.url === undefined) throw new Error("startStack needs a server role; use startWorkerOnly for workers");
  return Object.assign(handle, { url: handle.url, keyPrefix, api: new Api(handle.url) });
}

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** A tiny HTTP client for the v1 API, authenticated as an editor unless told otherwise. */
export class Api {
  constructor(
    readonly base: string,
    private readonly token: string | null = TOKEN,
  ) {}

  /** The same API as another caller; `null` sends no Authorization header. */
  as(token: string | null): Api {
    return new Api(this.base, token);
  }

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const h: Record<string, string> = { ...headers };
    if (this.token !== null) h.authorization = `Bearer ${this.token}`;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === "string" ? body : JSON.stringify(body);
      h["content-type"] ??= "application/json";
    }
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: h,
      ...(payload === undefined ? {} : { body: payload }),
    });
    const text = await res.text();
    // Every answer a test gets must be one /openapi.json declares (test/helpers/contract.ts).
    checkAnswer({ method, path, status: res.status, headers: res.headers, text });
    let parsed: unknown = text;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      // leave as text
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  createFeed(id: string, title = `Feed ${id}`) {
    return this.request("POST", "/v1/feeds", { id, title });
  }

  publish(feedId: string, entry: Record<string, unknown>, headers: Record<string, string> = {}) {
    return this.request<{ entryId: string; status: string }>("POST", `/v1/feeds/${feedId}/entries`, entry, headers);
  }

  edit(feedId: string, entryId: string, patch: Record<string, unknown>) {
    return this.request("PATCH", `/v1/feeds/${feedId}/entries/${entryId}`, patch);
  }

  /** DELETE the entry; with `reason`, sent as the optional JSON body. */
  retract(feedId: string, entryId: string, reason?: string) {
    return this.request(
      "DELETE",
      `/v1/feeds/${feedId}/entries/${entryId}`,
      reason === undefined ? undefined : { reason },
    );
  }
}
