import type { ApiRequest, ApiResult, ApiRoute, ErrorCode } from "@liveline/protocol";

/**
 * A typed client of the HTTP API for CMS integrations, back offices and the editor console:
 * every route of the README's table, its path parameters, query, headers and body checked by
 * TypeScript against the operation definitions the server is built from (`@liveline/protocol`),
 * and its answer typed by status. Types only: nothing of the contract's schemas is bundled.
 *
 * @example
 * const api = new LivelineApi({ url: "https://live.example.com", token: process.env.LIVELINE_TOKEN });
 * const { data } = await api.request("POST /v1/feeds/:feedId/entries", {
 *   params: { feedId: "election-night" },
 *   headers: { "Idempotency-Key": "7f1c" },
 *   body: { headline: "Polls close", body: "<p>Polls have closed in the east.</p>" },
 * });
 * console.log(data.entryId); // "queued"
 */

/** The `fetch` the client calls (the platform's by default). */
export type ApiFetch = (
  url: string,
  init: {
    method: string;
    headers: Record<string, string>;
    body?: string | FormData;
    signal?: AbortSignal;
    keepalive?: boolean;
  },
) => Promise<{ ok: boolean; status: number; headers: Headers; text(): Promise<string> }>;

export interface ApiOptions {
  /** The Liveline origin, e.g. `https://live.example.com` (no trailing path). */
  url: string;
  /** A bearer token (editor, admin or subscriber), or a function asked before every request. */
  token?: string | (() => string | null | undefined) | undefined;
  /** @default globalThis.fetch */
  fetch?: ApiFetch;
}

/**
 * A refused or failed request. `code` is the server's stable error code (see the README's
 * errors), `network` when the server could not be reached, or `http_<status>` when the answer
 * carried none (a proxy's page, say).
 */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode | "network" | `http_${number}`,
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** The ApiError an answer's status and body make (the API's `{error: {code, message}}`). */
  static from(status: number, body: unknown): ApiError {
    const e = typeof body === "object" && body !== null ? (body as { error?: unknown }).error : undefined;
    const { code, message, details } = (typeof e === "object" && e !== null ? e : {}) as Record<string, unknown>;
    return new ApiError(
      typeof code === "string" ? (code as ErrorCode) : `http_${status}`,
      status,
      typeof message === "string" ? message : `the server answered ${status}`,
      details,
    );
  }
}

/** Options of one call: the route's parts, an AbortSignal, and fetch's `keepalive` (a request that outlives the page). */
export type CallOptions<R extends ApiRoute> = ApiRequest<R> & { signal?: AbortSignal; keepalive?: boolean };

/** Callers of a route that has nothing required may leave the options out. */
type CallArgs<R extends ApiRoute> =
  Record<string, never> extends ApiRequest<R> ? [options?: CallOptions<R>] : [options: CallOptions<R>];

/** The loose view of a call's options the client works with at run time. */
interface Parts {
  params?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string | undefined>;
  body?: unknown;
  signal?: AbortSignal;
  keepalive?: boolean;
}

export class LivelineApi {
  private readonly base: string;
  private readonly doFetch: ApiFetch;

  constructor(private readonly options: ApiOptions) {
    this.base = options.url.replace(/\/+$/, "");
    const platform = (globalThis as { fetch?: ApiFetch }).fetch?.bind(globalThis);
    const f = options.fetch ?? platform;
    if (f === undefined) throw new Error("LivelineApi: this platform has no fetch; pass `fetch`");
    this.doFetch = f;
  }

  /**
   * Call `route` (as the README writes it: `"GET /v1/feeds/:feedId"`). Resolves with the
   * answer's status, JSON body and headers; rejects with an ApiError for any other status.
   */
  async request<R extends ApiRoute>(route: R, ...[options]: CallArgs<R>): Promise<ApiResult<R>> {
    // Every route's options are a case of Parts; the types above checked them against the route.
    const parts = (options ?? {}) as Parts;
    const space = route.indexOf(" ");
    const method = route.slice(0, space);
    const url = this.base + urlOf(route.slice(space + 1), parts);
    const headers: Record<string, string> = { accept: "application/json" };
    for (const [name, value] of Object.entries(parts.headers ?? {})) if (value !== undefined) headers[name] = value;
    const token = typeof this.options.token === "function" ? this.options.token() : this.options.token;
    if (token !== undefined && token !== null) headers.authorization = `Bearer ${token}`;
    let body: string | FormData | undefined;
    if (typeof FormData !== "undefined" && parts.body instanceof FormData) body = parts.body;
    else if (parts.body !== undefined) {
      body = JSON.stringify(parts.body);
      headers["content-type"] = "application/json";
    }
    let res: Awaited<ReturnType<ApiFetch>>;
    try {
      res = await this.doFetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        ...(parts.signal === undefined ? {} : { signal: parts.signal }),
        ...(parts.keepalive === true ? { keepalive: true } : {}),
      });
    } catch (err) {
      if (parts.signal?.aborted === true) throw err;
      throw new ApiError("network", 0, "the server could not be reached; check the connection and try again");
    }
    const data = parseJson(await res.text().catch(() => ""));
    if (!res.ok) throw ApiError.from(res.status, data);
    // The answer is the route's: the server is built from the same definitions.
    return { status: res.status, data, headers: res.headers } as ApiResult<R>;
  }
}

/** The path with its parameters filled in (percent-encoded), and the query, in the order given. */
function urlOf(template: string, parts: Parts): string {
  const path = template.replace(/:(\w+)/g, (_m, name: string) => {
    const value = parts.params?.[name];
    if (value === undefined) throw new Error(`LivelineApi: no value for :${name} in ${template}`);
    return encodeURIComponent(value);
  });
  const query = Object.entries(parts.query ?? {})
    .flatMap(([k, v]) => (v === undefined ? [] : [`${encodeURIComponent(k)}=${encodeURIComponent(v)}`]))
    .join("&");
  return query === "" ? path : `${path}?${query}`;
}

function parseJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
